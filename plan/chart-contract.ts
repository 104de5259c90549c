// Chart contracts: every values path the program sets must exist in the pinned chart's own values.yaml (or its
// values.schema.json), so a version bump that renames or drops a key fails a test instead of turning it into a
// silent no-op; and every list item it sets keeps the fields of the chart's default items. The plan CLI and the tests
// run both on every release (chartContractReport). Fixtures: test/fixtures/charts/<chart>-<version>/ (see SOURCES.md).
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
// A contract is shared by every later reader of the same files.
import { deepFreeze } from "./stack-files";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Schema {
    readonly type?: string | string[];
    readonly properties?: Record<string, Schema>;
    readonly items?: Schema;
    readonly additionalProperties?: boolean | Schema;
    readonly $ref?: string;
    readonly $defs?: Record<string, Schema>;
    readonly definitions?: Record<string, Schema>;
}

export interface ChartContract {
    readonly defaults: Json;
    readonly schema?: Schema;
}

/** The directory of a chart's fixture: `oci://registry/org/name` and plain names alike. */
export function chartFixtureDir(fixturesDir: string, chart: string, version: string): string {
    return path.join(fixturesDir, `${chart.split("/").pop()}-${version}`);
}

/**
 * Contracts parsed before, by directory, with the texts they were parsed from: a chart's values.yaml can be a megabyte
 * of YAML, and a process that checks many plans (the tests) parses it again only when the file's text changed.
 */
const parsed = new Map<string, { readonly values: string; readonly schema?: string; readonly contract: ChartContract }>();


export function readChartContract(dir: string): ChartContract | undefined {
    const valuesFile = path.join(dir, "values.yaml");
    if (!fs.existsSync(valuesFile)) return undefined;
    const schemaFile = path.join(dir, "values.schema.json");
    const values = fs.readFileSync(valuesFile, "utf8");
    const schema = fs.existsSync(schemaFile) ? fs.readFileSync(schemaFile, "utf8") : undefined;
    const key = path.resolve(dir);
    const known = parsed.get(key);
    if (known && known.values === values && known.schema === schema) return known.contract;
    const contract: ChartContract = deepFreeze({
        defaults: (YAML.parse(values) ?? {}) as Json,
        schema: schema === undefined ? undefined : (JSON.parse(schema) as Schema),
    });
    parsed.set(key, { values, schema, contract });
    return contract;
}

const isMap = (v: unknown): v is Record<string, Json> => v !== null && typeof v === "object" && !Array.isArray(v);

function resolve(schema: Schema | undefined, root: Schema | undefined): Schema | undefined {
    let s = schema;
    for (let i = 0; s?.$ref && i < 20; i++) {
        const ref = /^#\/(\$defs|definitions)\/(.+)$/.exec(s.$ref);
        s = ref ? (root?.[ref[1] as "$defs" | "definitions"] ?? {})[ref[2]] : undefined;
    }
    return s;
}

/**
 * Keys a chart reads but declares only in a comment of its values.yaml, or whose content is another program's free-form
 * configuration the chart renders as is, by chart name: each checked by hand in the chart's templates at the pinned
 * version.
 */
export const UNDECLARED_VALUE_PATHS: Readonly<Record<string, readonly string[]>> = {
    // tempo 2.2.4: templates render tempo.storage as Tempo's storage block (s3 is a commented example);
    // statefulset.yaml reads persistence.storageClassName.
    tempo: ["tempo.storage.trace.s3", "persistence.storageClassName"],
    // grafana 12.11.1: the PVC template reads persistence.storageClassName (commented in values.yaml).
    grafana: ["grafana.ini", "persistence.storageClassName"],
    // opentelemetry-collector 0.170.0: config is the collector's configuration; the PDB's bounds are commented options.
    "opentelemetry-collector": ["config", "podDisruptionBudget.maxUnavailable"],
    // kube-prometheus-stack 88.5.3: alertmanager.config is Alertmanager's configuration file.
    // Its subcharts' values (kube-state-metrics 8.4.0 and prometheus-node-exporter 4.56.1 declare resources: {}; the
    // node exporter's values.yaml declares tolerations, a list whose default item is NoSchedule/Exists, which ours keeps).
    // kube-state-metrics' nodeSelector and tolerations (platformPods: SystemNodes) are its own top-level values.
    "kube-prometheus-stack": ["alertmanager.config", "kube-state-metrics.resources", "prometheus-node-exporter.resources", "prometheus-node-exporter.tolerations", "kube-state-metrics.nodeSelector", "kube-state-metrics.tolerations"],
    // argo-cd 10.1.1: configs.cm and configs.params are passed through to argocd-cm and argocd-cmd-params-cm key by key.
    // redis-ha (subchart 4.38.0) reads a top-level nodeSelector (DandyDeveloper/charts charts/redis-ha/values.yaml);
    // haproxy.nodeSelector is not checked at 4.38.0 yet (platformPods: SystemNodes with redisHa only).
    "argo-cd": ["configs.cm", "configs.params", "redis-ha.nodeSelector", "redis-ha.haproxy.nodeSelector"],
    // gha-runner-scale-set-controller 0.14.2: deployment.yaml reads metrics.{controllerManagerAddr, listenerAddr, listenerEndpoint} (commented).
    "gha-runner-scale-set-controller": ["metrics"],
    // gha-runner-scale-set 0.14.2: _helpers.tpl reads controllerServiceAccount.{name, namespace} (commented) and takes
    // githubConfigSecret as the name of an existing Secret when it is a string; minRunners, maxRunners and
    // runnerScaleSetName are commented; autoscalingrunnerset.yaml renders template (a pod template) into the runner set.
    "gha-runner-scale-set": ["controllerServiceAccount", "githubConfigSecret", "minRunners", "maxRunners", "runnerScaleSetName", "template"],
};

/** Kubernetes maps whose keys are the user's (labels, annotations, selectors, flags): open wherever they appear. */
export const OPEN_MAP_KEYS: ReadonlySet<string> = new Set(["nodeSelector", "matchLabels", "annotations", "podAnnotations", "labels", "podLabels", "extraArgs"]);

/**
 * Paths in `values` that the chart does not declare. A key is declared when the defaults have it or the schema lists
 * it. Open, so anything goes below: a default that is an empty map (`resources: {}`), a schema map of typed values
 * (`additionalProperties: {...}`), a key in OPEN_MAP_KEYS, a path in `open` (keys the chart reads but only documents
 * in comments). A map set where the chart's default is a scalar is reported too (the chart would not read its keys).
 */
export function undeclaredValuePaths(values: unknown, contract: ChartContract, open: readonly string[] = []): string[] {
    const problems: string[] = [];
    const walk = (value: unknown, defaults: Json | undefined, schema: Schema | undefined, at: string) => {
        if (open.includes(at) || OPEN_MAP_KEYS.has(at.split(".").pop()!.replace(/\[\d+\]$/, ""))) return;
        if (Array.isArray(value)) {
            // A list is checked item by item against the chart's first default item or the schema's items; a list the
            // chart leaves empty without a schema is the user's.
            const itemDefault = Array.isArray(defaults) && isMap(defaults[0]) ? defaults[0] : undefined;
            const itemSchema = resolve(schema?.items, contract.schema);
            if (!itemDefault && !(itemSchema?.properties && Object.keys(itemSchema.properties).length > 0)) return;
            value.forEach((v, i) => walk(v, itemDefault, itemSchema, `${at}[${i}]`));
            return;
        }
        if (!isMap(value)) {
            if (isMap(defaults) && Object.keys(defaults).length > 0) problems.push(`${at}: ${JSON.stringify(value)} where the chart expects a map`);
            return;
        }
        const listed = schema?.properties && Object.keys(schema.properties).length > 0 ? schema.properties : undefined;
        if (defaults !== undefined && defaults !== null && !isMap(defaults) && !listed) {
            problems.push(`${at}: a map where the chart's default is ${JSON.stringify(defaults)}`);
            return;
        }
        if (isMap(defaults) && Object.keys(defaults).length === 0 && !listed) return;
        if (isMap(schema?.additionalProperties) || schema?.additionalProperties === true) return;
        for (const [key, v] of Object.entries(value)) {
            const path = at ? `${at}.${key}` : key;
            const d = isMap(defaults) ? defaults[key] : undefined;
            const s = resolve(listed?.[key], contract.schema);
            if (d === undefined && s === undefined && !open.includes(path)) {
                problems.push(`${path}: not in the chart's values`);
                continue;
            }
            walk(v, d, s, path);
        }
    };
    walk(values, contract.defaults, resolve(contract.schema, contract.schema), "");
    return problems;
}

/** A field of a chart's default list item that our items may leave out, read in the chart's templates at the pin. */
export interface ListItemException {
    /** The list's values path; `[]` stands for the items of an enclosing list. */
    readonly path: string;
    /** The field (dotted, within the item) our items may leave out. */
    readonly field: string;
    readonly why: string;
}

/** The reasoned exceptions to listItemGaps, by chart name. */
export const LIST_ITEM_EXCEPTIONS: Readonly<Record<string, readonly ListItemException[]>> = {
    // velero 12.1.0: templates/backupstoragelocation.yaml and volumesnapshotlocation.yaml render `credential` only
    // `if not (empty .credential)` and `annotations` only `with .annotations`. The default item's credential of two nulls
    // is not empty and renders `credential:` (null); left out, the location uses the server's credentials (our pod
    // identity), which is what we want. An absent annotations map renders like the default `{}`.
    velero: [
        { path: "configuration.backupStorageLocation", field: "credential", why: "absent, the location uses the server's own credentials (pod identity)" },
        { path: "configuration.backupStorageLocation", field: "annotations", why: "rendered only `with .annotations`: absent is the default {}" },
        { path: "configuration.volumeSnapshotLocation", field: "credential", why: "absent, the location uses the server's own credentials (pod identity)" },
        { path: "configuration.volumeSnapshotLocation", field: "annotations", why: "rendered only `with .annotations`: absent is the default {}" },
    ],
};

export interface ListItemReport {
    /** The list paths (`[]` for items of an enclosing list) whose items were checked against the chart's default items. */
    readonly checked: string[];
    readonly problems: string[];
    /** The exceptions that excused a missing field, as `path: field`. */
    readonly excused: string[];
}

/** Every non-null field of a default item, as key paths; nested maps too, except Kubernetes maps whose keys are the user's. */
function requiredFields(item: Record<string, Json>, prefix: string[] = []): string[][] {
    return Object.entries(item).flatMap(([key, v]) => {
        if (v === null) return [];
        const at = [...prefix, key];
        return isMap(v) && !OPEN_MAP_KEYS.has(key) ? [at, ...requiredFields(v, at)] : [at];
    });
}

function valueAt(item: unknown, at: readonly string[]): unknown {
    return at.reduce<unknown>((v, key) => (isMap(v) ? v[key] : undefined), item);
}

/**
 * Fields our list items drop from the chart's default items. Helm coalesces maps key by key but takes a list we set
 * whole (helm v3 pkg/chartutil/coalesce.go merges only tables), so the default item is gone and a field it carried is
 * read as null by the templates: loki 18.11.0's templates/_workload.tpl renders `accessModes: {{ toYaml .accessModes }}`
 * for each ingester claim, and a claim without it is refused by the API server (at least 1 access mode is required).
 * Each of our map items must carry every field, at any depth, that all of the chart's default items carry with a
 * non-null value; a null default is not required, since templates read a null and a missing key alike. Lists the chart
 * leaves empty (or null) are the user's. `exceptions` name the fields that may be left out, and why.
 */
export function listItemGaps(values: unknown, defaults: Json | undefined, exceptions: readonly ListItemException[] = []): ListItemReport {
    const checked = new Set<string>();
    const problems: string[] = [];
    const excused = new Set<string>();
    const walk = (value: unknown, d: Json | undefined, at: string, key: string) => {
        if (Array.isArray(value)) {
            const items = Array.isArray(d) ? d.filter(isMap) : [];
            if (items.length === 0 || !value.some(isMap)) return;
            checked.add(key);
            // The fields every default item carries (one item: all of its fields).
            const [first, ...rest] = items.map((item) => requiredFields(item));
            const required = first.filter((f) => rest.every((other) => other.some((o) => o.join("\0") === f.join("\0"))));
            value.forEach((v, i) => {
                if (!isMap(v)) return;
                for (const field of required) {
                    if (valueAt(v, field) !== undefined && valueAt(v, field) !== null) continue;
                    const name = field.join(".");
                    const exception = exceptions.find((e) => e.path === key && (name === e.field || name.startsWith(`${e.field}.`)));
                    if (exception) {
                        excused.add(`${key}: ${exception.field}`);
                        continue;
                    }
                    // A missing map is reported once, not once per field below it.
                    if (field.length > 1 && (valueAt(v, field.slice(0, -1)) ?? null) === null) continue;
                    problems.push(`${at}[${i}].${name}: the chart's default item has ${JSON.stringify(valueAt(items[0], field))}, ours has none (Helm replaces the whole list)`);
                }
                // Lists inside the item: against the default item of the same name, else the first.
                walk(v, items.find((item) => item.name !== undefined && item.name === v.name) ?? items[0], `${at}[${i}]`, `${key}[]`);
            });
            return;
        }
        if (!isMap(value)) return;
        for (const [k, v] of Object.entries(value)) walk(v, isMap(d) ? d[k] : undefined, at ? `${at}.${k}` : k, key ? `${key}.${k}` : k);
    };
    walk(values, defaults, "", "");
    return { checked: [...checked], problems, excused: [...excused] };
}

/** The resource types that install a chart. */
export const CHART_RESOURCE_TYPES: readonly string[] = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"];

export interface ChartContractReport {
    /** How many releases were checked against their chart's values. */
    readonly releases: number;
    /** `chart: path` of every list whose items were checked against the chart's default items. */
    readonly checkedLists: string[];
    readonly problems: string[];
    /** Releases whose chart has no fixture (so neither check ran on them), as `release (chart version)`. */
    readonly noFixture: string[];
    /** `chart: path: field` of every LIST_ITEM_EXCEPTIONS entry that excused a missing field. */
    readonly excused: string[];
}

/**
 * The chart contracts of every chart a plan installs: its values declared by the chart (undeclaredValuePaths) and its
 * list items complete (listItemGaps). A chart in the project (`charts/<name>`, no repository) is read from there;
 * the others from `fixturesDir` at their pinned version.
 */
export function chartContractReport(resources: readonly { readonly type: string; readonly name: string; readonly inputs: Record<string, unknown> }[], fixturesDir: string, projectDir: string): ChartContractReport {
    const checked = new Set<string>();
    const excused = new Set<string>();
    const problems: string[] = [];
    const noFixture: string[] = [];
    let releases = 0;
    for (const r of resources.filter((r) => CHART_RESOURCE_TYPES.includes(r.type))) {
        const chart = String(r.inputs.chart);
        const name = chart.split("/").pop()!;
        // A chart path in the project (charts/pre-delete-cleanup): its own values.yaml is the contract.
        const local = fs.existsSync(path.join(projectDir, chart, "Chart.yaml"));
        const contract = readChartContract(local ? path.join(projectDir, chart) : chartFixtureDir(fixturesDir, chart, String(r.inputs.version)));
        if (!contract) {
            noFixture.push(`${r.name} (${name} ${r.inputs.version})`);
            continue;
        }
        releases++;
        const values = r.inputs.values ?? {};
        const at = `${r.name} (${name} ${local ? "local" : r.inputs.version})`;
        problems.push(...undeclaredValuePaths(values, contract, UNDECLARED_VALUE_PATHS[name]).map((p) => `${at}: ${p}`));
        const lists = listItemGaps(values, contract.defaults, LIST_ITEM_EXCEPTIONS[name]);
        problems.push(...lists.problems.map((p) => `${at}: ${p}`));
        for (const list of lists.checked) checked.add(`${name}: ${list}`);
        for (const e of lists.excused) excused.add(`${name}: ${e}`);
    }
    return { releases, checkedLists: [...checked].sort(), problems, noFixture, excused: [...excused].sort() };
}

export function renderChartContracts(report: ChartContractReport): string {
    const summary = `Chart contracts: ${report.releases} releases' values checked against their pinned charts (${report.checkedLists.length} list overrides' items against the chart's default items)`;
    return [
        report.problems.length === 0 ? `${summary}: all passed` : `${summary}: ${report.problems.length} problem${report.problems.length === 1 ? "" : "s"}`,
        ...report.problems.map((p) => `  - ${p}`),
        ...(report.noFixture.length > 0 ? [`  Not checked, no fixture of the chart's values: ${report.noFixture.join(", ")}`] : []),
    ].join("\n");
}
