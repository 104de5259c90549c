// Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI hands config to a program:
// `namespace:key` -> string (objects and arrays as JSON), project defaults applied, secure values masked.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

export const SECRET_PLACEHOLDER = "[secret]";

export interface StackConfig {
    readonly project: string;
    readonly stack: string;
    /** Config as the language runtime receives it. */
    readonly config: Record<string, string>;
    /** Keys whose values were `secure:` ciphertext, replaced by SECRET_PLACEHOLDER. */
    readonly secretKeys: string[];
}

interface ProjectFile {
    name: string;
    main?: string;
    config?: Record<string, unknown>;
}

export function readProject(projectDir: string): ProjectFile {
    const file = path.join(projectDir, "Pulumi.yaml");
    const project = YAML.parse(fs.readFileSync(file, "utf8")) as ProjectFile;
    if (!project?.name) throw new Error(`${file}: no project name`);
    return project;
}

/** Replaces every `{secure: ...}` inside a value by the placeholder; reports whether any was found. */
function maskSecure(value: unknown): { value: unknown; secret: boolean } {
    if (Array.isArray(value)) {
        const items = value.map(maskSecure);
        return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
    }
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>);
        if (entries.length === 1 && entries[0][0] === "secure") return { value: SECRET_PLACEHOLDER, secret: true };
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
    if (!fs.existsSync(file)) throw new Error(`no stack file ${file} (stacks here: ${listStacks(projectDir).join(", ") || "none"})`);
    const stackFile = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };

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
    for (const [key, raw] of Object.entries(stackFile.config ?? {})) {
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
