import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR } from "../plan/engine";
import {
    ChartContract,
    chartContractReport,
    ChartContractReport,
    chartFixtureDir,
    LIST_ITEM_EXCEPTIONS,
    listItemGaps,
    readChartContract,
    renderChartContracts,
    undeclaredValuePaths,
} from "../plan/chart-contract";
import { listStacks } from "../plan/stack-files";
import { committedPlan, runPlanCli } from "./plans";

const FIXTURES = path.join(PROJECT_DIR, "test", "fixtures", "charts");

describe("chart contracts: every release of every stack file against its pinned chart @stack", function () {
    this.timeout(60000);
    const stacks = listStacks(PROJECT_DIR);
    const reports = new Map<string, ChartContractReport>();
    before(async () => {
        for (const stack of stacks) reports.set(stack, chartContractReport((await committedPlan(stack)).resources, FIXTURES, PROJECT_DIR));
    });
    it("finds the stack files", () => assert.ok(stacks.length >= 2, stacks.join(", ")));
    for (const stack of stacks) {
        it(`${stack}: every chart it installs has a fixture, sets only values the chart declares, and keeps the fields of the default items of the lists it replaces`, () => {
            const report = reports.get(stack)!;
            assert.ok(report.releases >= 8, `${report.releases} releases`);
            assert.deepStrictEqual(report.noFixture, [], renderChartContracts(report));
            assert.deepStrictEqual(report.problems, []);
        });
        it(`${stack}: the list overrides checked include Loki's ingester claims`, () => {
            const lists = reports.get(stack)!.checkedLists;
            assert.ok(lists.includes("loki: ingester.persistence.claims"), lists.join(", "));
        });
    }
    it("every LIST_ITEM_EXCEPTIONS entry excuses a field in some stack (no stale exception)", () => {
        const declared = Object.entries(LIST_ITEM_EXCEPTIONS).flatMap(([chart, list]) => list.map((e) => `${chart}: ${e.path}: ${e.field}`));
        assert.ok(declared.length > 0);
        const used = new Set(stacks.flatMap((stack) => reports.get(stack)!.excused));
        assert.deepStrictEqual(declared.filter((e) => !used.has(e)), []);
    });
});

describe("chart contracts: the plan runs them @stack", function () {
    this.timeout(120000);
    // Fixtures as a chart bump could bring them: Loki's default claim gains a field our claim lacks, Tempo's are missing.
    let fixtures: string;
    before(() => {
        fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "chart-fixtures-"));
        const dirs = fs.readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
        for (const dir of dirs.filter((d) => d !== "loki-18.11.0" && !d.startsWith("tempo-"))) fs.symlinkSync(path.join(FIXTURES, dir), path.join(fixtures, dir));
        const loki = YAML.parseDocument(fs.readFileSync(path.join(FIXTURES, "loki-18.11.0", "values.yaml"), "utf8"));
        assert.strictEqual(loki.getIn(["ingester", "persistence", "claims", 0, "name"]), "data");
        loki.setIn(["ingester", "persistence", "claims", 0, "volumeMode"], "Filesystem");
        fs.mkdirSync(path.join(fixtures, "loki-18.11.0"));
        fs.writeFileSync(path.join(fixtures, "loki-18.11.0", "values.yaml"), loki.toString());
        fs.copyFileSync(path.join(FIXTURES, "loki-18.11.0", "values.schema.json"), path.join(fixtures, "loki-18.11.0", "values.schema.json"));
    });
    for (const stack of listStacks(PROJECT_DIR)) {
        it(`${stack}: prints the contracts' verdict, names the charts it has no fixture for, and fails on a problem`, async () => {
            const run = await runPlanCli("--stack", stack, "--chart-fixtures", fixtures);
            assert.strictEqual(run.status, 1, run.stdout + run.stderr);
            assert.match(run.stdout, /^Chart contracts: \d+ releases' values checked against their pinned charts \(\d+ list overrides' items against the chart's default items\): 1 problem$/m);
            assert.match(run.stdout, /^ {2}- platform-observability-loki \(loki 18\.11\.0\): ingester\.persistence\.claims\[0\]\.volumeMode: the chart's default item has "Filesystem", ours has none/m);
            assert.match(run.stdout, /^ {2}Not checked, no fixture of the chart's values: platform-observability-tempo \(tempo \d+\.\d+\.\d+\)$/m);
        });
    }
});

describe("chart contracts: chartContractReport", () => {
    const release = (name: string, inputs: Record<string, unknown>) => ({ type: "kubernetes:helm.sh/v3:Release", name, inputs });
    it("reads a remote chart's fixture by version, a project chart from the project, and names a chart it has no fixture for", () => {
        const report = chartContractReport(
            [
                release("l", { chart: "loki", version: "18.11.0", repositoryOpts: { repo: "https://example.test" }, values: { ingester: { persistence: { claims: [{ name: "data", size: "1Gi" }] } } } }),
                release("c", { chart: "charts/pre-delete-cleanup", values: { objects: [], bogus: 1 } }),
                release("x", { chart: "oci://example.test/charts/nothing", version: "0.0.1", values: {} }),
                { type: "kubernetes:core/v1:ConfigMap", name: "cm", inputs: { chart: "loki" } },
            ],
            FIXTURES,
            PROJECT_DIR,
        );
        assert.deepStrictEqual(report, {
            releases: 2,
            checkedLists: ["loki: ingester.persistence.claims"],
            problems: [
                "l (loki 18.11.0): ingester.persistence.claims[0].accessModes: the chart's default item has [\"ReadWriteOnce\"], ours has none (Helm replaces the whole list)",
                "c (pre-delete-cleanup local): bogus: not in the chart's values",
            ],
            noFixture: ["x (nothing 0.0.1)"],
            excused: [],
        });
        assert.strictEqual(
            renderChartContracts({ ...report, problems: [], noFixture: [] }),
            "Chart contracts: 2 releases' values checked against their pinned charts (1 list overrides' items against the chart's default items): all passed",
        );
    });
});

describe("chart contracts: listItemGaps", () => {
    it("reports a field of the chart's default item that our item leaves out (Loki 18.11.0's ingester claims, from its values.yaml)", () => {
        const loki = YAML.parse(fs.readFileSync(path.join(FIXTURES, "loki-18.11.0", "values.yaml"), "utf8"));
        const claims = (item: object) => ({ ingester: { persistence: { enabled: true, claims: [item] } } });
        assert.deepStrictEqual(listItemGaps(claims({ name: "data", size: "20Gi", storageClass: "gp3" }), loki), {
            checked: ["ingester.persistence.claims"],
            problems: ['ingester.persistence.claims[0].accessModes: the chart\'s default item has ["ReadWriteOnce"], ours has none (Helm replaces the whole list)'],
            excused: [],
        });
        // storageClass and volumeAttributesClassName default to null: a template reads them absent or null alike.
        assert.deepStrictEqual(listItemGaps(claims({ name: "data", accessModes: ["ReadWriteOnce"], size: "20Gi" }), loki).problems, []);
    });
    const defaults = { claims: [{ name: "data", accessModes: ["ReadWriteOnce"], size: "10Gi", storageClass: null, spec: { mode: "fs", tier: null } }], extra: [], none: null };
    it("requires fields at any depth, a nested map once when it is missing, and counts an explicit null as missing", () => {
        assert.deepStrictEqual(listItemGaps({ claims: [{ name: "a", accessModes: null, size: "1Gi", spec: {} }] }, defaults).problems, [
            "claims[0].accessModes: the chart's default item has [\"ReadWriteOnce\"], ours has none (Helm replaces the whole list)",
            'claims[0].spec.mode: the chart\'s default item has "fs", ours has none (Helm replaces the whole list)',
        ]);
        assert.deepStrictEqual(listItemGaps({ claims: [{ name: "a", accessModes: ["ReadWriteOnce"], size: "1Gi" }] }, defaults).problems, [
            'claims[0].spec: the chart\'s default item has {"mode":"fs","tier":null}, ours has none (Helm replaces the whole list)',
        ]);
    });
    it("checks every item we give, and leaves lists the chart starts empty or null, and lists of plain values, unchecked", () => {
        const complete = { name: "a", accessModes: ["ReadWriteOnce"], size: "1Gi", spec: { mode: "block" } };
        const report = listItemGaps({ claims: [complete, { ...complete, size: undefined }, "data"], extra: [{ name: "x" }], none: [{ name: "y" }] }, defaults);
        assert.deepStrictEqual(report, { checked: ["claims"], problems: ["claims[1].size: the chart's default item has \"10Gi\", ours has none (Helm replaces the whole list)"], excused: [] });
        assert.deepStrictEqual(listItemGaps({ claims: ["data"] }, defaults), { checked: [], problems: [], excused: [] });
    });
    it("requires only the fields every default item carries when the chart has several", () => {
        const rules: ChartContract["defaults"] = { rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }, { nonResourceURLs: ["/metrics"], verbs: ["get"] }] };
        assert.deepStrictEqual(listItemGaps({ rules: [{ apiGroups: [""], resources: ["pods"] }, { nonResourceURLs: ["/healthz"], verbs: ["get"] }] }, rules).problems, [
            'rules[0].verbs: the chart\'s default item has ["get"], ours has none (Helm replaces the whole list)',
        ]);
    });
    it("checks lists inside our items against the default item of the same name", () => {
        const containers = { containers: [{ name: "main", ports: [{ name: "http", containerPort: 80 }] }, { name: "side", ports: [{ name: "m", containerPort: 9, protocol: "UDP" }] }] };
        const report = listItemGaps({ containers: [{ name: "side", ports: [{ name: "m", containerPort: 9 }] }] }, containers);
        assert.deepStrictEqual(report.checked, ["containers", "containers[].ports"]);
        assert.deepStrictEqual(report.problems, ['containers[0].ports[0].protocol: the chart\'s default item has "UDP", ours has none (Helm replaces the whole list)']);
    });
    it("leaves Kubernetes maps whose keys are the user's (labels, selectors) to the user", () => {
        const spread = { spread: [{ maxSkew: 1, labelSelector: { matchLabels: { "app.kubernetes.io/name": "x", "app.kubernetes.io/instance": "r" } } }] };
        assert.deepStrictEqual(listItemGaps({ spread: [{ maxSkew: 1, labelSelector: { matchLabels: { "app.kubernetes.io/name": "x" } } }] }, spread).problems, []);
    });
    it("excuses a field, and the fields below it, only where an exception names them, and says which it used", () => {
        const locations = { locations: [{ name: null, provider: "", credential: { name: null, key: null }, annotations: {} }] };
        const ours = { locations: [{ name: "default", provider: "aws" }] };
        assert.deepStrictEqual(listItemGaps(ours, locations).problems, [
            'locations[0].credential: the chart\'s default item has {"name":null,"key":null}, ours has none (Helm replaces the whole list)',
            "locations[0].annotations: the chart's default item has {}, ours has none (Helm replaces the whole list)",
        ]);
        const exceptions = [
            { path: "locations", field: "credential", why: "server credentials" },
            { path: "other", field: "annotations", why: "another list" },
        ];
        assert.deepStrictEqual(listItemGaps(ours, locations, exceptions), {
            checked: ["locations"],
            problems: ["locations[0].annotations: the chart's default item has {}, ours has none (Helm replaces the whole list)"],
            excused: ["locations: credential"],
        });
        // A field below an excused one: our item has the map, without one of its default's fields.
        const claims = { claims: [{ name: "data", spec: { mode: "fs" } }] };
        assert.deepStrictEqual(listItemGaps({ claims: [{ name: "a", spec: {} }] }, claims, [{ path: "claims", field: "spec", why: "w" }]), { checked: ["claims"], problems: [], excused: ["claims: spec"] });
    });
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
    it("parses a chart's files again when their text changes (a schema added, changed or removed included), and only then", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-contract-"));
        try {
            const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);
            write("values.yaml", "a: 1\n");
            const first = readChartContract(dir)!;
            assert.deepStrictEqual(first, { defaults: { a: 1 }, schema: undefined });
            assert.strictEqual(readChartContract(dir), first, "the same text: the contract parsed before");
            assert.ok(Object.isFrozen(first.defaults), "shared, so frozen");
            write("values.yaml", "a: 2\n");
            assert.deepStrictEqual(readChartContract(dir)!.defaults, { a: 2 });
            write("values.schema.json", '{"properties":{"a":{"type":"integer"}}}');
            assert.deepStrictEqual(readChartContract(dir)!.schema, { properties: { a: { type: "integer" } } });
            write("values.schema.json", '{"properties":{"b":{"type":"string"}}}');
            assert.deepStrictEqual(readChartContract(dir)!.schema, { properties: { b: { type: "string" } } });
            fs.rmSync(path.join(dir, "values.schema.json"));
            assert.deepStrictEqual(readChartContract(dir), { defaults: { a: 2 }, schema: undefined });
            fs.rmSync(path.join(dir, "values.yaml"));
            assert.strictEqual(readChartContract(dir), undefined);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
