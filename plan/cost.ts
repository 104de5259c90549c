// The monthly floor cost of a recorded plan: what the stack costs with nothing running on it, from the dated price
// table plan/prices.json (on-demand, per region; every price names its source and that source's status). Lines without
// a price in the table say so and leave the total incomplete; usage-priced items are listed as such; a tenant's lines
// are kept apart from the platform's. Nothing is estimated.
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "./engine";
import type { Plan, PlannedResource } from "./engine";
import { layerOf } from "./graph";
import * as YAML from "yaml";

/** V: quotes the AWS Price List with a date; S: a secondary source quoting AWS; I: inferred, not quoted for the region. */
export type PriceStatus = "V" | "S" | "I";

export interface Price {
    readonly usd: number;
    /** A key of the table's sources. */
    readonly source: string;
}

export interface RegionPrices {
    readonly eksClusterHour?: Price;
    readonly natGatewayHour?: Price;
    readonly publicIpv4Hour?: Price;
    readonly nlbHour?: Price;
    readonly interfaceEndpointAzHour?: Price;
    readonly ebsGp3GbMonth?: Price;
    readonly kmsKeyMonth?: Price;
    readonly secretMonth?: Price;
    readonly hostedZoneMonth?: Price;
    readonly ec2Hour: Readonly<Record<string, Price>>;
    /** By instance class, Single-AZ and Multi-AZ. */
    readonly rdsHour: Readonly<Record<string, { readonly singleAz?: Price; readonly multiAz?: Price }>>;
    readonly rdsGp3GbMonth?: { readonly singleAz?: Price; readonly multiAz?: Price };
}

/** The region-wide prices a stack's fixed lines may need (instance and database classes are priced per class). */
export const REGION_PRICE_KINDS = [
    "eksClusterHour", "natGatewayHour", "publicIpv4Hour", "nlbHour", "interfaceEndpointAzHour", "ebsGp3GbMonth", "kmsKeyMonth",
    "secretMonth", "hostedZoneMonth", "rdsGp3GbMonth",
] as const satisfies readonly (keyof RegionPrices)[];

/** The region-wide prices the table lacks for a region it names (all of them for a region it does not name). */
export function missingRegionPrices(table: PriceTable, region: string): string[] {
    const prices = table.regions[region];
    return REGION_PRICE_KINDS.filter((k) => prices?.[k] === undefined);
}

export interface PriceSource {
    readonly status: PriceStatus;
    readonly text: string;
}

export interface PriceTable {
    readonly date: string;
    readonly hoursPerMonth: number;
    readonly sources: Readonly<Record<string, PriceSource>>;
    readonly regions: Readonly<Record<string, RegionPrices>>;
}

export const PRICE_TABLE_FILE = path.join(PROJECT_DIR, "plan", "prices.json");
export const CHART_FIXTURES_DIR = path.join(PROJECT_DIR, "test", "fixtures", "charts");

export function readPriceTable(file = PRICE_TABLE_FILE): PriceTable {
    return JSON.parse(fs.readFileSync(file, "utf8")) as PriceTable;
}

/** One line of the report: a priced quantity, a quantity without a price in the table, or a usage-priced item. */
export interface CostLine {
    readonly layer: string;
    readonly item: string;
    /** USD per month; undefined when the table has no price (missing) or the item is usage-priced. */
    readonly monthly?: number;
    readonly kind: "priced" | "missing" | "usage";
    /** How many units (priced and missing lines). */
    readonly quantity?: number;
    /** How the number was made (quantity x unit price), or what is missing. */
    readonly detail: string;
    /** The status of the price's source (priced lines). */
    readonly status?: PriceStatus;
    /** The tenant whose resource this is; undefined for the platform's own. */
    readonly tenant?: string;
    /**
     * Usage lines of a pod that holds a node of its own (a CI tenant's builder): what that node would cost a month at a
     * named reference price, kept out of every total (Karpenter chooses the instance at launch).
     */
    readonly reference?: { readonly monthly: number; readonly detail: string };
}

/** Size of a Kubernetes quantity in GiB ("200Gi", "512Mi", "1Ti"); undefined when it is not one. */
export function gibOf(q: unknown): number | undefined {
    const m = /^(\d+(?:\.\d+)?)(Mi|Gi|Ti)$/.exec(String(q ?? ""));
    if (!m) return undefined;
    return Number(m[1]) * { Mi: 1 / 1024, Gi: 1, Ti: 1024 }[m[2] as "Mi" | "Gi" | "Ti"];
}

type Values = Record<string, unknown>;
const isMap = (v: unknown): v is Values => v !== null && typeof v === "object" && !Array.isArray(v);

/** Helm's merge of a release's values over the chart's defaults: maps merge key by key, anything else replaces. */
export function mergeValues(defaults: unknown, values: unknown): unknown {
    if (values === undefined) return defaults;
    if (!isMap(defaults) || !isMap(values)) return values;
    const out: Values = { ...defaults };
    for (const [k, v] of Object.entries(values)) out[k] = mergeValues(defaults[k], v);
    return out;
}

const at = (v: unknown, p: string): unknown => p.split(".").reduce<unknown>((x, k) => (isMap(x) ? x[k] : undefined), v);

/** Volumes a chart's pods claim: per component, replicas x size. */
export interface Claim {
    readonly component: string;
    readonly replicas: number;
    readonly gib: number;
}

/**
 * Loki's components with a `persistence` block, each rendered only in some deployment modes (loki 18.11.0,
 * templates/_helpers.tpl: loki.deployment.isMonolithic, isScalable and isDistributed; the last two also need object
 * storage).
 */
const LOKI_OBJECT_STORAGE = ["s3", "gcs", "azure", "swift", "alibabacloud", "cos", "bos"];
const LOKI_MONOLITHIC = ["SingleBinary", "Monolithic", "SingleBinary<->SimpleScalable", "Monolithic<->SimpleScalable"];
const LOKI_SCALABLE = ["SingleBinary<->SimpleScalable", "Monolithic<->SimpleScalable", "SimpleScalable", "SimpleScalable<->Distributed"];
const LOKI_DISTRIBUTED = ["Distributed", "SimpleScalable<->Distributed"];
const LOKI_PERSISTENT: readonly (readonly [string, "monolithic" | "scalable" | "distributed"])[] = [
    ["singleBinary", "monolithic"],
    ...(["write", "backend"] as const).map((c) => [c, "scalable"] as const),
    ...(["ingester", "indexGateway", "compactor", "ruler", "patternIngester", "bloomGateway", "bloomPlanner", "bloomBuilder"] as const).map((c) => [c, "distributed"] as const),
];

/** Loki's claims as templates/_workload.tpl and _pod.tpl render them. */
function lokiClaims(v: unknown): Claim[] {
    const mode = String(at(v, "deploymentMode") ?? "");
    const objects = LOKI_OBJECT_STORAGE.includes(String(at(v, "loki.storage.type")));
    const rendered = { monolithic: LOKI_MONOLITHIC.includes(mode), scalable: objects && LOKI_SCALABLE.includes(mode), distributed: objects && LOKI_DISTRIBUTED.includes(mode) };
    return LOKI_PERSISTENT.flatMap(([c, when]) => {
        const p = at(v, `${c}.persistence`);
        // Either switch turns persistence on (`or volumeClaimsEnabled enabled`).
        if (!rendered[when] || !(at(p, "volumeClaimsEnabled") || at(p, "enabled"))) return [];
        // The zone-aware ingester is three StatefulSets of ceil(replicas / 3); the plain one renders without zones or while migrating.
        const n = Number(at(v, `${c}.replicas`) ?? 1);
        const zoned = c === "ingester" && at(v, "ingester.zoneAwareReplication.enabled");
        const pods = zoned ? 3 * Math.ceil(n / 3) + (at(v, "ingester.zoneAwareReplication.migration.enabled") ? n : 0) : n;
        const type = at(p, "type") ?? "pvc";
        // An ephemeral volume per pod, of persistence.size, whatever the kind.
        if (type === "ephemeral") return claim(c, true, pods, at(p, "size"));
        if (type !== "pvc" || at(v, `${c}.kind`) !== "StatefulSet") return [];
        // volumeClaimTemplates: each of persistence.claims, and a data claim of persistence.size unless one is named "data".
        const claims = Array.isArray(at(p, "claims")) ? (at(p, "claims") as unknown[]) : [];
        const data = claims.some((x) => at(x, "name") === "data") ? [] : [{ name: c === "singleBinary" ? "storage" : "data", size: at(p, "size") }];
        return [...claims, ...data].flatMap((x) => claim(`${c} ${at(x, "name")}`, true, pods, at(x, "size")));
    });
}

const claim = (component: string, on: unknown, replicas: unknown, size: unknown): Claim[] => {
    const gib = gibOf(size);
    const n = Number(replicas ?? 1);
    return on === false || gib === undefined || n === 0 ? [] : [{ component, replicas: n, gib }];
};

/**
 * Per chart (by name): the volumes its pods claim with these values (merged over the chart's defaults). Each read by
 * hand in the pinned chart's templates; a chart not listed claims none (Kyverno, Argo CD without redis-ha persistence,
 * the controllers, Alloy, the collector, Velero: emptyDir or host paths).
 */
export const CHART_CLAIMS: Readonly<Record<string, (v: unknown) => Claim[]>> = {
    // volumeClaimTemplate sizes: the chart's default storageSpec/storage is {} (emptyDir, nothing claimed).
    "kube-prometheus-stack": (v) => [
        ...(at(v, "prometheus.enabled") === false ? [] : claim("prometheus", true, at(v, "prometheus.prometheusSpec.replicas"), at(v, "prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage"))),
        ...(at(v, "alertmanager.enabled") === false ? [] : claim("alertmanager", true, at(v, "alertmanager.alertmanagerSpec.replicas"), at(v, "alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.resources.requests.storage"))),
    ],
    grafana: (v) => claim("grafana", at(v, "persistence.enabled"), at(v, "replicas"), at(v, "persistence.size")),
    tempo: (v) => claim("tempo", at(v, "persistence.enabled"), at(v, "replicas"), at(v, "persistence.size")),
    loki: (v) => lokiClaims(v),
    // One server (standalone) or ha.replicas, each with its data and audit volumes.
    vault: (v) => {
        const servers = at(v, "server.ha.enabled") === true ? at(v, "server.ha.replicas") : 1;
        return [...claim("vault data", at(v, "server.dataStorage.enabled"), servers, at(v, "server.dataStorage.size")), ...claim("vault audit", at(v, "server.auditStorage.enabled"), servers, at(v, "server.auditStorage.size"))];
    },
    "argo-cd": (v) => (at(v, "redis-ha.enabled") === true ? claim("redis-ha", at(v, "redis-ha.persistentVolume.enabled"), at(v, "redis-ha.replicas"), at(v, "redis-ha.persistentVolume.size")) : []),
};

/** A chart's default values by chart reference and version; undefined when not at hand. */
export type ChartDefaults = (chart: string, version: string) => unknown;

/** The pinned charts' defaults from test/fixtures/charts/<chart>-<version>/values.yaml. */
export function fixtureChartDefaults(dir = CHART_FIXTURES_DIR): ChartDefaults {
    const cache = new Map<string, unknown>();
    return (chart, version) => {
        const file = path.join(dir, `${chart.split("/").pop()}-${version}`, "values.yaml");
        if (!cache.has(file)) cache.set(file, fs.existsSync(file) ? YAML.parse(fs.readFileSync(file, "utf8")) ?? {} : undefined);
        return cache.get(file);
    };
}

const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;

/** "cpu/memory requested" of a pod's containers, as written. */
function requestsText(containers: unknown): string {
    const rs = (Array.isArray(containers) ? containers : []).map((c) => at(c, "resources.requests")).filter(isMap);
    return rs.length === 0 ? "pod (no requests)" : `pod requesting ${rs.map((q) => `${q.cpu ?? 0} CPU / ${q.memory ?? 0}`).join(" + ")}`;
}

/** The tenant a resource belongs to: the nearest tenant component above it. */
function tenantOf(r: PlannedResource, byUrn: ReadonlyMap<string, PlannedResource>): string | undefined {
    for (let x: PlannedResource | undefined = r; x; x = x.parent ? byUrn.get(x.parent) : undefined) {
        if (x.type === "platform:tenants:Tenant") return x.name.replace(/^tenant-/, "");
        if (x.type === "platform:delivery:TenantDelivery") return x.name.replace(/^tenant-/, "").replace(/-delivery$/, "");
    }
    return undefined;
}

/**
 * Surplus CPU credits of burstable instances in unlimited mode (T4g, T3 and T3a launch so by default: EC2 User Guide,
 * "Unlimited mode for burstable performance instances"): a flat rate per vCPU-hour that no source of the table quotes.
 */
export const CREDIT_PRICE = "a flat rate per vCPU-hour; no price cited, I";

/** Karpenter's family name parts: category (letters), generation (digits), attributes ("g" = Graviton). */
const instanceFamily = (type: string) => /^([a-z]+)(\d+)([a-z-]*)\./.exec(type);

/**
 * The cheapest instance type of the table that a NodePool's requirements admit (instance-category, instance-generation
 * Gt, kubernetes.io/arch: Graviton types are arm64); undefined when none is priced.
 */
export function cheapestAdmitted(ec2Hour: RegionPrices["ec2Hour"], requirements: readonly { key: string; operator: string; values?: string[] }[]): string | undefined {
    const admits = (type: string) => {
        const m = instanceFamily(type);
        if (!m) return false;
        const arch = m[3].includes("g") ? "arm64" : "amd64";
        return requirements.every((q) => {
            const value = { "karpenter.k8s.aws/instance-category": m[1], "karpenter.k8s.aws/instance-generation": m[2], "kubernetes.io/arch": arch }[q.key];
            if (value === undefined) return true;
            if (q.operator === "In") return (q.values ?? []).includes(value);
            if (q.operator === "Gt") return Number(value) > Number(q.values?.[0]);
            return true;
        });
    };
    return Object.keys(ec2Hour).filter(admits).sort((a, b) => ec2Hour[a].usd - ec2Hour[b].usd || a.localeCompare(b))[0];
}

/** The floor cost lines of a plan in one region. */
export function costLines(plan: Pick<Plan, "resources">, region: string, table: PriceTable, chartDefaults: ChartDefaults = () => undefined): CostLine[] {
    const prices: RegionPrices = table.regions[region] ?? { ec2Hour: {}, rdsHour: {} };
    const hours = table.hoursPerMonth;
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const lines: CostLine[] = [];
    const layerName = (r: PlannedResource) => (layerOf(r, byUrn)?.type ?? "platform").replace(/^platform:/, "");
    const owner = (r: PlannedResource) => {
        const tenant = tenantOf(r, byUrn);
        return { layer: layerName(r), ...(tenant === undefined ? {} : { tenant }) };
    };
    const add = (r: PlannedResource, item: string, quantity: number, unit: "hour" | "month", price: Price | undefined, what: string) => {
        if (quantity === 0) return;
        if (price === undefined) {
            lines.push({ ...owner(r), item, kind: "missing", quantity, detail: `${what}: no ${region} price in the table (${table.date})` });
            return;
        }
        const monthly = quantity * price.usd * (unit === "hour" ? hours : 1);
        const status = table.sources[price.source]?.status;
        lines.push({ ...owner(r), item, kind: "priced", quantity, monthly, status, detail: `${what} at $${price.usd}/${unit}${unit === "hour" ? ` x ${hours} h` : ""} [${price.source}]` });
    };
    const usage = (r: PlannedResource, item: string, detail: string) => lines.push({ ...owner(r), item, kind: "usage", detail });
    /**
     * A node of its own in Karpenter pool `pool`, `n` times: the cheapest instance type the pool admits that the table
     * prices, on demand, plus its node class's root volume. A reference, not the floor: Karpenter may launch a cheaper
     * type the table does not price, or spot.
     */
    const ownNodeReference = (pool: string, n: number): CostLine["reference"] => {
        const nodePool = plan.resources.find((x) => x.type === "kubernetes:karpenter.sh/v1:NodePool" && inputs(x).metadata?.name === pool);
        if (!nodePool) return undefined;
        const spec = inputs(nodePool).spec?.template?.spec ?? {};
        const nodeClass = plan.resources.find((x) => x.type === "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass" && inputs(x).metadata?.name === spec.nodeClassRef?.name);
        const type = cheapestAdmitted(prices.ec2Hour, spec.requirements ?? []);
        const gib = gibOf(nodeClass && inputs(nodeClass).spec?.blockDeviceMappings?.[0]?.ebs?.volumeSize);
        if (!type || gib === undefined || !prices.ebsGp3GbMonth) return undefined;
        const node = prices.ec2Hour[type];
        const monthly = n * (node.usd * hours + gib * prices.ebsGp3GbMonth.usd);
        const status = (p: Price) => table.sources[p.source]?.status ?? "?";
        return {
            monthly,
            detail: `${n} x (${type} on demand at $${node.usd}/hour x ${hours} h [${node.source}, ${status(node)}] + ${gib} GiB gp3 root at $${prices.ebsGp3GbMonth.usd}/month [${prices.ebsGp3GbMonth.source}, ${status(prices.ebsGp3GbMonth)}]): the cheapest type of NodePool ${pool} the table prices`,
        };
    };

    for (const r of plan.resources) {
        const i = inputs(r);
        switch (r.type) {
            case "aws:eks/cluster:Cluster":
                add(r, "EKS control plane", 1, "hour", prices.eksClusterHour, "cluster (standard support)");
                break;
            case "aws:eks/nodeGroup:NodeGroup": {
                const type = String(i.instanceTypes?.[0] ?? "unknown");
                // What runs at rest: the desired size of each zone's group (Karpenter, not a cluster autoscaler, adds capacity).
                const nodes = Number(i.scalingConfig?.desiredSize ?? i.scalingConfig?.minSize ?? 0);
                // A spot group's nodes run all the time too, so they are in the floor: at the on-demand price, the most a spot
                // instance bills (a managed group's spot requests keep the default maximum price, the on-demand price).
                if (i.capacityType === "SPOT") add(r, `spot nodes ${type}`, nodes, "hour", prices.ec2Hour[type], `${type} spot node (desiredSize per zone) at its on-demand price, the most spot bills`);
                else add(r, `nodes ${type}`, nodes, "hour", prices.ec2Hour[type], `${type} node (desiredSize per zone; the group's first instance type)`);
                // Burstable (T3, T4g) instances launch in unlimited mode: CPU above their baseline is billed as surplus credits.
                if (nodes > 0 && /^t\d/.test(type)) usage(r, `CPU credits of ${type} nodes`, `unlimited mode: vCPU-hours above the baseline, at the surplus-credit price (${CREDIT_PRICE})`);
                const template = r.dependencies.map((d) => byUrn.get(d)).find((d) => d?.type === "aws:ec2/launchTemplate:LaunchTemplate");
                const gib = Number((template && inputs(template).blockDeviceMappings?.[0]?.ebs?.volumeSize) ?? 0);
                add(r, "node root volumes", nodes * gib, "month", prices.ebsGp3GbMonth, "GiB gp3");
                break;
            }
            case "kubernetes:karpenter.sh/v1:NodePool": {
                const taints = (i.spec?.template?.spec?.taints ?? []) as { key: string; effect: string }[];
                usage(
                    r,
                    `Karpenter nodes (${i.metadata?.name ?? r.name})`,
                    taints.length > 0
                        ? `on demand: nodes only for pods that tolerate its taint ${taints.map((t) => `${t.key}:${t.effect}`).join(", ")}; what they hold at rest is listed with them (pods at rest)`
                        : "on demand: nodes launched for pending pods; none at rest (the platform's pods fit the managed groups: test/capacity.test.ts)",
                );
                break;
            }
            case "aws:ec2/natGateway:NatGateway":
                add(r, "NAT gateway", 1, "hour", prices.natGatewayHour, "NAT gateway");
                usage(r, "NAT data processing", "per GB through the gateway");
                break;
            case "aws:ec2/instance:Instance": {
                // The NAT instances (network.natKind Instance): the instance hour and its root volume; its address is the
                // Elastic IP's line.
                const type = String(i.instanceType);
                add(r, `instance ${type}`, 1, "hour", prices.ec2Hour[type], `${type} instance (on demand)`);
                const gib = i.rootBlockDevice?.volumeSize;
                if (gib === undefined) lines.push({ ...owner(r), item: "instance root volume", kind: "missing", detail: "its size is the AMI's, unknown offline" });
                else add(r, "instance root volume", Number(gib), "month", prices.ebsGp3GbMonth, "GiB gp3");
                if (/^t\d/.test(type)) usage(r, `CPU credits of the ${type} instance`, `unlimited mode: vCPU-hours above the baseline, at the surplus-credit price (${CREDIT_PRICE})`);
                usage(r, "NAT instance traffic", "no per-GB processing charge (a NAT gateway's); only EC2 data transfer out to the internet, per GB, as through a gateway");
                break;
            }
            case "aws:ec2/eip:Eip":
                add(r, "public IPv4", 1, "hour", prices.publicIpv4Hour, "Elastic IP (in use)");
                break;
            case "aws:ec2/vpcEndpoint:VpcEndpoint":
                if (i.vpcEndpointType === "Interface") add(r, `endpoint ${String(i.serviceName).split(".").slice(3).join(".")}`, (i.subnetIds ?? []).length, "hour", prices.interfaceEndpointAzHour, "interface endpoint AZs");
                break;
            case "kubernetes:gateway.networking.k8s.io/v1:Gateway":
                // The load balancer controller gives the gateway's Service a Network Load Balancer.
                add(r, "network load balancer", 1, "hour", prices.nlbHour, "NLB (the gateway's)");
                usage(r, "load balancer capacity units", "NLCUs by connections and bytes");
                break;
            case "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy": {
                // An internet-facing NLB holds a public IPv4 address in each of its subnets.
                const text = JSON.stringify(i);
                const scheme = /"service\.beta\.kubernetes\.io\/aws-load-balancer-scheme":"([a-z-]+)"/.exec(text)?.[1];
                const subnets = /"service\.beta\.kubernetes\.io\/aws-load-balancer-subnets":"([^"]*)"/.exec(text)?.[1];
                if (scheme === "internet-facing") {
                    const zones = subnets && !subnets.includes("[unknown]") ? subnets.split(",").length : undefined;
                    if (zones === undefined) lines.push({ ...owner(r), item: "load balancer IPv4", kind: "missing", detail: "its subnets are unknown before the network exists" });
                    else add(r, "load balancer IPv4", zones, "hour", prices.publicIpv4Hour, "public IPv4 (one per NLB subnet)");
                }
                break;
            }
            case "kubernetes:apps/v1:Deployment":
            case "kubernetes:apps/v1:StatefulSet":
                // A tenant's pods at rest run on Karpenter capacity: the instance is chosen at launch. A pod kept apart by
                // hostname from others holds a node of its own, however small it is.
                if (tenantOf(r, byUrn) !== undefined) {
                    const pod = i.spec?.template?.spec ?? {};
                    const apart = (pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some((t: { topologyKey?: string }) => t.topologyKey === "kubernetes.io/hostname");
                    const pool = pod.nodeSelector?.["karpenter.sh/nodepool"];
                    const where = apart ? `each on a Karpenter node of its own${pool ? ` (NodePool ${pool})` : ""}, instance chosen at launch` : "on Karpenter nodes (instance chosen at launch)";
                    const reference = apart && pool ? ownNodeReference(String(pool), Number(i.spec?.replicas ?? 1)) : undefined;
                    lines.push({ ...owner(r), item: `pods at rest: ${r.name}`, kind: "usage", detail: `${i.spec?.replicas ?? 1} x ${requestsText(pod.containers)} ${where}`, ...(reference ? { reference } : {}) });
                }
                break;
            case "kubernetes:helm.sh/v3:Release": {
                const chart = String(i.chart ?? "").split("/").pop() ?? "";
                if (chart === "gha-runner-scale-set") {
                    // Each job's pod: the runner and its builder (a native sidecar: an init container that keeps
                    // running, whose requests add to the pod's), on a node of its own while the job runs.
                    const spec = i.values?.template?.spec ?? {};
                    const containers = [...(spec.initContainers ?? []).filter((c: { restartPolicy?: string }) => c.restartPolicy === "Always"), ...(spec.containers ?? [])];
                    const apart = (spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).some((t: { topologyKey?: string }) => t.topologyKey === "kubernetes.io/hostname");
                    const pool = spec.nodeSelector?.["karpenter.sh/nodepool"];
                    const where = `${apart ? "each on a Karpenter node of its own" : "on Karpenter nodes"}${pool ? ` (NodePool ${pool})` : ""}, instance chosen at launch`;
                    const min = Number(i.values?.minRunners ?? 0);
                    // Idle runners kept ready hold their nodes all month: priced next to the tenant at the reference.
                    const reference = min > 0 && apart && pool ? ownNodeReference(String(pool), min) : undefined;
                    if (min > 0) lines.push({ ...owner(r), item: `runners at rest: ${i.name}`, kind: "usage", detail: `minRunners ${min} x ${requestsText(containers)} ${where}`, ...(reference ? { reference } : {}) });
                    else usage(r, `runners: ${i.name}`, `none at rest (minRunners 0); while a job runs, 1 x ${requestsText(containers)} ${where}`);
                }
                // The chart's claimed volumes are fixed by the values: replicas x size, priced as gp3.
                const rule = CHART_CLAIMS[chart];
                if (!rule) break;
                const defaults = chartDefaults(String(i.chart), String(i.version));
                if (defaults === undefined) {
                    lines.push({ ...owner(r), item: `volumes of ${i.name ?? chart}`, kind: "missing", detail: `the defaults of ${chart} ${i.version} are not at hand (test/fixtures/charts)` });
                    break;
                }
                const claims = rule(mergeValues(defaults, i.values ?? {}));
                const gib = claims.reduce((a, c) => a + c.replicas * c.gib, 0);
                add(r, `volumes of ${i.name ?? chart}`, gib, "month", prices.ebsGp3GbMonth, `GiB gp3 (${claims.map((c) => `${c.replicas} x ${c.gib} GiB ${c.component}`).join(" + ")})`);
                break;
            }
            case "aws:rds/instance:Instance": {
                const multiAz = i.multiAz === true;
                const az = multiAz ? "multiAz" : "singleAz";
                add(r, `database ${i.instanceClass}`, 1, "hour", prices.rdsHour[String(i.instanceClass)]?.[az], `${i.instanceClass} (${multiAz ? "Multi-AZ" : "Single-AZ"})`);
                add(r, "database storage", Number(i.allocatedStorage ?? 0), "month", prices.rdsGp3GbMonth?.[az], `GiB gp3 (${multiAz ? "Multi-AZ" : "Single-AZ"})`);
                // RDS runs its T4g classes in unlimited mode only.
                if (/^db\.t4g\./.test(String(i.instanceClass))) usage(r, `database CPU credits (${i.instanceClass})`, `unlimited mode: vCPU-hours above the baseline, at the surplus-credit price (${CREDIT_PRICE})`);
                if (Number(i.backupRetentionPeriod ?? 0) > 0) usage(r, "database backup storage", `snapshots kept ${i.backupRetentionPeriod} day(s): free up to the allocated ${i.allocatedStorage ?? 0} GiB, each GiB beyond per month (no ${region} price cited; I)`);
                if (Number(i.monitoringInterval ?? 0) > 0) usage(r, "database enhanced monitoring", `an OS metrics record every ${i.monitoringInterval} s into CloudWatch Logs (RDSOSMetrics), ingestion and storage per GB (no ${region} price cited; I)`);
                break;
            }
            case "aws:kms/key:Key":
                add(r, "KMS keys", 1, "month", prices.kmsKeyMonth, "customer managed key");
                usage(r, "KMS requests", "per 10,000 API requests (encrypt, decrypt, data keys) beyond the free tier (no price cited; I)");
                break;
            case "aws:secretsmanager/secret:Secret":
                add(r, "secrets", 1, "month", prices.secretMonth, "Secrets Manager secret");
                break;
            case "aws:route53/zone:Zone":
                add(r, "hosted zone", 1, "month", prices.hostedZoneMonth, "hosted zone");
                break;
            case "aws:cloudwatch/logGroup:LogGroup":
                usage(r, `logs ${r.name}`, `ingestion and storage per GB (kept ${i.retentionInDays ?? "forever"} days)`);
                break;
            case "aws:s3/bucket:Bucket":
            case "aws:s3/bucketV2:BucketV2":
                usage(r, `bucket ${r.name}`, "storage and requests");
                break;
            case "aws:efs/fileSystem:FileSystem":
                usage(r, "EFS", "storage per GB");
                break;
            case "aws:ecr/repository:Repository":
            case "aws:ecr/pullThroughCacheRule:PullThroughCacheRule":
                usage(r, `registry ${r.name}`, "image storage per GB");
                break;
        }
    }
    return mergeLines(lines);
}

/** Lines of the same owner, item and unit price are added up (three NAT gateways are one line of 3). */
function mergeLines(lines: readonly CostLine[]): CostLine[] {
    const merged = new Map<string, CostLine>();
    for (const l of lines) {
        const key = `${l.layer}\u0000${l.tenant ?? ""}\u0000${l.item}\u0000${l.kind}\u0000${l.detail}`;
        const seen = merged.get(key);
        const quantity = seen?.quantity === undefined && l.quantity === undefined ? undefined : (seen?.quantity ?? 0) + (l.quantity ?? 0);
        merged.set(key, seen ? { ...seen, quantity, monthly: seen.monthly === undefined ? undefined : seen.monthly + (l.monthly ?? 0) } : l);
    }
    return [...merged.values()];
}

export interface CostSummary {
    /** The platform's floor: its priced lines, tenants' apart. */
    readonly total: number;
    readonly byLayer: ReadonlyMap<string, number>;
    /** Priced lines by their source's status (platform only). */
    readonly byStatus: Readonly<Record<PriceStatus, number>>;
    /** Each tenant's priced lines at rest. */
    readonly byTenant: ReadonlyMap<string, number>;
    /** Each tenant's nodes of its own (its CI builder's) at their reference price, apart from byTenant. */
    readonly byTenantNodes: ReadonlyMap<string, number>;
    readonly missing: number;
    readonly usage: number;
}

export function summarize(lines: readonly CostLine[]): CostSummary {
    const byLayer = new Map<string, number>();
    const byTenant = new Map<string, number>();
    const byTenantNodes = new Map<string, number>();
    const byStatus: Record<PriceStatus, number> = { V: 0, S: 0, I: 0 };
    for (const l of lines) {
        if (l.tenant !== undefined && l.reference) byTenantNodes.set(l.tenant, (byTenantNodes.get(l.tenant) ?? 0) + l.reference.monthly);
        if (l.tenant !== undefined) byTenant.set(l.tenant, (byTenant.get(l.tenant) ?? 0) + (l.monthly ?? 0));
        else if (l.monthly !== undefined) {
            byLayer.set(l.layer, (byLayer.get(l.layer) ?? 0) + l.monthly);
            if (l.status) byStatus[l.status] += l.monthly;
        }
    }
    return {
        total: [...byLayer.values()].reduce((a, b) => a + b, 0),
        byLayer,
        byStatus,
        byTenant,
        byTenantNodes,
        missing: lines.filter((l) => l.kind === "missing").length,
        usage: lines.filter((l) => l.kind === "usage").length,
    };
}

/** Tenant names of a plan (each tenant component), so a tenant with nothing priced still shows as $0. */
export function planTenants(plan: Pick<Plan, "resources">): string[] {
    return plan.resources.filter((r) => r.type === "platform:tenants:Tenant").map((r) => r.name.replace(/^tenant-/, ""));
}

export const usd = (n: number) => `${n < 0 ? "-" : ""}$${Math.abs(n).toFixed(2)}`;

/** The region the plan's platform provider deploys to. */
export function planRegion(plan: Pick<Plan, "resources">): string | undefined {
    const provider = plan.resources.find((r) => r.type === "pulumi:providers:aws" && r.name.endsWith("-aws"));
    const region = provider ? inputs(provider).region : undefined;
    return typeof region === "string" ? region : undefined;
}

/** The report `npm run plan -- --cost` prints. */
export function renderCost(lines: readonly CostLine[], a: { readonly stack: string; readonly region: string; readonly table: PriceTable; readonly tenants?: readonly string[] }): string {
    const s = summarize(lines);
    const out = [`Monthly floor cost of ${a.stack} in ${a.region} (on-demand list prices of ${a.table.date}, plan/prices.json)`];
    const lacking = missingRegionPrices(a.table, a.region);
    if (!(a.region in a.table.regions)) out.push(`UNPRICED REGION: plan/prices.json has no prices for ${a.region}; every line below is missing (add them with their sources)`);
    // A region priced in part (a few instance types, say) prices few lines: said up front, not only in the total.
    else if (lacking.length > 0) out.push(`PARTLY PRICED REGION: plan/prices.json has no ${a.region} price for ${lacking.join(", ")}; lines needing them are missing`);
    out.push("Status of each price's source: V = AWS Price List, S = secondary source, I = inferred", "");
    for (const [layer, total] of [...s.byLayer.entries()].sort((x, y) => y[1] - x[1])) {
        out.push(`${layer.padEnd(28)} ${usd(total).padStart(10)}`);
        for (const l of lines.filter((x) => x.layer === layer && x.kind === "priced" && x.tenant === undefined)) out.push(`  ${l.status ?? "?"} ${l.item.padEnd(44)} ${usd(l.monthly!).padStart(10)}  ${l.quantity} x ${l.detail}`);
    }
    out.push(
        "",
        `${"platform floor (priced lines)".padEnd(30)} ${usd(s.total).padStart(10)}${s.missing > 0 ? `  INCOMPLETE: ${s.missing} line(s) have no price in the table` : ""}`,
        `    of which V ${usd(s.byStatus.V)}, S ${usd(s.byStatus.S)}, I ${usd(s.byStatus.I)}`,
    );
    const tenants = [...new Set([...(a.tenants ?? []), ...s.byTenant.keys()])];
    if (tenants.length > 0) {
        out.push("", "Tenants at rest (apart from the platform's floor; what one more tenant like it adds):");
        for (const t of tenants) {
            const own = s.byTenantNodes.get(t);
            // A CI tenant's builder holds a node of its own all the time: said next to the at-rest figure, at its reference price.
            out.push(`    ${t.padEnd(26)} ${usd(s.byTenant.get(t) ?? 0).padStart(10)}${own === undefined ? "" : `  + its own nodes ${usd(own)} = ${usd((s.byTenant.get(t) ?? 0) + own)} (reference price, below)`}`);
            for (const l of lines.filter((x) => x.tenant === t && x.kind !== "usage")) out.push(`  ${l.status ?? "-"}   ${l.item.padEnd(42)} ${l.monthly === undefined ? "missing".padStart(10) : usd(l.monthly).padStart(10)}  ${l.quantity} x ${l.detail}`);
            for (const l of lines.filter((x) => x.tenant === t && x.kind === "usage")) out.push(`        usage: ${l.item}: ${l.detail}${l.reference ? `\n        own node: ${usd(l.reference.monthly)} = ${l.reference.detail}` : ""}`);
        }
    }
    if (s.missing > 0) {
        out.push("", "Without a price in the table (add it with its source to plan/prices.json):");
        for (const l of lines.filter((x) => x.kind === "missing")) out.push(`    ${l.layer}: ${l.item}: ${l.quantity ?? "?"} x ${l.detail}`);
    }
    out.push("", "Usage-priced (not in the floor):");
    for (const l of lines.filter((x) => x.kind === "usage" && x.tenant === undefined)) out.push(`    ${l.layer}: ${l.item}: ${l.quantity === undefined ? "" : `${l.quantity} x `}${l.detail}`);
    return out.join("\n");
}

/** One line's monthly change between two plans (priced lines; a missing line on either side makes the delta unknown). */
export interface CostChange {
    readonly key: string;
    readonly before?: number;
    readonly after?: number;
    readonly unknown: boolean;
}

const lineKey = (l: CostLine) => `${l.tenant ? `tenant ${l.tenant}` : l.layer}: ${l.item}`;

/** The monthly delta of a change: the platform's floor and each tenant's, and the lines that moved. */
export function costDelta(before: readonly CostLine[], after: readonly CostLine[]): { platform: [number, number]; tenants: [number, number]; changes: CostChange[] } {
    const sum = (ls: readonly CostLine[]) => {
        const m = new Map<string, { usd: number; unknown: boolean }>();
        for (const l of ls.filter((x) => x.kind !== "usage")) {
            const k = lineKey(l);
            const seen = m.get(k) ?? { usd: 0, unknown: false };
            m.set(k, { usd: seen.usd + (l.monthly ?? 0), unknown: seen.unknown || l.kind === "missing" });
        }
        return m;
    };
    const b = sum(before);
    const a = sum(after);
    const changes: CostChange[] = [];
    for (const key of [...new Set([...b.keys(), ...a.keys()])].sort()) {
        const x = b.get(key);
        const y = a.get(key);
        if (x && y && Math.abs(x.usd - y.usd) < 0.005 && x.unknown === y.unknown) continue;
        changes.push({ key, before: x?.usd, after: y?.usd, unknown: (x?.unknown ?? false) || (y?.unknown ?? false) });
    }
    const tenantsTotal = (ls: readonly CostLine[]) => [...summarize(ls).byTenant.values()].reduce((p, q) => p + q, 0);
    return { platform: [summarize(before).total, summarize(after).total], tenants: [tenantsTotal(before), tenantsTotal(after)], changes };
}

export function renderCostDelta(d: ReturnType<typeof costDelta>, a: { readonly from: string; readonly to: string }): string {
    const signed = (n: number) => `${n >= 0 ? "+" : "-"}$${Math.abs(n).toFixed(2)}`;
    const out = [
        `Monthly floor change from ${a.from} to ${a.to}`,
        `    platform ${usd(d.platform[0])} -> ${usd(d.platform[1])} (${signed(d.platform[1] - d.platform[0])}/month)`,
        `    tenants  ${usd(d.tenants[0])} -> ${usd(d.tenants[1])} (${signed(d.tenants[1] - d.tenants[0])}/month)`,
    ];
    for (const c of d.changes) out.push(`    ${c.key.padEnd(48)} ${(c.before === undefined ? "-" : usd(c.before)).padStart(10)} -> ${(c.after === undefined ? "-" : usd(c.after)).padStart(10)}${c.unknown ? "  (a side has no price)" : `  ${signed((c.after ?? 0) - (c.before ?? 0))}`}`);
    if (d.changes.length === 0) out.push("    no priced line changes");
    return out.join("\n");
}
