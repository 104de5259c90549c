import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../plan/engine";
import { ChartContract, chartFixtureDir, UNDECLARED_VALUE_PATHS, readChartContract, undeclaredValuePaths } from "../plan/chart-contract";
import { listStacks } from "../plan/stack-files";
import { CLEANUP_CHART } from "../components/shared/finalizer-cleanup";
import { committedPlan } from "./plans";

const FIXTURES = path.join(PROJECT_DIR, "test", "fixtures", "charts");

describe("chart contracts: every value the program sets exists in the pinned chart @stack", function () {
    this.timeout(60000);
    for (const stack of listStacks(PROJECT_DIR)) {
        it(`${stack}: each release's values are declared by its chart's values.yaml or schema`, async () => {
            const plan = await committedPlan(stack);
            const releases = plan.resources.filter((r) => (r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart") && r.inputs.chart !== CLEANUP_CHART);
            assert.ok(releases.length >= 8, `${releases.length} releases`);
            const problems: string[] = [];
            for (const r of releases) {
                const chart = String(r.inputs.chart);
                const name = chart.split("/").pop()!;
                const contract = readChartContract(chartFixtureDir(FIXTURES, chart, String(r.inputs.version)));
                if (!contract) {
                    problems.push(`${r.name}: no fixture for ${name} ${r.inputs.version} under test/fixtures/charts`);
                    continue;
                }
                problems.push(...undeclaredValuePaths(r.inputs.values ?? {}, contract, UNDECLARED_VALUE_PATHS[name]).map((p) => `${r.name} (${name} ${r.inputs.version}): ${p}`));
            }
            assert.deepStrictEqual(problems, []);
        });
    }
});

describe("chart contracts: undeclaredValuePaths", () => {
    const contract: ChartContract = {
        defaults: { replicaCount: 1, image: { tag: "v1", pullPolicy: "IfNotPresent" }, resources: {}, nodeSelector: { "kubernetes.io/os": "linux" }, webhook: { enabled: true }, mode: "a" },
        schema: { type: "object", properties: { extra: { type: "object", properties: { known: { type: "string" } } }, typed: { type: "object", additionalProperties: { type: "string" } } } },
    };
    const check = (values: unknown, open?: string[]) => undeclaredValuePaths(values, contract, open);
    it("accepts keys the defaults or the schema declare", () => assert.deepStrictEqual(check({ replicaCount: 2, image: { tag: "v2" }, extra: { known: "x" } }), []));
    it("reports a key the chart does not have, at any depth", () =>
        assert.deepStrictEqual(check({ replicas: 2, image: { tags: "v2" }, extra: { unknown: 1 } }), ["replicas: not in the chart's values", "image.tags: not in the chart's values", "extra.unknown: not in the chart's values"]));
    it("treats empty default maps, typed schema maps and Kubernetes label/annotation maps as open", () =>
        assert.deepStrictEqual(check({ resources: { limits: { cpu: 1 } }, typed: { a: "b" }, nodeSelector: { "platform.io/node-role": "system" } }), []));
    it("reports a map set where the chart expects a scalar", () => assert.deepStrictEqual(check({ mode: { a: 1 } }), ['mode: a map where the chart\'s default is "a"']));
    it("checks list items against the chart's first default item, and leaves a list the chart starts empty to the user", () => {
        const lists: ChartContract = { defaults: { locations: [{ name: "default", provider: "aws", config: { region: "" } }], extraEnv: [] } };
        assert.deepStrictEqual(undeclaredValuePaths({ locations: [{ name: "a", provider: "aws" }, { name: "b", bucket: "x" }] }, lists), ["locations[1].bucket: not in the chart's values"]);
        assert.deepStrictEqual(undeclaredValuePaths({ extraEnv: [{ name: "A", value: "1" }] }, lists), []);
    });
    it("reports a plain value where the chart expects a map", () => assert.deepStrictEqual(check({ image: "repo:tag" }), ['image: "repo:tag" where the chart expects a map']));
    it("accepts an explicitly opened path", () => assert.deepStrictEqual(check({ webhook: { hostNetwork: true } }, ["webhook.hostNetwork"]), []));
    it("treats a schema map with additionalProperties: true as open", () => {
        const open: ChartContract = { defaults: { storage: { type: "s3" } }, schema: { type: "object", properties: { storage: { type: "object", additionalProperties: true } } } };
        assert.deepStrictEqual(undeclaredValuePaths({ storage: { bucketNames: { chunks: "b" } } }, open), []);
        assert.deepStrictEqual(undeclaredValuePaths({ storage: { bucketNames: { chunks: "b" } } }, { defaults: open.defaults }), ["storage.bucketNames: not in the chart's values"]);
    });
    it("finds the fixture of an OCI chart by its last path segment", () =>
        assert.strictEqual(chartFixtureDir("/f", "oci://public.ecr.aws/karpenter/karpenter", "1.14.1"), path.join("/f", "karpenter-1.14.1")));
    it("lists every fixture directory in SOURCES.md, and each has a values.yaml", () => {
        const dirs = fs.readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
        const sources = fs.readFileSync(path.join(FIXTURES, "SOURCES.md"), "utf8");
        assert.ok(dirs.length >= 11, dirs.join(", "));
        for (const dir of dirs) {
            assert.ok(readChartContract(path.join(FIXTURES, dir)), `${dir} has no values.yaml`);
            assert.ok(sources.includes(`## ${dir}`), `${dir} is not in SOURCES.md`);
        }
    });
});
