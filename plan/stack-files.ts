// Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI hands config to a program:
// `namespace:key` -> string (objects and arrays as JSON), project defaults applied, secure values masked.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { RunError } from "@pulumi/pulumi/errors";

import { MASKED_SECRET } from "../stacks/config";
import { projectDeclarationError, stackConfigError, StackValue } from "./cli-config-rules";
export const SECRET_PLACEHOLDER = MASKED_SECRET;

export interface StackConfig {
    readonly project: string;
    readonly stack: string;
    /** Config as the language runtime receives it. */
    readonly config: Record<string, string>;
    /** Keys whose values were `secure:` ciphertext, replaced by SECRET_PLACEHOLDER. */
    readonly secretKeys: string[];
}

export interface ProjectFile {
    name: string;
    main?: string;
    config?: Record<string, unknown>;
}

/** A stack or project file that cannot be read as Pulumi would: names the file (and line:column), no stack trace. */
export class StackFileError extends RunError {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

/** A plain scalar the CLI's YAML reader (yaml.v3) takes for a timestamp: it hands the program `2024-01-01 00:00:00 +0000 UTC`. */
const YAML_V3_TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}(?:[Tt ].*)?$/;

/**
 * Parses YAML as the Pulumi CLI reads its files (yaml.v3: merge keys `<<` applied); a syntax error becomes one
 * `file:line:column: message` (the first error YAML reports). An unquoted date is refused: the CLI would turn it into
 * another text than this reader, so the program and whatever reads the file would see different values.
 */
export function parseYamlFile(file: string, text: string): unknown {
    const lineCounter = new YAML.LineCounter();
    const doc = YAML.parseDocument(text, { prettyErrors: true, merge: true, lineCounter });
    const error = doc.errors[0];
    if (error) {
        const at = error.linePos?.[0];
        const where = at ? `${file}:${at.line}:${at.col}` : file;
        throw new StackFileError(`${where}: not valid YAML: ${error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`);
    }
    YAML.visit(doc, {
        Scalar(_, node) {
            if (node.type === "PLAIN" && typeof node.value === "string" && YAML_V3_TIMESTAMP.test(node.value)) {
                const at = node.range ? lineCounter.linePos(node.range[0]) : undefined;
                throw new StackFileError(`${at ? `${file}:${at.line}:${at.col}` : file}: ${node.value}: expected it quoted ("${node.value}"): Pulumi reads an unquoted date as a timestamp and hands the program other text`);
            }
        },
    });
    return doc.toJS();
}

export function readProject(projectDir: string): ProjectFile {
    const file = path.join(projectDir, "Pulumi.yaml");
    const project = parseYamlFile(file, fs.readFileSync(file, "utf8")) as ProjectFile | null;
    if (!project?.name) throw new StackFileError(`${file}: no project name`);
    const refused = projectDeclarationError(project.name, project.config ?? {});
    if (refused) throw new StackFileError(`${file}: ${refused}`);
    return project;
}

/** Reads already done in this process, by what was read and its files' sizes and modification times. */
const reads = new Map<string, { readonly stamp: string; readonly value: unknown }>();

/** Set in a thread that plans one snapshot of the files (filesUnchangedFromNowOn). */
let filesFixed = false;

/**
 * From now on, this thread's reads are kept without checking their files again: for a worker thread of a batch of
 * tenant stacks, which plans the repository as it was when the batch began (a tenant stack checks its tenant against
 * every tenant file, and stating 1,000 files for each of 1,000 stacks costs more than planning them).
 */
export function filesUnchangedFromNowOn(): void {
    filesFixed = true;
}

/**
 * `read()`, done once per process while `files()` are unchanged (an edited file is read again): the offline plan runs
 * many tenant stacks of one project and platform stack file in a process. `key` names the read; its result is shared.
 */
export function readOnce<T>(key: string, files: () => readonly string[], read: () => T): T {
    const cached = reads.get(key);
    if (cached && filesFixed) return cached.value as T;
    const stamp = files().map((f) => fs.statSync(f, { throwIfNoEntry: false })).map((st) => (st ? `${st.size}:${st.mtimeMs}` : "-")).join("|");
    if (cached?.stamp === stamp) return cached.value as T;
    const value = read();
    reads.set(key, { stamp, value });
    return value;
}

/** readProject, once per process while the file is unchanged; frozen. */
export function readProjectOnce(projectDir: string): ProjectFile {
    const file = path.join(projectDir, "Pulumi.yaml");
    return readOnce(`project ${file}`, () => [file], () => deepFreeze(readProject(projectDir)));
}

/** Freezes `value` and everything reachable from it (what a process-wide cache hands out is shared). */
export function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value as object)) deepFreeze(v);
    }
    return value;
}

/**
 * The stack file as `pulumi config set` of `keys` (namespaced keys; values as --set takes them: JSON, or a plain string)
 * would leave it, with the project file, in a new folder the caller removes: what a tenant stack reads as its
 * platform's stack file when the platform is planned with overrides. A relative `tenants.directory` is made absolute
 * (the tenants' files stay where they are).
 */
export function stackFileWith(projectDir: string, stack: string, keys: Readonly<Record<string, string>>, project = readProject(projectDir).name): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `stack-${stack}-`));
    try {
        fs.copyFileSync(path.join(projectDir, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        const doc = YAML.parseDocument(fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8"));
        for (const [key, value] of Object.entries(keys)) {
            let parsed: unknown = value;
            try {
                parsed = JSON.parse(value);
            } catch {
                // a plain string
            }
            doc.setIn(["config", key], parsed);
        }
        const tenantsKey = `${project}:tenants`;
        const directory = doc.getIn(["config", tenantsKey, "directory"]);
        if (typeof directory === "string" && !path.isAbsolute(directory)) doc.setIn(["config", tenantsKey, "directory"], path.resolve(projectDir, directory));
        fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), doc.toString());
        return dir;
    } catch (e) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw e;
    }
}

/** Replaces every `{secure: ...}` inside a value by the placeholder; reports whether any was found. */
function maskSecure(value: unknown): { value: unknown; secret: boolean } {
    if (Array.isArray(value)) {
        const items = value.map(maskSecure);
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>);
        // `secure:` with ciphertext (a string); the CLI reads any other `secure:` as a plain key.
        if (entries.length === 1 && entries[0][0] === "secure" && typeof entries[0][1] === "string") return { value: SECRET_PLACEHOLDER, secret: true };
        const masked = entries.map(([k, v]) => [k, maskSecure(v)] as const);
        return { value: Object.fromEntries(masked.map(([k, v]) => [k, v.value])), secret: masked.some(([, v]) => v.secret) };
    }
    return { value, secret: false };
}

function stored(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** The config a `pulumi up -s <stack>` would pass to the program (secure values masked). */
export function readStackConfig(projectDir: string, stack: string): StackConfig {
    const project = readProject(projectDir);
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new StackFileError(`no stack file ${file} (stacks here: ${listStacks(projectDir).join(", ") || "none"})`);
    return stackConfigFromText(project, stack, file, fs.readFileSync(file, "utf8"));
}

/**
 * readStackConfig, read once per process while the files are unchanged: a tenant stack reads its platform's stack file,
 * and the offline plan runs many tenant stacks of one platform in a process. The result is frozen (shared).
 */
export function readStackConfigOnce(projectDir: string, stack: string): StackConfig {
    const files = [path.join(projectDir, "Pulumi.yaml"), path.join(projectDir, `Pulumi.${stack}.yaml`)];
    return readOnce(`stack ${files[1]}`, () => files, () => {
        const config = readStackConfig(projectDir, stack);
        Object.freeze(config.config);
        Object.freeze(config.secretKeys);
        return Object.freeze(config);
    });
}

/** The config of a stack file's text (see readStackConfig); `file` names it in errors. */
export function stackConfigFromText(project: ProjectFile, stack: string, file: string, text: string): StackConfig {
    const stackFile = (parseYamlFile(file, text) ?? {}) as { config?: unknown; environment?: unknown };
    if (stackFile === null || typeof stackFile !== "object" || Array.isArray(stackFile)) {
        throw new StackFileError(`${file}: expected a mapping with a config: section; got ${JSON.stringify(stackFile)}`);
    }
    // An ESC environment's values reach `pulumi up` but no reader of the file: not the offline plan, not the tenant
    // stacks (which follow the settings they read here, and would refuse the platform's as stale).
    if ("environment" in stackFile)
        throw new StackFileError(`${file}: environment: expected no ESC environments in a stack file (the offline plan and the tenant stacks read its config: section alone; put the settings there); got ${JSON.stringify(stackFile.environment)}`);
    const section = stackFile.config ?? {};
    if (section === null || typeof section !== "object" || Array.isArray(section)) {
        throw new StackFileError(`${file}: config: expected a mapping of keys (platform:name: ...); got ${JSON.stringify(section)}`);
    }

    const stackValues = new Map<string, StackValue>();
    for (const [key, raw] of Object.entries(section as Record<string, unknown>)) {
        const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
        // `tags:` and `platform:tags:` are one key: the CLI keeps either, in no fixed order.
        if (stackValues.has(fullKey)) throw new StackFileError(`${file}: ${key}: expected each key once; ${fullKey} is given both with and without its namespace`);
        stackValues.set(fullKey, { secure: maskSecure(raw).secret, raw });
    }
    // What the CLI refuses before it starts the program, in its words.
    const refused = stackConfigError(project.name, stack, project.config ?? {}, stackValues);
    if (refused) throw new StackFileError(`${file}: ${refused}`);

    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    // Project-level declarations: defaults for project keys, `value:` or plain values for any namespace.
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
        if (decl !== null && typeof decl === "object" && !Array.isArray(decl)) {
            const d = decl as Record<string, unknown>;
            if ("value" in d) config[fullKey] = stored(d.value);
            else if ("default" in d) config[fullKey] = stored(d.default);
        } else {
            config[fullKey] = stored(decl);
        }
    }
    for (const [key, raw] of Object.entries(section as Record<string, unknown>)) {
        const typo = namespaceTypo(key, project.name);
        if (typo) throw new StackFileError(`${file}: ${typo}`);
        const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
        const { value, secret } = maskSecure(raw);
        config[fullKey] = stored(value);
        if (secret) secretKeys.push(fullKey);
    }
    return { project: project.name, stack, config, secretKeys };
}

export function listStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** A GitHub App a stack file names: where (its config path, for messages) and its id. */
export interface NamedGithubApp {
    readonly stack: string;
    readonly where: string;
    readonly appId: number;
}

/**
 * The GitHub Apps a stack file's tenants' runners register with (`tenants.list[i].ci.githubApp`, and those of
 * `<tenants.directory>/<file>`). Argo CD's repository credentials are not counted: new-stack copies the example's,
 * and they only read repositories. A stack file that does not parse names none here (planning it reports why).
 */
export function githubAppsOf(projectDir: string, stack: string): NamedGithubApp[] {
    let config: Readonly<Record<string, string>>;
    try {
        // Once per process: the plan reads the same stack file again (a tenant stack's platform file, its settings).
        config = readStackConfigOnce(projectDir, stack).config;
    } catch {
        return [];
    }
    const project = readProject(projectDir).name;
    const json = (key: string) => {
        try {
            return JSON.parse(config[`${project}:${key}`] ?? "{}") as any;
        } catch {
            return {};
        }
    };
    const out: NamedGithubApp[] = [];
    const add = (where: string, app: unknown) => {
        const id = (app as { appId?: unknown } | undefined)?.appId;
        if (typeof id === "number") out.push({ stack, where, appId: id });
    };
    const tenants = json("tenants");
    ((tenants.list ?? []) as any[]).forEach((t, i) => add(`tenants.list[${i}].ci.githubApp`, t?.ci?.githubApp));
    if (typeof tenants.directory === "string") {
        const dir = path.join(projectDir, tenants.directory);
        for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : []) {
            try {
                add(`${tenants.directory}/${f} ci.githubApp`, (YAML.parse(fs.readFileSync(path.join(dir, f), "utf8")) as any)?.ci?.githubApp);
            } catch {
                continue; // a tenant file that does not parse is reported when the stack is planned
            }
        }
    }
    return out;
}

/**
 * A GitHub App `stack` shares with another stack file: one App (and private key) per environment, or a key leaked
 * from dev's Vault registers runners that take prod's jobs. One message each.
 */
export function sharedGithubApps(projectDir: string, stack: string): string[] {
    const others = listStacks(projectDir).filter((s) => s !== stack).flatMap((s) => githubAppsOf(projectDir, s));
    return githubAppsOf(projectDir, stack).flatMap((mine) =>
        others
            .filter((o) => o.appId === mine.appId)
            .map((o) => `Pulumi.${stack}.yaml ${mine.where}.appId: expected a GitHub App of this environment's own, not ${mine.appId}, which Pulumi.${o.stack}.yaml names too (${o.where}): its private key in either environment's Vault would register runners for both`),
    );
}

/** Key names that hold credentials (password, token, apiKey, client_secret, private-key, ...). */
const SECRET_KEY = /(pass(word|wd)?|secret|token|api[-_]?key|private[-_]?key|credential|access[-_]?key)$/i;

/**
 * Dotted paths of stack-file values stored in plain text under a credential-like key. A `secure:` value (what
 * `pulumi config set --secret` writes) is encrypted and is not reported.
 */
export function plaintextSecretPaths(stackFileText: string): string[] {
    const found: string[] = [];
    const walk = (value: unknown, at: string, key: string) => {
        if (value !== null && typeof value === "object" && !Array.isArray(value)) {
            const obj = value as Record<string, unknown>;
            if (Object.keys(obj).length === 1 && typeof obj.secure === "string") return;
            for (const [k, v] of Object.entries(obj)) walk(v, at ? `${at}.${k}` : k, k);
        } else if (Array.isArray(value)) {
            value.forEach((v, i) => walk(v, `${at}[${i}]`, key));
        } else if (SECRET_KEY.test(key.split(":").pop() ?? key) && value !== null && value !== "") {
            found.push(at);
        }
    };
    walk((YAML.parse(stackFileText) as { config?: unknown } | null)?.config ?? {}, "", "");
    return found;
}

/** Edit distance, for telling a typo of the project's namespace from another provider's. */
function distance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}

/** A config key in a namespace that is not the project's but only a typo away from it (`platfrom:tags`). */
export function namespaceTypo(key: string, project: string): string | undefined {
    const namespace = key.includes(":") ? key.slice(0, key.indexOf(":")) : undefined;
    if (namespace === undefined || namespace === project) return undefined;
    return distance(namespace, project) <= 2 ? `${key}: unknown namespace "${namespace}"; did you mean ${project}:${key.slice(namespace.length + 1)}?` : undefined;
}

/** One `--set KEY=VALUE`, checked: a namespaced key (`platform:region`) or a dotted path into one (`platform:network.natGateways`). */
export interface ConfigSet {
    /** The config key that changes (the top-level key of a dotted path). */
    readonly key: string;
    /** Its new stored value. */
    readonly value: string;
    /** What was overridden, for the user. */
    readonly path: string;
}

/**
 * Resolves `--set` pairs against a stack's config: a dotted path changes one leaf of a structured key and keeps
 * the rest (VALUE is JSON when it parses, text otherwise); a key without the project's namespace is refused.
 */
export function resolveSets(cfg: StackConfig, pairs: readonly string[]): ConfigSet[] {
    const sets: ConfigSet[] = [];
    const working: Record<string, string> = { ...cfg.config };
    for (const pair of pairs) {
        const eq = pair.indexOf("=");
        if (eq < 1) throw new Error(`--set expects KEY=VALUE, got ${JSON.stringify(pair)}`);
        const [path, raw] = [pair.slice(0, eq), pair.slice(eq + 1)];
        if (!path.includes(":")) throw new Error(`--set ${path}: keys are namespaced, e.g. ${cfg.project}:${path}`);
        const typo = namespaceTypo(path, cfg.project);
        if (typo) throw new Error(`--set ${typo}`);
        const [key, ...leaf] = path.split(".");
        let value = raw;
        if (leaf.length > 0) {
            let parsed: unknown;
            try {
                parsed = JSON.parse(working[key] ?? "{}");
            } catch {
                throw new Error(`--set ${path}: ${key} is not a structured value`);
            }
            let node = parsed as Record<string, unknown>;
            for (const part of leaf.slice(0, -1)) {
                if (node[part] === undefined) node[part] = {};
                if (node[part] === null || typeof node[part] !== "object") throw new Error(`--set ${path}: ${part} is not an object`);
                node = node[part] as Record<string, unknown>;
            }
            let leafValue: unknown = raw;
            try {
                leafValue = JSON.parse(raw);
            } catch {
                // plain text
            }
            node[leaf[leaf.length - 1]] = leafValue;
            value = JSON.stringify(parsed);
        }
        working[key] = value;
        sets.push({ key, value, path });
    }
    return sets;
}
