// Loaded first by the offline engine and by mocha (issue 12): start-up costs that the plan does not need to pay.
// Neither changes what a plan records; both only apply to the offline tools, never to `pulumi up`.
import * as fs from "fs";
import * as path from "path";
import Module = require("module");

const nodeModules = path.resolve(path.dirname(require.resolve("@pulumi/pulumi/package.json")), "..", "..");

// Node 22+: reuse V8's compiled code between runs (about a quarter of start-up); a no-op on older Node.
(Module as unknown as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache?.(path.join(nodeModules, ".cache", "node-compile-cache"));

/**
 * A stand-in for a module that loads it on first use. TypeScript's import helpers see an ES module (so they keep the
 * stand-in instead of copying the real module's keys), and `default` is what `__importDefault`/`__importStar` give
 * for the real one: a CommonJS module itself, or a compiled ES module's own `default`.
 */
const defaultOf = (m: object): unknown => ((m as { __esModule?: boolean }).__esModule ? (m as { default?: unknown }).default : m);

function deferred(load: () => object): object {
    let loaded: object | undefined;
    const real = () => (loaded ??= load());
    return new Proxy(
        {},
        {
            get: (_, key) => (key === "__esModule" ? true : key === "default" ? defaultOf(real()) : Reflect.get(real(), key)),
            has: (_, key) => Reflect.has(real(), key),
            // Writes reach the real module (a monkey-patch of a deferred module must not land on the stand-in).
            set: (_, key, value) => Reflect.set(real(), key, value),
            defineProperty: (_, key, descriptor) => Reflect.defineProperty(real(), key, descriptor),
            ownKeys: () => Reflect.ownKeys(real()),
            getOwnPropertyDescriptor: (_, key) => {
                const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
                return descriptor && { ...descriptor, configurable: true };
            },
        },
    );
}

const SDK = path.join("@pulumi", "pulumi") + path.sep;

/**
 * Modules loaded at start-up that a plan on the mock runtime never or rarely uses, by request and the files (a path
 * ending, or a folder ending in a separator) whose `require` of it is deferred to first use:
 * - for serialising functions into code archives, which a program of declared resources never does: TypeScript's
 *   compiler (9 MB) and npm's dependency walker (0.2 s and 20 MiB of every plan);
 * - the SDK's gRPC clients and their generated services (the mock runtime answers in process: no engine or monitor
 *   is dialled), its OpenTelemetry tracing (off unless the CLI passes a tracing endpoint) and semver;
 * - zod's translations of its messages into 60-odd languages (the schemas' own messages are English; zod's English
 *   default is its own module, loaded as before).
 * A third of a tenant stack's modules; a plan records the same either way.
 */
export const DEFERRED_SDK_MODULES: Readonly<Record<string, readonly string[]>> = {
    typescript: [path.join("@pulumi", "pulumi", "typescript-shim.js")],
    "@npmcli/arborist": [path.join("@pulumi", "pulumi", "runtime", "closure", "codePaths.js")],
    "normalize-package-data": [path.join("@pulumi", "pulumi", "runtime", "closure", "codePaths.js")],
    "@grpc/grpc-js": [SDK],
    "../proto/engine_grpc_pb": [SDK],
    "../proto/resource_grpc_pb": [SDK],
    "../proto/callback_grpc_pb": [SDK],
    "@opentelemetry/api": [SDK],
    semver: [SDK],
    "../locales/index.cjs": [path.join("zod", "v4", "classic", "external.cjs"), path.join("zod", "v4", "core", "index.cjs")],
};

/**
 * Namespaces the SDKs' indexes load eagerly that a plan loads on first use instead: @pulumi/pulumi's Automation API
 * (the plan never drives the CLI through it) and provider server (for writing providers, with gRPC), and each of @pulumi/aws's ~240 service namespaces (a program uses a
 * handful; a namespace registers its resource modules when first used, before any of its resources exists, so a
 * resource reference always finds its module). A third of a tenant stack's start-up, by index file and request.
 */
export const DEFERRED_NAMESPACES: Readonly<Record<string, (request: string, index: string) => boolean>> = {
    [path.join("@pulumi", "pulumi", "index.js")]: (request) => request === "./automation" || request === "./provider",
    [path.join("@pulumi", "aws", "index.js")]: (request, index) => /^\.\/[a-z0-9]+$/.test(request) && awsNamespaces(path.dirname(index)).has(request.slice(2)),
};

let namespaces: Set<string> | undefined;
/** The folders beside @pulumi/aws's index (its service namespaces; its other requires are files). */
function awsNamespaces(dir: string): Set<string> {
    return (namespaces ??= new Set(fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)));
}

const deferredBy = (request: string, filename: string | undefined): boolean => {
    if (!filename) return false;
    const by = DEFERRED_SDK_MODULES[request];
    if (by !== undefined) return by.some((f) => (f.endsWith(path.sep) ? filename.includes(path.sep + f) : filename.endsWith(path.sep + f)));
    const index = Object.keys(DEFERRED_NAMESPACES).find((i) => filename.endsWith(path.sep + i));
    return index !== undefined && request.startsWith("./") && DEFERRED_NAMESPACES[index](request, filename);
};

const loader = Module as unknown as { _load(request: string, parent: { filename?: string } | undefined, isMain: boolean): unknown };
const load = loader._load;
loader._load = function (request, parent, isMain) {
    if (!deferredBy(request, parent?.filename)) return load.call(this, request, parent, isMain);
    return deferred(() => load.call(this, request, parent, isMain) as object);
};
