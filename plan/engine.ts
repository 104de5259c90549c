// The offline engine: evaluates the real program for a stack file on Pulumi's mock runtime and records
// every resource registration with its options. The plan CLI and the stack-level tests both use it.
import "./startup";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import * as pulumi from "@pulumi/pulumi";
import { FakeCloud, fakeId, fakeInvoke, fakeState } from "./fakes";
import { readProject, readProjectOnce, readStackConfig, readStackConfigOnce, SECRET_PLACEHOLDER, StackConfig, stackConfigFromText } from "./stack-files";
import { tenantStackConfig, tenantStackName } from "../stacks/tenant-stack-config";
import { contractStackConfig } from "../stacks/contract-stack-config";

/** Where this engine's own program modules are: the repository root (TypeScript run by tsx) or bin/ (compiled). */
const PROGRAM_ROOT = path.resolve(__dirname, "..");
/** True when running the compiled JavaScript (tsconfig.dev.json's output in bin/), not TypeScript through tsx. */
export const COMPILED = path.extname(__filename) === ".js";
/** The repository root: Pulumi.yaml, the stack files, charts/. */
export const PROJECT_DIR = COMPILED ? path.resolve(PROGRAM_ROOT, "..") : PROGRAM_ROOT;
/** The tenant project (tenant/Pulumi.yaml): one tenant per stack. */
export const TENANT_PROJECT_DIR = path.join(PROJECT_DIR, "tenant");
/** The contract project (contract/Pulumi.yaml): the platform's outputs contract, one stack per platform stack. */
export const CONTRACT_PROJECT_DIR = path.join(PROJECT_DIR, "contract");
/** The organization the offline plan's tenant stacks name their platform stack in (a self-managed backend's). */
export const OFFLINE_ORGANIZATION = "organization";

/**
 * The module to evaluate for the project's `main`: this checkout's program (its compiled twin when this engine runs
 * compiled). Stack files may come from another directory (a scratch project in tests); the program is always this one.
 */
export function programModule(main: string): string {
    if (sourcePrograms) return path.join(PROJECT_DIR, main);
    return path.join(PROGRAM_ROOT, COMPILED ? main.replace(/\.ts$/, ".js") : main);
}

/** Set by loadProgramsAsPulumiDoes: each project's own `main` in TypeScript, through the ts-node hook registered then. */
let sourcePrograms = false;

/**
 * From now on, plans run each project's `main` as Pulumi would (its index.ts, compiled by the ts-node hook the caller
 * registered with plan/pulumi-loader.ts), not this engine's compiled twin. For `npm run check:loader` only.
 */
export function loadProgramsAsPulumiDoes(): void {
    sourcePrograms = true;
}

export interface PlannedResource {
    readonly urn: string;
    /** The URN without its stack, so the same resource matches across stacks. */
    readonly key: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly parent?: string;
    /** URN of the explicit or inherited provider (custom resources only). */
    readonly provider?: string;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly deleteBeforeReplace: boolean;
    readonly dependsOn: string[];
    /** Every resource this one waits for: `dependsOn` and those its inputs come from (what the engine orders by). */
    readonly dependencies: string[];
    /** Per input, the resources its value comes from (CrossGuard's propertyDependencies); absent in hand-made fixtures. */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    readonly ignoreChanges: string[];
    readonly aliases: unknown[];
    /** The `import` option: the id of an existing resource to adopt instead of creating one. */
    readonly importId?: string;
    /** The customTimeouts option (Go durations per operation), when set. */
    readonly customTimeouts?: { readonly create?: string; readonly update?: string; readonly delete?: string };
    /** Inputs as sent to the engine; secrets replaced by "[secret]", unknowns by "[unknown]". */
    readonly inputs: Record<string, unknown>;
    /** Dotted paths of inputs that are secret. */
    readonly secretPaths: string[];
    /** A component's `registerOutputs` (secrets masked); absent until it registers them, and on custom resources. */
    readonly registeredOutputs?: Record<string, unknown>;
}

export interface Plan {
    readonly project: string;
    readonly stack: string;
    readonly resources: PlannedResource[];
    /** Stack outputs, secrets masked. */
    readonly outputs: Record<string, unknown>;
    readonly secretOutputs: string[];
    readonly elapsedMs: number;
}

export interface PlanOptions {
    readonly stack: string;
    /** @default the repository root */
    readonly projectDir?: string;
    /** Replace (or with `undefined`, remove) config keys before the run, e.g. `{"platform:region": "x"}`. */
    readonly configOverrides?: Readonly<Record<string, unknown>>;
    /** Keys of `configOverrides` Pulumi would hold as secrets (as `pulumi config set --secret` leaves them). */
    readonly secretOverrides?: readonly string[];
    /** Change what the fake cloud holds (e.g. which principals exist) before the run. */
    readonly cloud?: (cloud: FakeCloud) => FakeCloud;
}

/** Thrown when the program fails; carries what was registered before the failure. */
export class PlanError extends Error {
    constructor(
        public readonly cause: unknown,
        public readonly registered: PlannedResource[],
    ) {
        // The SDK prefixes an input's failure with the path it was found at; the cause is what a user needs.
        super((cause instanceof Error ? cause.message : String(cause)).replace(/^(error serializing property "[^"]*": )+/, ""));
        this.name = "PlanError";
    }
}

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Decodes the wire form of properties into plain data, masking secrets and noting where they were. With `reveal`,
 * secrets are decoded too (what `secretInputs` gives tests); the plan itself never holds them.
 */
export function decodeProperties(value: unknown, secrets: string[], at = "", reveal = false): unknown {
    if (value === UNKNOWN) return "[unknown]";
    if (Array.isArray(value)) return value.map((v, i) => decodeProperties(v, secrets, `${at}[${i}]`, reveal));
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    const sig = obj[SIG_KEY];
    if (sig === SECRET_SIG || (sig === OUTPUT_SIG && obj.secret === true)) {
        secrets.push(at);
        if (!reveal) return SECRET_PLACEHOLDER;
        return "value" in obj ? decodeProperties(obj.value, [], at, reveal) : "[unknown]";
    }
    if (sig === OUTPUT_SIG) return "value" in obj ? decodeProperties(obj.value, secrets, at, reveal) : "[unknown]";
    if (sig === RESOURCE_SIG) return { $resource: obj.urn };
    if (sig !== undefined) return { $special: sig };
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, decodeProperties(v, secrets, at ? `${at}.${k}` : k, reveal)]));
}

/** Inputs with their secret values, per planned resource: kept beside the plan, never in it (nor in its JSON). */
const revealedInputs = new WeakMap<PlannedResource, Record<string, unknown>>();

/** Stack outputs with their secret values, per plan's `outputs` object: kept beside the plan, never in it. */
const revealedOutputs = new WeakMap<object, Record<string, unknown>>();

/**
 * For tests only: a plan's stack outputs with secrets in the clear (the mock runtime's values), what
 * `pulumi stack output --show-secrets` shows a reader of the stack. Throws for a plan with secret outputs whose values
 * were not kept, rather than answer with placeholders.
 */
export function stackOutputValues(plan: Pick<Plan, "outputs" | "secretOutputs">): Record<string, unknown> {
    const revealed = revealedOutputs.get(plan.outputs);
    if (revealed) return revealed;
    if (plan.secretOutputs.length > 0) throw new Error(`the plan's secret outputs (${plan.secretOutputs.join(", ")}) were not kept in the clear`);
    return plan.outputs;
}

/**
 * For tests only: a planned resource's inputs with secrets in the clear (the mock runtime's values), so a test can
 * pin what a secret holds. The same object as `inputs` when nothing in them is secret.
 */
export function secretInputs(resource: PlannedResource): Record<string, unknown> {
    return revealedInputs.get(resource) ?? resource.inputs;
}

function stripStack(urn: string): string {
    return urn.split("::").slice(2).join("::");
}

function providerUrn(ref: string): string | undefined {
    return ref ? ref.split("::").slice(0, -1).join("::") : undefined;
}

/** A JSON config value, or undefined when absent or not JSON (the program's validation reports those). */
function jsonConfig(cfg: StackConfig, key: string): any {
    try {
        return JSON.parse(cfg.config[`${cfg.project}:${key}`] ?? "null") ?? undefined;
    } catch {
        return undefined;
    }
}

/** The STS ARN a session of `adminArn` has (roles) or the user's own ARN. */
function callerFor(adminArn: string | undefined, accountId: string): string | undefined {
    if (!adminArn) return undefined;
    const role = /:role\/(?:.*\/)?([^/]+)$/.exec(adminArn);
    return role ? `arn:aws:sts::${accountId}:assumed-role/${role[1]}/offline-plan` : adminArn;
}

/** The account the stack file pins, its region, and, as existing, the principals and zones it names. */
function fakeCloudFor(cfg: StackConfig): FakeCloud {
    const accounts = jsonConfig(cfg, "allowedAccountIds");
    const accountId = Array.isArray(accounts) && typeof accounts[0] === "string" ? accounts[0] : "123456789012";
    const region = cfg.config[`${cfg.project}:region`] ?? cfg.config["aws:region"] ?? "us-east-1";
    const cluster = jsonConfig(cfg, "cluster");
    const zone = jsonConfig(cfg, "ingress")?.hostedZone;
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
    return {
        accountId,
        region,
        partition: "aws",
        iamPrincipals: [...strings(cluster?.admins), ...strings(cluster?.viewers)],
        // The stack file's first admin runs the plan, as one of them must run `pulumi up`.
        callerArn: callerFor(strings(cluster?.admins)[0], accountId),
        hostedZones: strings([zone?.zoneId, zone?.zoneName, zone?.parentZoneId]),
    };
}

function applyOverrides(cfg: StackConfig, overrides: Readonly<Record<string, unknown>>): StackConfig {
    const config = { ...cfg.config };
    for (const [key, value] of Object.entries(overrides)) {
        if (value === undefined) delete config[key];
        else config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return { ...cfg, config };
}

/** Forget the program's modules (not node_modules, not this engine) so each plan evaluates it afresh. */
function purgeProgramModules(programRoot: string) {
    const nodeModules = path.join(programRoot, "node_modules");
    for (const id of Object.keys(require.cache)) {
        if (id.startsWith(programRoot) && !id.startsWith(nodeModules) && !id.startsWith(__dirname) && !(sourcePrograms && id.endsWith(".js"))) {
            delete require.cache[id];
        }
    }
}

type Callback = (err: unknown, resp?: unknown) => void;
interface RecordableMonitor {
    registerResource(req: RegisterRequest, cb: Callback): Promise<void>;
    registerResourceOutputs(req: OutputsRequest, cb: Callback): void;
}
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getCustom(): boolean;
    getParent(): string;
    getProvider(): string;
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getDeletebeforereplace(): boolean;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(cb: (deps: { getUrnsList(): string[] }, key: string) => void): void };
    getIgnorechangesList(): string[];
    getAliasesList(): { toObject(): unknown }[];
    getImportid(): string;
    getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
    getObject(): { toJavaScript(): unknown } | undefined;
}
interface OutputsRequest {
    getUrn(): string;
    getOutputs(): { toJavaScript(): unknown } | undefined;
}

/** Only the operations a program set a timeout for; undefined when it set none. */
function customTimeouts(t: ReturnType<RegisterRequest["getCustomtimeouts"]>): PlannedResource["customTimeouts"] {
    const set = Object.entries({ create: t?.getCreate(), update: t?.getUpdate(), delete: t?.getDelete() }).filter(([, v]) => v);
    return set.length > 0 ? Object.fromEntries(set) : undefined;
}

/** Per input property, the URNs of the resources its value depends on. */
function propertyDependencies(req: RegisterRequest): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => {
        out[key] = [...new Set(deps.getUrnsList())];
    });
    return out;
}

/** `dependsOn` as written: all dependencies minus those implied by input properties. */
function explicitDependencies(req: RegisterRequest): string[] {
    const implied = new Set<string>();
    req.getPropertydependenciesMap().forEach((deps) => deps.getUrnsList().forEach((u) => implied.add(u)));
    return req.getDependenciesList().filter((u) => !implied.has(u));
}

/**
 * The SDK tags every promise it makes with an id, a label and a stack trace (three property definitions that also
 * change the promise's shape; only printed by its leaked-promise report with PULUMI_DEBUG_PROMISE_LEAKS), which was a
 * fifth of a plan's time, then a tenth once the stack was left empty. Offline, after the SDK's own first call (which
 * installs its leak report at exit), a promise is only tracked as a leak candidate the way the SDK tracks it, with
 * the same chain of `then` and `catch` (so registrations settle in the same order); with PULUMI_DEBUG_PROMISE_LEAKS
 * set, the SDK's own function runs. Errors keep their full stack.
 */
function lightPromises() {
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T>; debugPromiseLeaks: boolean };
    const state = require("@pulumi/pulumi/runtime/state") as { getStore(): { leakCandidates: Set<Promise<unknown>> } };
    const original = debuggable.debuggablePromise;
    if ((original as { offline?: boolean }).offline) return;
    let scheduled = false;
    const light = <T>(p: Promise<T>, ctx: unknown): Promise<T> => {
        if (!scheduled || debuggable.debugPromiseLeaks) {
            scheduled = true;
            return original(p, ctx);
        }
        const store = state.getStore();
        store.leakCandidates.add(p);
        return p
            .then((val) => {
                store.leakCandidates.delete(p);
                return val;
            })
            .catch((err: { promise?: unknown }) => {
                store.leakCandidates.delete(p);
                err.promise = p;
                throw err;
            });
    };
    debuggable.debuggablePromise = Object.assign(light, { offline: true });
}
lightPromises();

/** A value as google.protobuf.Struct holds it (Value.fromJavaScript's rules): keys sorted, as its map gives them back. */
function structValue(v: unknown): unknown {
    switch (typeof v) {
        case "string":
        case "number":
        case "boolean":
            return v;
        case "object":
            if (v === null) return null;
            if (Array.isArray(v)) {
                const out = new Array(v.length);
                for (let i = 0; i < v.length; i++) out[i] = structValue(v[i]);
                return out;
            }
            return structFields(v);
        default:
            throw new Error("Unexpected struct type.");
    }
}

/** Struct.fromJavaScript's fields: every enumerable key (`for in`), sorted as the Struct's map sorts them. */
function structFields(obj: unknown): Record<string, unknown> {
    const keys: string[] = [];
    for (const k in obj as object) keys.push(k);
    keys.sort();
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = structValue((obj as Record<string, unknown>)[k]);
    return out;
}

/** A copy of plain data made by structValue (already checked and sorted). */
function plainCopy(v: unknown): unknown {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map(plainCopy);
    const out: Record<string, unknown> = {};
    for (const k in v) out[k] = plainCopy((v as Record<string, unknown>)[k]);
    return out;
}

/**
 * On the mock runtime every registration's inputs and state go through google.protobuf.Struct and straight back
 * (Struct.fromJavaScript, then toJavaScript by the mock monitor, this engine and the SDK): no bytes are ever sent.
 * Building the protobuf's maps was a sixth of a tenant stack's plan. Offline, a Struct made from JavaScript keeps the
 * checked, key-sorted copy that its fields would give back (the same errors for values a Struct cannot hold) and
 * `toJavaScript` returns a fresh copy of it; any other use of its fields (getFieldsMap, serializing, toObject) first
 * builds them as the library would.
 */
function plainStructs() {
    type StructClass = { fromJavaScript(obj: unknown): object; prototype: Record<string, (...args: unknown[]) => unknown>; offline?: boolean };
    const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as { Struct: StructClass };
    if (Struct.offline) return;
    const fromJavaScript = Struct.fromJavaScript;
    const proto = Struct.prototype;
    const { toJavaScript, getFieldsMap, serializeBinary, toObject, cloneMessage } = proto;
    const held = new WeakMap<object, unknown>();
    const build = (s: object) => {
        if (!held.has(s)) return;
        const fields = held.get(s);
        held.delete(s);
        Object.assign(s, fromJavaScript(fields));
    };
    Struct.fromJavaScript = (obj: unknown) => {
        const fields = structFields(obj);
        const s = new (Struct as unknown as new () => object)();
        held.set(s, fields);
        return s;
    };
    proto.toJavaScript = function (this: object) {
        return held.has(this) ? plainCopy(held.get(this)) : toJavaScript.call(this);
    };
    for (const [name, method] of Object.entries({ getFieldsMap, serializeBinary, toObject, cloneMessage })) {
        proto[name] = function (this: object, ...args: unknown[]) {
            build(this);
            return method.apply(this, args);
        };
    }
    Struct.offline = true;
}
plainStructs();

/**
 * Every resource's constructor captures the whole JavaScript stack for its source position (Resource.callsites), which
 * the offline plan never records: offline, none is captured. Errors keep their stacks.
 */
function skipSourcePositions() {
    const { Resource } = require("@pulumi/pulumi/resource") as { Resource: { callsites: () => unknown[]; offline?: boolean } };
    if (Resource.offline) return;
    Resource.callsites = () => [];
    Resource.offline = true;
}
skipSourcePositions();

// Runs share the process-wide Pulumi runtime, so they must not overlap.
let queue: Promise<unknown> = Promise.resolve();

function serialise<T>(run: () => Promise<T>): Promise<T> {
    const next = queue.then(run);
    queue = next.catch(() => undefined);
    return next;
}

export interface RecordOptions {
    readonly project: string;
    readonly stack: string;
    /** Config as the runtime receives it (`namespace:key` -> string). */
    readonly config?: Readonly<Record<string, string>>;
    readonly secretKeys?: readonly string[];
    /** @default account 123456789012, us-east-1, partition aws */
    readonly cloud?: FakeCloud;
    /** Run as `pulumi preview` does (pulumi.runtime.isDryRun()); the offline plan runs as an update. @default false */
    readonly preview?: boolean;
}

export interface Recording {
    readonly resources: PlannedResource[];
    readonly outputs: Record<string, unknown>;
    readonly secretOutputs: string[];
}

/**
 * Runs `program` as the body of a Pulumi stack on the mock runtime and records every registration.
 * Whatever `program` returns becomes the stack outputs. Used by planStack and by component tests.
 */
export function record(options: RecordOptions, program: () => unknown): Promise<Recording> {
    return serialise(() => recordNow(options, program));
}

async function recordNow(options: RecordOptions, program: () => unknown): Promise<Recording> {
    const cloud = options.cloud ?? { accountId: "123456789012", region: "us-east-1", partition: "aws" };
    const { project, stack } = options;
    const resources: PlannedResource[] = [];
    const byUrn = new Map<string, PlannedResource>();
    let stackOutputs: unknown = {};
    let stackUrn = "";

    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                if (!args.custom) return { id: undefined, state: {} };
                return { id: fakeId(args.type, args.name, args.inputs), state: fakeState(cloud, args.type, args.name, args.inputs) };
            },
            call: (args) => fakeInvoke(cloud, args),
        },
        project,
        stack,
        options.preview ?? false,
    );
    const monitor = pulumi.runtime.getMonitor() as unknown as RecordableMonitor;
    const register = monitor.registerResource.bind(monitor);
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResource = (req, cb) => {
        const type = req.getType();
        const parent = req.getParent() || undefined;
        // The mock monitor's URN scheme (parent's own type + "$" + type), so parent/dependsOn references match.
        const urn = `urn:pulumi:${stack}::${project}::${parent ? `${parent.split("::")[2].split("$").pop()}$` : ""}${type}::${req.getName()}`;
        if (type === "pulumi:pulumi:Stack") {
            stackUrn = urn;
        } else {
            const secretPaths: string[] = [];
            const wire = req.getObject()?.toJavaScript() ?? {};
            const inputs = decodeProperties(wire, secretPaths) as Record<string, unknown>;
            const resource: PlannedResource = {
                urn,
                key: stripStack(urn),
                type,
                name: req.getName(),
                custom: req.getCustom(),
                parent,
                provider: providerUrn(req.getProvider()),
                protect: req.getProtect() ?? false,
                retainOnDelete: req.getRetainondelete() ?? false,
                deleteBeforeReplace: req.getDeletebeforereplace(),
                dependsOn: explicitDependencies(req),
                dependencies: [...new Set(req.getDependenciesList())],
                propertyDependencies: propertyDependencies(req),
                ignoreChanges: req.getIgnorechangesList(),
                aliases: req.getAliasesList().map((a) => a.toObject()),
                importId: req.getImportid() || undefined,
                customTimeouts: customTimeouts(req.getCustomtimeouts()),
                inputs,
                secretPaths,
            };
            if (secretPaths.length > 0) revealedInputs.set(resource, decodeProperties(wire, [], "", true) as Record<string, unknown>);
            resources.push(resource);
            byUrn.set(urn, resource);
        }
        return register(req, cb);
    };
    monitor.registerResourceOutputs = (req, cb) => {
        const outputs = req.getOutputs()?.toJavaScript() ?? {};
        if (req.getUrn() === stackUrn) stackOutputs = outputs;
        const component = byUrn.get(req.getUrn());
        if (component) (component as { registeredOutputs?: unknown }).registeredOutputs = decodeProperties(outputs, []);
        return registerOutputs(req, cb);
    };
    pulumi.runtime.setAllConfig({ ...(options.config ?? {}) }, [...(options.secretKeys ?? [])]);

    // A program that throws synchronously (bad config) is caught inside the stack's init, so the
    // runtime's own promises settle normally instead of surfacing as unhandled rejections.
    let programError: unknown;
    let rejections = 0;
    // A failure inside an apply (a missing prerequisite) rejects a registration's inputs, not the program: the
    // Pulumi language host reports such rejections and fails the run, and so does the offline plan.
    const onRejection = (e: unknown) => {
        rejections++;
        programError ??= e;
    };
    process.on("unhandledRejection", onRejection);
    process.on("uncaughtException", onRejection);
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            try {
                return await program();
            } catch (e) {
                programError = e;
                return {};
            }
        });
        // Registrations started inside apply() callbacks may still be in flight; drain them (an SDK internal).
        await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        await new Promise((resolve) => setImmediate(resolve));
    } catch (e) {
        programError ??= e;
    }
    // After a failure, everything that depended on it keeps failing for a while: let it settle inside this run, so
    // none of it reaches the next run's monitor.
    for (let quiet = 0, seen = -1; programError !== undefined && quiet < 5; ) {
        await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs().catch(() => undefined);
        await new Promise((resolve) => setImmediate(resolve));
        quiet = rejections === seen ? quiet + 1 : 0;
        seen = rejections;
    }
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onRejection);
    if (programError !== undefined) throw new PlanError(programError, resources);
    const secretOutputs: string[] = [];
    const outputs = decodeProperties(stackOutputs, secretOutputs) as Record<string, unknown>;
    if (secretOutputs.length > 0) revealedOutputs.set(outputs, decodeProperties(stackOutputs, [], "", true) as Record<string, unknown>);
    return { resources, outputs, secretOutputs };
}

/** Everything a plan is evaluated from besides the program's code: what a plan cache keys it by. */
export interface PlanRequest {
    /** The compiled (or TypeScript) module evaluated: the project's `main`. */
    readonly program: string;
    /** The program resolves relative paths of its config (a tenants directory) against it. */
    readonly cwd: string;
    readonly project: string;
    readonly stack: string;
    readonly config: Readonly<Record<string, string>>;
    readonly secretKeys: readonly string[];
    readonly cloud: FakeCloud;
}

/** A plan as a cache holds it: the plan, and the secret inputs of its resources by index (never in the plan). */
export interface StoredPlan {
    readonly plan: Plan;
    readonly secretInputs: Readonly<Record<number, Record<string, unknown>>>;
    /** The stack outputs with their secret values, when it has secret outputs. */
    readonly secretOutputValues?: Record<string, unknown>;
}

/**
 * A failed evaluation as a cache holds it: what the PlanError carried, its cause as plain data (name, message, stack
 * and its own fields, e.g. a ConfigError's problems; not the SDK's `promise` handle). The cause's class is not kept: each evaluation loads the program's
 * modules afresh, so an error class of the program is never the one a caller imported anyway.
 */
export interface StoredFailure {
    readonly cause: { readonly name: string; readonly message: string; readonly stack?: string; readonly fields: Record<string, unknown> };
    readonly registered: PlannedResource[];
    readonly secretInputs: Readonly<Record<number, Record<string, unknown>>>;
}

/** `e` as a StoredFailure, when it is the program failing (a PlanError) with an Error whose fields survive JSON; else undefined. */
export function storedFailure(e: unknown): StoredFailure | undefined {
    if (!(e instanceof PlanError) || !(e.cause instanceof Error)) return undefined;
    const cause = e.cause;
    // The SDK hangs the promise an error rejected through on it (`promise`, for its leaked-promise report): a handle
    // that cannot be stored and that nothing outside the SDK reads, so a served failure's cause has none.
    const fields = Object.fromEntries(Object.entries(cause).filter(([k, v]) => k !== "message" && k !== "stack" && !(k === "promise" && v instanceof Promise)));
    try {
        if (!isDeepStrictEqual(JSON.parse(JSON.stringify(fields)), fields)) return undefined;
    } catch {
        return undefined;
    }
    const secrets: Record<number, Record<string, unknown>> = {};
    e.registered.forEach((r, i) => {
        const revealed = revealedInputs.get(r);
        if (revealed) secrets[i] = revealed;
    });
    return { cause: { name: cause.name, message: cause.message, stack: cause.stack, fields }, registered: e.registered, secretInputs: secrets };
}

/** The PlanError a StoredFailure stands for: the same message, cause (name, message, stack, fields) and registrations. */
export function planFailure(stored: StoredFailure): PlanError {
    const cause = Object.assign(new Error(stored.cause.message), stored.cause.fields);
    // A name the class declares (not set on the error itself, so not among its fields).
    if (cause.name !== stored.cause.name) Object.defineProperty(cause, "name", { value: stored.cause.name, writable: true, configurable: true });
    cause.stack = stored.cause.stack;
    stored.registered.forEach((r, i) => {
        if (stored.secretInputs[i]) revealedInputs.set(r, stored.secretInputs[i]);
    });
    return new PlanError(cause, stored.registered);
}

/**
 * Somewhere planStack may find a plan evaluated before (the tests' cache, test/plan-cache.ts): it returns what
 * `evaluate` returned for the same request and program, or calls it. None unless one is installed; `npm run plan`
 * installs none.
 */
export interface PlanCache {
    plan(request: PlanRequest, evaluate: () => Promise<StoredPlan>): Promise<StoredPlan>;
}

let planCache: PlanCache | undefined;

/** Installs (or, with undefined, removes) the plan cache every later planStack goes through; returns the one before. */
export function usePlanCache(cache: PlanCache | undefined): PlanCache | undefined {
    const before = planCache;
    planCache = cache;
    return before;
}

/** Evaluates the real program for one stack file on the mock runtime and returns everything it registered. */
export async function planStack(options: PlanOptions): Promise<Plan> {
    // `npm run test:pure` runs every test not tagged @stack and forbids evaluating a stack, so the split stays true.
    if (process.env.PLAN_STACKS === "off") throw new Error(`a test not tagged @stack evaluated stack ${options.stack}: tag its describe with @stack`);
    const started = Date.now();
    const projectDir = options.projectDir ?? PROJECT_DIR;
    let cfg = readStackConfig(projectDir, options.stack);
    if (options.configOverrides) cfg = applyOverrides(cfg, options.configOverrides);
    if (options.secretOverrides) cfg = { ...cfg, secretKeys: [...new Set([...cfg.secretKeys, ...options.secretOverrides])] };
    const program = programModule(readProject(projectDir).main ?? "index.ts");
    const request: PlanRequest = {
        program,
        cwd: process.cwd(),
        project: cfg.project,
        stack: cfg.stack,
        config: cfg.config,
        secretKeys: cfg.secretKeys,
        cloud: (options.cloud ?? ((c) => c))(fakeCloudFor(cfg)),
    };
    const evaluate = async (): Promise<StoredPlan> => {
        const recording = await record({ project: request.project, stack: request.stack, config: request.config, secretKeys: request.secretKeys, cloud: request.cloud }, () => {
            purgeProgramModules(sourcePrograms ? PROJECT_DIR : PROGRAM_ROOT);
            return require(program);
        });
        const secrets: Record<number, Record<string, unknown>> = {};
        recording.resources.forEach((r, i) => {
            const revealed = revealedInputs.get(r);
            if (revealed) secrets[i] = revealed;
        });
        return { plan: { project: cfg.project, stack: cfg.stack, ...recording, elapsedMs: Date.now() - started }, secretInputs: secrets, secretOutputValues: revealedOutputs.get(recording.outputs) };
    };
    if (!planCache) return (await evaluate()).plan;
    const stored = await planCache.plan(request, evaluate);
    stored.plan.resources.forEach((r, i) => {
        if (stored.secretInputs[i]) revealedInputs.set(r, stored.secretInputs[i]);
    });
    if (stored.secretOutputValues) revealedOutputs.set(stored.plan.outputs, stored.secretOutputValues);
    return stored.plan;
}

/** A project's `main` required afresh in its directory, as the language host runs it (its exports are the outputs). */
function requireMain(projectDir: string, main = "index.ts"): unknown {
    purgeProgramModules(PROJECT_DIR);
    const cwd = process.cwd();
    // The language host's --root-directory (the project's directory; unset, the SDK answers "rootDirectory").
    const options = (require("@pulumi/pulumi/runtime/state") as { getStore(): { settings: { options: { rootDirectory?: string } } } }).getStore().settings.options;
    const root = options.rootDirectory;
    process.chdir(projectDir);
    options.rootDirectory = projectDir;
    try {
        return require(path.join(projectDir, main));
    } finally {
        process.chdir(cwd);
        options.rootDirectory = root;
    }
}

export interface TenantPlanOptions {
    /** The platform stack's offline plan: its outputs are what the tenant stack's StackReference reads. */
    readonly platform: Plan;
    readonly tenant: string;
    /** The platform's stack file the tenant stack reads its settings and entry from. @default Pulumi.<platform stack>.yaml here */
    readonly platformStackFile?: string;
    /** Run as `pulumi preview` (a pull request's) rather than as an update. @default false */
    readonly preview?: boolean;
}

/**
 * Plans the tenant stack of `tenant` (the tenant/ project) against a platform stack's offline plan: the stack config
 * the CLI would pass (checked as it would), the platform's recorded outputs behind its StackReference, the same fake
 * cloud. The program's modules are loaded once per process (the program is a function), so many stacks plan fast.
 */
export async function planTenantStack(options: TenantPlanOptions): Promise<Plan> {
    if (process.env.PLAN_STACKS === "off") throw new Error(`a test not tagged @stack evaluated tenant stack ${options.tenant}: tag its describe with @stack`);
    const started = Date.now();
    const platform = options.platform;
    const file = options.platformStackFile ?? path.join(PROJECT_DIR, `Pulumi.${platform.stack}.yaml`);
    const project = readProjectOnce(TENANT_PROJECT_DIR);
    const platformStack = `${OFFLINE_ORGANIZATION}/${platform.project}/${platform.stack}`;
    const stack = tenantStackName(platform.stack, options.tenant);
    const keys = tenantStackConfig({ platformStack, platformStackFile: path.relative(TENANT_PROJECT_DIR, file), tenant: options.tenant }, project.name);
    // What `pulumi config set` would have written, checked by the CLI's own rules before the program starts.
    const cfg = stackConfigFromText(project, stack, `Pulumi.${stack}.yaml`, JSON.stringify({ config: keys }));
    const cloud = { ...fakeCloudFor(readStackConfigOnce(path.dirname(file), path.basename(file).slice("Pulumi.".length, -".yaml".length))), stackOutputs: { [platformStack]: platform.outputs }, stackSecretOutputs: { [platformStack]: platform.secretOutputs } };
    const program = programModule(path.join("tenant", "program.ts"));
    const recording = await record({ project: cfg.project, stack: cfg.stack, config: cfg.config, secretKeys: cfg.secretKeys, cloud, preview: options.preview }, () =>
        sourcePrograms ? requireMain(TENANT_PROJECT_DIR, project.main) : (require(program) as { tenantProgram(projectDir: string): unknown }).tenantProgram(TENANT_PROJECT_DIR),
    );
    return { project: cfg.project, stack: cfg.stack, ...recording, elapsedMs: Date.now() - started };
}

/**
 * Plans the contract stack of a platform stack (the contract/ project, stack named as the platform's) against its
 * offline plan: the config the CLI would pass, the platform's recorded outputs (secret ones marked) behind its
 * StackReference, the same fake cloud.
 */
export async function planContractStack(options: { readonly platform: Plan }): Promise<Plan> {
    if (process.env.PLAN_STACKS === "off") throw new Error(`a test not tagged @stack evaluated the contract stack of ${options.platform.stack}: tag its describe with @stack`);
    const started = Date.now();
    const platform = options.platform;
    const project = readProject(CONTRACT_PROJECT_DIR);
    const platformStack = `${OFFLINE_ORGANIZATION}/${platform.project}/${platform.stack}`;
    const cfg = stackConfigFromText(project, platform.stack, `Pulumi.${platform.stack}.yaml`, JSON.stringify({ config: contractStackConfig(platformStack, project.name) }));
    // The platform's outputs as its StackReference gets them: secret ones in the clear (marked secret), when kept.
    const outputs = revealedOutputs.get(platform.outputs) ?? platform.outputs;
    const cloud = { ...fakeCloudFor(readStackConfigOnce(PROJECT_DIR, platform.stack)), stackOutputs: { [platformStack]: outputs }, stackSecretOutputs: { [platformStack]: platform.secretOutputs } };
    const program = programModule(path.join("contract", "program.ts"));
    const recording = await record({ project: cfg.project, stack: cfg.stack, config: cfg.config, secretKeys: cfg.secretKeys, cloud }, () =>
        sourcePrograms ? requireMain(CONTRACT_PROJECT_DIR, project.main) : (require(program) as { contractProgram(): unknown }).contractProgram(),
    );
    return { project: cfg.project, stack: cfg.stack, ...recording, elapsedMs: Date.now() - started };
}
