// Pulumi's Node.js loader as plan/pulumi-loader.ts reproduces it (npm run check:loader, in .ci/run, runs each project
// through it): held here to the pinned SDK's own source, and each project's tsconfig to the platform's rules.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CONTRACT_PROJECT_DIR, PROJECT_DIR, TENANT_PROJECT_DIR } from "../plan/engine";
import { pulumiLoaderOptions } from "../plan/pulumi-loader";

const sdk = (file: string) => fs.readFileSync(path.join(path.dirname(require.resolve("@pulumi/pulumi/package.json")), file), "utf8");
// tsconfig files carry comments: drop whole-line // comments before parsing.
const jsonc = (file: string) => JSON.parse(fs.readFileSync(file, "utf8").replace(/^\s*\/\/.*$/gm, ""));

describe("Pulumi's Node.js loader, as the pinned SDK runs a TypeScript program", () => {
    it("cmd/run/run.js: tsconfig.json of the working directory or none, noCheck for transpile-only, the SDK's target and module under the file's own compilerOptions", () => {
        const run = sdk("cmd/run/run.js");
        for (const line of [
            'const defaultTsConfigPath = "tsconfig.json";',
            "const skipProject = !fs.existsSync(tsConfigPath);",
            "const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);",
            "transpileOnly = compilerOptions.noCheck;",
            "const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();",
        ])
            assert.ok(run.includes(line), line);
        // The CommonJS branch (the package has no "type": "module"): these defaults, then the file's own options over them.
        assert.match(run, /options\.compilerOptions = \{\s*target: "ES2020",\s*module: useNodeNext \? "nodenext" : "commonjs",\s*moduleResolution: useNodeNext \? "nodenext" : "node",\s*sourceMap: "true",\s*\.\.\.compilerOptions,\s*\};\s*tsn\.register\(options\);/);
        assert.strictEqual(JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).type, undefined);
        // tsutils reads only the file's own compilerOptions (not those it extends).
        assert.match(sdk("tsutils.js"), /return tsConfig\["compilerOptions"\] \?\? \{\};/);
        // Without the language host's --root-directory the runtime answers "rootDirectory": the check sets it as the host does.
        assert.match(sdk("runtime/state.js"), /rootDirectory: process\.env\[nodeEnvKeys\.rootDirectory\] \|\| "rootDirectory",/);
    });

    it("uses the SDK's vendored ts-node 7.0.1 (none installed here) with the project's TypeScript", () => {
        const options = pulumiLoaderOptions(PROJECT_DIR);
        assert.match(options.tsnode, /vendor[\\/]ts-node@7\.0\.1$/);
        assert.strictEqual(options.compiler, "typescript");
        assert.throws(() => require.resolve("ts-node"), /Cannot find module/);
    });

    for (const [project, dir] of [["platform", PROJECT_DIR], ["tenant", TENANT_PROJECT_DIR], ["contract", CONTRACT_PROJECT_DIR]] as const) {
        it(`${project}: compiled under its own tsconfig.json with the platform's target and module, type-checked`, () => {
            const options = pulumiLoaderOptions(dir);
            assert.deepStrictEqual(
                [options.skipProject, options.transpileOnly, options.compilerOptions.target, options.compilerOptions.module, options.compilerOptions.moduleResolution],
                [false, undefined, "ES2022", "commonjs", "node"],
            );
            if (dir !== PROJECT_DIR) {
                const own = jsonc(path.join(dir, "tsconfig.json"));
                assert.deepStrictEqual([own.extends, own.include], ["../tsconfig.json", ["*.ts"]], "strict and the rest from the platform's");
            }
        });
    }

    it("CI runs every project through it", () => {
        assert.match(fs.readFileSync(path.join(PROJECT_DIR, ".ci", "run"), "utf8"), /\non_node 22 npm run -s check:loader\n/);
        const scripts = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).scripts;
        assert.strictEqual(scripts["check:loader"], "node scripts/check-loader.mjs");
        assert.match(fs.readFileSync(path.join(PROJECT_DIR, "scripts", "check-loader.mjs"), "utf8"), /default: "platform,tenant,contract"/);
    });
});
