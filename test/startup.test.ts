import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { DEFERRED_NAMESPACES, DEFERRED_SDK_MODULES } from "../plan/startup";

// Run in a fresh process: mocha's own process has loaded plan/startup (and other tests) already.
function inFreshProcess(script: string): any {
    const startup = path.join(__dirname, "..", "plan", `startup${path.extname(__filename)}`);
    const run = spawnSync(process.execPath, [...(path.extname(__filename) === ".ts" ? ["--import", "tsx"] : []), "-e", `require(${JSON.stringify(startup)});\n${script}`], {
        encoding: "utf8",
        cwd: path.join(__dirname, ".."),
    });
    assert.strictEqual(run.status, 0, run.stderr);
    return JSON.parse(run.stdout);
}

const loaded = (name: string) => `Object.keys(require.cache).some((k) => k.includes("/node_modules/${name}/"))`;

describe("offline start-up: modules the SDK loads only for function serialisation are deferred", function () {
    this.timeout(60000);

    it("defers TypeScript's compiler and npm's dependency walker for the SDK module that asks, gRPC, tracing and semver for the SDK, zod's translations for zod", () => {
        assert.deepStrictEqual(Object.keys(DEFERRED_SDK_MODULES).sort(), [
            "../locales/index.cjs", "../proto/callback_grpc_pb", "../proto/engine_grpc_pb", "../proto/resource_grpc_pb",
            "@grpc/grpc-js", "@npmcli/arborist", "@opentelemetry/api", "normalize-package-data", "semver", "typescript",
        ]);
        assert.deepStrictEqual(DEFERRED_SDK_MODULES.typescript, [path.join("@pulumi", "pulumi", "typescript-shim.js")]);
        assert.deepStrictEqual(DEFERRED_SDK_MODULES["@grpc/grpc-js"], [path.join("@pulumi", "pulumi") + path.sep]);
    });

    it("loads no gRPC, tracing, semver or zod translation with @pulumi/pulumi, zod and a mock-runtime resource; each on first use, as it was", () => {
        const result = inFreshProcess(`
            const pulumi = require("@pulumi/pulumi");
            const { z } = require("zod");
            const seen = () => ({ grpc: ${loaded("@grpc/grpc-js")}, otel: ${loaded("@opentelemetry/api")}, semver: ${loaded("semver")}, locales: Object.keys(require.cache).some((k) => k.includes("/zod/v4/locales/") && !k.endsWith("/en.cjs")) });
            (async () => {
                await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name + "-id", state: a.inputs }), call: () => ({}) }, "p", "s", false);
                const r = new pulumi.CustomResource("test:index:Thing", "thing", { size: 1 });
                const id = await new Promise((resolve) => r.id.apply(resolve));
                const parsed = z.object({ size: z.number() }).safeParse({ size: "x" });
                const before = seen();
                const german = z.locales.de !== undefined;
                const status = require("@grpc/grpc-js").status.UNAVAILABLE;
                const after = seen();
                // A write through an SDK module's handle on a deferred module (its stand-in) reaches the module itself.
                const M = require("module");
                const standIn = M._load("semver", require.cache[require.resolve("@pulumi/pulumi/runtime/settings.js")], false);
                standIn.__patched = 1;
                const patched = require("semver").__patched === 1 && standIn !== require("semver");
                const grpcDefault = require("@pulumi/pulumi/runtime/settings") && typeof require("@grpc/grpc-js").Metadata;
                console.log(JSON.stringify({ id, message: parsed.error.issues[0].message, before, after, german, status, grpcDefault, patched }));
            })();`);
        assert.deepStrictEqual(result, {
            id: "thing-id",
            message: "Invalid input: expected number, received string",
            before: { grpc: false, otel: false, semver: false, locales: false },
            after: { grpc: true, otel: false, semver: false, locales: true },
            german: true,
            status: 14,
            grpcDefault: "function",
            patched: true,
        });
    });

    it("does not load them when @pulumi/pulumi loads, and loads them on first use with the same behaviour", () => {
        const result = inFreshProcess(`
            const pulumi = require("@pulumi/pulumi");
            const before = { ts: ${loaded("typescript")}, arborist: ${loaded("@npmcli/arborist")} };
            (async () => {
                const fn = await pulumi.runtime.serializeFunction(() => 42);
                const paths = await pulumi.runtime.computeCodePaths({ extraIncludePackages: ["yaml"] });
                const after = { ts: ${loaded("typescript")}, arborist: ${loaded("@npmcli/arborist")} };
                console.log(JSON.stringify({ before, after, serialised: fn.text.includes("42"), paths: [...paths.keys()] }));
            })();`);
        assert.deepStrictEqual(result.before, { ts: false, arborist: false });
        assert.deepStrictEqual(result.after, { ts: true, arborist: true });
        assert.strictEqual(result.serialised, true);
        assert.ok(result.paths.some((p: string) => p.endsWith("node_modules/yaml")), JSON.stringify(result.paths));
    });

    it("stands in only for CommonJS modules (the stand-in's `default` is the module, as TypeScript's helpers expect)", () => {
        const result = inFreshProcess(`console.log(JSON.stringify(${JSON.stringify(["typescript", "@npmcli/arborist", "normalize-package-data", "semver"])}.map((m) => require(m).__esModule === true)))`);
        assert.deepStrictEqual(result, [false, false, false, false]);
    });
});

describe("offline start-up: namespaces the SDKs' indexes load eagerly are loaded on first use", function () {
    this.timeout(60000);

    it("names @pulumi/pulumi's Automation API and @pulumi/aws's service folders only, not its files", () => {
        const aws = path.dirname(require.resolve("@pulumi/aws"));
        const [pulumiIndex, awsIndex] = [path.join("@pulumi", "pulumi", "index.js"), path.join("@pulumi", "aws", "index.js")];
        assert.deepStrictEqual(Object.keys(DEFERRED_NAMESPACES).sort(), [awsIndex, pulumiIndex]);
        const at = path.join(aws, "index.js");
        assert.deepStrictEqual(
            ["./ecr", "./s3", "./types", "./provider", "./utilities", "./getRegion", "./types/enums"].map((r) => DEFERRED_NAMESPACES[awsIndex](r, at)),
            [true, true, true, false, false, false, false],
        );
        assert.deepStrictEqual(["./automation", "./provider", "./runtime"].map((r) => DEFERRED_NAMESPACES[pulumiIndex](r, "")), [true, true, false]);
    });

    it("loads no service namespace with @pulumi/aws and no Automation API with @pulumi/pulumi; first use loads one and registers its resource modules", () => {
        const result = inFreshProcess(`
            const pulumi = require("@pulumi/pulumi");
            const aws = require("@pulumi/aws");
            const before = { ecr: ${loaded("@pulumi/aws/ecr")}, s3: ${loaded("@pulumi/aws/s3")}, automation: ${loaded("@pulumi/pulumi/automation")} };
            const Repository = aws.ecr.Repository;
            const after = { ecr: ${loaded("@pulumi/aws/ecr")}, s3: ${loaded("@pulumi/aws/s3")}, automation: ${loaded("@pulumi/pulumi/automation")} };
            const registered = require("@pulumi/pulumi/runtime/rpc").getResourceModule("aws", "ecr/repository", undefined) !== undefined;
            console.log(JSON.stringify({ before, after, registered, isClass: typeof Repository === "function", workspace: typeof pulumi.automation.LocalWorkspace }));`);
        assert.deepStrictEqual(result, {
            before: { ecr: false, s3: false, automation: false },
            after: { ecr: true, s3: false, automation: false },
            registered: true,
            isClass: true,
            workspace: "function",
        });
    });
});
