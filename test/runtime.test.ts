// What a deployer installs: Node line, production-only install, Pulumi CLI version (issue 18).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT_DIR } from "../plan/engine";
import { listStacks, readProject } from "../plan/stack-files";
import { harnessShard, HARNESS_SHARDS } from "./vault-init-job";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
// tsconfig files carry comments: drop whole-line // comments before parsing.
const jsonc = (file: string) => JSON.parse(read(file).replace(/^\s*\/\/.*$/gm, ""));
const pkg = JSON.parse(read("package.json"));

describe("runtime and installs", () => {
    it("declares the Node LTS lines @pulumi/pulumi supports, and .nvmrc names the oldest (the one CI tests on)", () => {
        assert.strictEqual(pkg.engines.node, "^22.12.0 || ^24.0.0 || ^26.0.0");
        const sdkNeeds = JSON.parse(read("node_modules/@pulumi/pulumi/package.json")).engines.node;
        assert.strictEqual(sdkNeeds, ">=22", "the SDK's own floor changed: revisit engines");
        assert.strictEqual(read(".nvmrc").trim(), "22");
        assert.match(read(".ci/run"), /on_node 22 npm test\n(#.*\n)*on_node 22 npm run test:harness\n/);
    });

    it("runs every test file in one of the two test commands: what npm test leaves out is what npm run test:harness runs", () => {
        const fast = JSON.parse(read(".mocharc.json"));
        const harness = JSON.parse(read(".mocharc.harness.json"));
        assert.deepStrictEqual(fast.ignore, ["bin/test/vault-init-job.*.test.js"]);
        assert.deepStrictEqual(harness.spec, fast.ignore);
        // The harness's shards run at once, one per core; every stack file is in exactly one of them.
        assert.deepStrictEqual([harness.parallel, harness.jobs], [true, HARNESS_SHARDS]);
        assert.deepStrictEqual(fs.readdirSync(path.join(PROJECT_DIR, "test")).filter((f) => /^vault-init-job\..*\.test\.ts$/.test(f)).sort(), Array.from({ length: HARNESS_SHARDS }, (_, i) => `vault-init-job.${i}.test.ts`));
        const shards = Array.from({ length: HARNESS_SHARDS }, (_, i) => harnessShard(i, ["a", "b", "c", "d", "e"]));
        assert.deepStrictEqual(shards, [["a", "c", "e"], ["b", "d"]]);
        assert.deepStrictEqual(Array.from({ length: HARNESS_SHARDS }, (_, i) => harnessShard(i)).flat().sort(), listStacks(PROJECT_DIR).sort());
        assert.strictEqual(pkg.scripts["test:harness"], "node scripts/build.mjs && mocha --config .mocharc.harness.json");
        assert.deepStrictEqual(harness.require, fast.require, "the same start-up and plan cache");
    });

    it("compiles the program from a production-only install: its tsconfig needs no devDependency", () => {
        const program = jsonc("tsconfig.json");
        assert.deepStrictEqual(program.compilerOptions.types, ["node"]);
        for (const needed of ["typescript", ...program.compilerOptions.types.map((t: string) => `@types/${t}`)]) {
            assert.ok(pkg.dependencies[needed], `${needed} must be a dependency (Pulumi compiles index.ts with it)`);
            assert.ok(!pkg.devDependencies[needed], `${needed} twice`);
        }
        assert.deepStrictEqual(program.include, ["index.ts", "components/**/*.ts", "stacks/**/*.ts"]);
        // The test types live in the tools' config only.
        assert.deepStrictEqual(jsonc("tsconfig.dev.json").compilerOptions.types, ["node", "mocha"]);
        assert.match(read(".ci/run"), /npm ci --omit=dev[^\n]*typescript\/bin\/tsc -p tsconfig\.json/);
    });

    it("states the minimum Pulumi CLI in Pulumi.yaml (object config declarations need 3.186, the check itself 3.219)", () => {
        const project = parse(read("Pulumi.yaml"));
        assert.strictEqual(project.requiredPulumiVersion, ">=3.219.0");
        assert.ok(Object.values(readProject(PROJECT_DIR).config ?? {}).some((c: any) => c?.type === "object"));
    });
});
