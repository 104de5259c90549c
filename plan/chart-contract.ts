// Chart contracts: every values path the program sets must exist in the pinned chart's own values.yaml (or its
// values.schema.json), so a version bump that renames or drops a key fails a test instead of turning it into a
// silent no-op. Fixtures: test/fixtures/charts/<chart>-<version>/ (see SOURCES.md there).
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

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

export function readChartContract(dir: string): ChartContract | undefined {
    const values = path.join(dir, "values.yaml");
    if (!fs.existsSync(values)) return undefined;
    const schemaFile = path.join(dir, "values.schema.json");
    return {
        defaults: (YAML.parse(fs.readFileSync(values, "utf8")) ?? {}) as Json,
        schema: fs.existsSync(schemaFile) ? (JSON.parse(fs.readFileSync(schemaFile, "utf8")) as Schema) : undefined,
    };
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
    // Its subcharts' values (kube-state-metrics 8.4.0 and prometheus-node-exporter 4.56.1 declare resources: {}).
    "kube-prometheus-stack": ["alertmanager.config", "kube-state-metrics.resources", "prometheus-node-exporter.resources"],
    // argo-cd 10.1.1: configs.cm and configs.params are passed through to argocd-cm and argocd-cmd-params-cm key by key.
    "argo-cd": ["configs.cm", "configs.params"],
    // gha-runner-scale-set-controller 0.14.2: deployment.yaml reads metrics.{controllerManagerAddr, listenerAddr, listenerEndpoint} (commented).
    "gha-runner-scale-set-controller": ["metrics"],
    // gha-runner-scale-set 0.14.2: _helpers.tpl reads controllerServiceAccount.{name, namespace} (commented) and takes
    // githubConfigSecret as the name of an existing Secret when it is a string; minRunners, maxRunners and
    // runnerScaleSetName are commented; autoscalingrunnerset.yaml renders template (a pod template) into the runner set.
    "gha-runner-scale-set": ["controllerServiceAccount", "githubConfigSecret", "minRunners", "maxRunners", "runnerScaleSetName", "template"],
};

/** Kubernetes maps whose keys are the user's (labels, annotations, selectors, flags): open wherever they appear. */
export const OPEN_MAP_KEYS: ReadonlySet<string> = new Set(["nodeSelector", "annotations", "podAnnotations", "labels", "podLabels", "extraArgs"]);

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
