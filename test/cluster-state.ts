// What a planned stack leaves in the cluster for authorization: Kubernetes' built-in ClusterRoles (its bootstrap policy
// fixture), the RBAC the pinned charts install that aggregates into them (transcribed per chart version, rendered with
// each release's values), every Role, ClusterRole and binding of the plan (also those a project chart renders from its
// values), the namespaces with their labels, and External Secrets' ClusterSecretStores.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { PlannedResource } from "../plan/engine";
import { PROJECT_DIR } from "../plan/engine";
import { chartFixtureDir, readChartContract } from "../plan/chart-contract";
import { LabelSelector, PolicyRule, Rbac, RbacObject, readRbacList, selectorMatches } from "./k8s-rbac";
import { AppProject, ArgoCdRbac, argoCdSettings } from "./argocd-rbac";
import { AwsState, awsState } from "./tenant-iam";
import { NetworkState, networkState } from "./network-reach";
import { parsedOnce } from "./fixture-cache";

export const CHART_FIXTURES = path.join(PROJECT_DIR, "test/fixtures/charts");
export const BOOTSTRAP_ROLES = path.join(PROJECT_DIR, "test/fixtures/kubernetes/cluster-roles.yaml");
const RELEASE = "kubernetes:helm.sh/v3:Release";
const RBAC_TYPES: Record<string, RbacObject["kind"]> = {
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": "ClusterRole",
    "kubernetes:rbac.authorization.k8s.io/v1:Role": "Role",
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": "RoleBinding",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": "ClusterRoleBinding",
};

type Values = Record<string, unknown>;
const isMap = (v: unknown): v is Values => v !== null && typeof v === "object" && !Array.isArray(v);

/** Helm's coalescing of a release's values over the chart's: maps merge, anything else replaces. */
export function mergeValues(defaults: unknown, over: unknown): unknown {
    if (!isMap(defaults) || !isMap(over)) return over === undefined ? defaults : over;
    const out: Values = { ...defaults };
    for (const [k, v] of Object.entries(over)) out[k] = k in defaults ? mergeValues(defaults[k], v) : v;
    return out;
}

/** A template's `if`: Go templates take false, 0, "", nil and empty collections as false. */
export function truthy(values: unknown, dotted: string): boolean {
    const v = dotted.split(".").reduce<unknown>((o, k) => (isMap(o) ? o[k] : undefined), values);
    if (Array.isArray(v)) return v.length > 0;
    if (isMap(v)) return Object.keys(v).length > 0;
    return v !== undefined && v !== null && v !== false && v !== 0 && v !== "";
}

interface FixtureRule extends PolicyRule {
    readonly if?: string;
}
interface FixtureObject {
    readonly kind: "ClusterRole";
    readonly name: string;
    readonly if?: readonly string[];
    readonly ifNot?: readonly string[];
    readonly labels?: Record<string, string | { readonly if: string }>;
    readonly rules: readonly FixtureRule[];
}

export interface ChartRelease {
    readonly chart: string;
    readonly version: string;
    readonly name: string;
    readonly values: Values;
}

/** A chart fixture's values and schema (read once per process: a cluster state is built per guard an attack removes). */
const chartContract = (dir: string) => parsedOnce("chart contract", dir, readChartContract);

/** The release's chart and version, and its fixture's directory (undefined for a project chart, rendered from values). */
export function releasesOf(resources: readonly PlannedResource[]): ChartRelease[] {
    return resources
        .filter((r) => r.type === RELEASE)
        .map((r) => ({ chart: String(r.inputs.chart), version: String(r.inputs.version ?? ""), name: String(r.inputs.name ?? r.name), values: (r.inputs.values ?? {}) as Values }));
}

/** Project charts live in this repository and are rendered from their values (charts/pre-delete-cleanup). */
export const isProjectChart = (chart: string) => chart.startsWith("charts/");

/** A pinned chart's release values over its chart's defaults (the fixture's values.yaml), as Helm coalesces them. */
export function releaseValuesWithDefaults(release: Pick<ChartRelease, "chart" | "version" | "values">): Values {
    const defaults = chartContract(chartFixtureDir(CHART_FIXTURES, release.chart, release.version))?.defaults ?? {};
    return mergeValues(defaults, release.values) as Values;
}

/** The transcription of a pinned chart's aggregating RBAC, or undefined when none was made (a gap). */
export function aggregatedRbacFixture(release: Pick<ChartRelease, "chart" | "version">): string | undefined {
    const file = path.join(chartFixtureDir(CHART_FIXTURES, release.chart, release.version), "rbac-aggregated.yaml");
    return fs.existsSync(file) ? file : undefined;
}

/** A chart's aggregating ClusterRoles as its templates render them for the release's values. */
export function renderChartRbac(release: ChartRelease): RbacObject[] {
    const file = aggregatedRbacFixture(release);
    if (file === undefined) throw new Error(`no aggregated RBAC transcribed for ${release.chart} ${release.version}`);
    const defaults = chartContract(path.dirname(file))?.defaults ?? {};
    const values = mergeValues(defaults, release.values);
    const objects = (parsedOnce("yaml", file, (f) => YAML.parse(fs.readFileSync(f, "utf8")) as { objects?: FixtureObject[] }).objects ?? []) as FixtureObject[];
    return objects
        .filter((o) => (o.if ?? []).every((p) => truthy(values, p)) && !(o.ifNot ?? []).some((p) => truthy(values, p)))
        .map((o) => ({
            kind: "ClusterRole" as const,
            metadata: {
                name: o.name.replace("{release}", release.name),
                labels: Object.fromEntries(
                    Object.entries(o.labels ?? {}).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : truthy(values, v.if) ? [[k, "true"]] : [])),
                ),
            },
            rules: o.rules.filter((r) => r.if === undefined || truthy(values, r.if)).map(({ if: _if, ...r }) => r),
        }));
}

/** RBAC objects of the plan: its own resources, and those a project chart renders verbatim from `values.objects`. */
export function planRbac(resources: readonly PlannedResource[]): RbacObject[] {
    const own = resources.filter((r) => RBAC_TYPES[r.type]).map((r) => ({ ...(r.inputs as object), kind: RBAC_TYPES[r.type] }) as RbacObject);
    const rendered = releasesOf(resources)
        .filter((r) => isProjectChart(r.chart))
        .flatMap((r) => ((r.values.objects ?? []) as { kind?: string }[]).filter((o) => o.kind !== undefined && Object.values(RBAC_TYPES).includes(o.kind as RbacObject["kind"])) as RbacObject[]);
    return [...own, ...rendered];
}

export interface ClusterSecretStore {
    readonly name: string;
    readonly conditions?: readonly { readonly namespaceSelector?: LabelSelector; readonly namespaces?: readonly string[]; readonly namespaceRegexes?: readonly string[] }[];
}

export interface ClusterState {
    readonly rbac: Rbac;
    /** Namespace name → labels, with the `kubernetes.io/metadata.name` label the API server sets on every namespace. */
    readonly namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>;
    readonly clusterSecretStores: ReadonlyMap<string, ClusterSecretStore>;
    /** Argo CD's authorizer: argocd-rbac-cm and argocd-cm as the argo-cd release renders them, and the AppProjects. */
    readonly argocd: ArgoCdRbac;
    /** The plan's IAM roles, Pod Identity associations and resource policies. */
    readonly aws: AwsState;
    /** NetworkPolicies, namespaces and pods, for the network reachability attempts. */
    readonly network: NetworkState;
}

/** Argo CD creates the `default` project when missing (server.initializeDefaultProject): any source, any destination, any kind, no roles. */
const DEFAULT_PROJECT: AppProject = {
    metadata: { name: "default" },
    spec: { destinations: [{ server: "*", namespace: "*" }], clusterResourceWhitelist: [{ group: "*", kind: "*" }] },
};

/** Argo CD as the plan leaves it: the argo-cd release's values over the chart's defaults, and the AppProjects in its namespace. */
export function argoCdState(resources: readonly PlannedResource[]): ArgoCdRbac {
    const releases = resources.filter((r) => r.type === RELEASE && String(r.inputs.chart).split("/").pop() === "argo-cd");
    if (releases.length !== 1) throw new Error(`expected one argo-cd release, found ${releases.length}`);
    const release = releasesOf(releases)[0];
    const defaults = chartContract(chartFixtureDir(CHART_FIXTURES, release.chart, release.version))?.defaults;
    if (defaults === undefined) throw new Error(`no values transcribed for ${release.chart} ${release.version}`);
    const namespace = String(releases[0].inputs.namespace);
    const settings = argoCdSettings(mergeValues(defaults, release.values) as Record<string, any>, namespace);
    const projects = resources
        .filter((r) => r.type === "kubernetes:argoproj.io/v1alpha1:AppProject" && (r.inputs as any).metadata?.namespace === namespace)
        .map((r) => r.inputs as unknown as AppProject);
    return new ArgoCdRbac(settings, new Map([["default", DEFAULT_PROJECT], ...projects.map((p) => [p.metadata.name, p] as const)]));
}

/** The cluster a plan's resources leave (chart RBAC only for charts with a transcription; tests list the others). */
export function clusterState(resources: readonly PlannedResource[]): ClusterState {
    const charts = releasesOf(resources).filter((r) => !isProjectChart(r.chart) && aggregatedRbacFixture(r) !== undefined);
    const rbac = new Rbac([...parsedOnce("rbac list", BOOTSTRAP_ROLES, readRbacList), ...charts.flatMap(renderChartRbac), ...planRbac(resources)]);
    const namespaces = new Map(
        resources
            .filter((r) => r.type === "kubernetes:core/v1:Namespace")
            .map((r) => {
                const m = (r.inputs as { metadata: { name: string; labels?: Record<string, string> } }).metadata;
                return [m.name, { ...(m.labels ?? {}), "kubernetes.io/metadata.name": m.name }] as const;
            }),
    );
    const stores = resources
        .filter((r) => r.type === "kubernetes:external-secrets.io/v1:ClusterSecretStore")
        .map((r) => {
            const i = r.inputs as { metadata: { name: string }; spec: { conditions?: ClusterSecretStore["conditions"] } };
            return [i.metadata.name, { name: i.metadata.name, conditions: i.spec.conditions }] as const;
        });
    return { rbac, namespaces, clusterSecretStores: new Map(stores), argocd: argoCdState(resources), aws: awsState(resources), network: networkState(resources) };
}

/**
 * Whether External Secrets serves an ExternalSecret of `namespace` from a ClusterSecretStore: v2.9.0's
 * pkg/controllers/secretstore/client_manager.go shouldProcessSecret. No conditions: every namespace. Otherwise any
 * condition's namespaceSelector, listed namespace (as a kubernetes.io/metadata.name selector) or regex matching.
 */
export function storeServes(store: ClusterSecretStore, namespace: string, labels: Readonly<Record<string, string>>): boolean {
    const conditions = store.conditions ?? [];
    if (conditions.length === 0) return true;
    return conditions.some(
        (c) =>
            [...(c.namespaceSelector ? [c.namespaceSelector] : []), ...(c.namespaces ?? []).map((n) => ({ matchLabels: { "kubernetes.io/metadata.name": n } }))].some((s) => selectorMatches(s, labels)) ||
            (c.namespaceRegexes ?? []).some((re) => new RegExp(re).test(namespace)),
    );
}
