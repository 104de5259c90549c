// The monthly floor cost of a recorded plan: what the stack costs with nothing running on it, from the dated price
// table plan/prices.json (on-demand, per region). Lines without a price in the table say so and leave the total
// incomplete; usage-priced items are listed as such. Nothing is estimated.
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "./engine";
import type { Plan, PlannedResource } from "./engine";
import { layerOf } from "./graph";

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

export interface PriceTable {
    readonly date: string;
    readonly hoursPerMonth: number;
    readonly sources: Readonly<Record<string, string>>;
    readonly regions: Readonly<Record<string, RegionPrices>>;
}

export const PRICE_TABLE_FILE = path.join(PROJECT_DIR, "plan", "prices.json");

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
}

const inputs = (r: PlannedResource) => r.inputs as Record<string, any>;

/** The floor cost lines of a plan in one region. */
export function costLines(plan: Pick<Plan, "resources">, region: string, table: PriceTable): CostLine[] {
    const prices: RegionPrices = table.regions[region] ?? { ec2Hour: {}, rdsHour: {} };
    const hours = table.hoursPerMonth;
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const lines: CostLine[] = [];
    const layerName = (r: PlannedResource) => (layerOf(r, byUrn)?.type ?? "platform").replace(/^platform:/, "");
    const add = (r: PlannedResource, item: string, quantity: number, unit: "hour" | "month", price: Price | undefined, what: string) => {
        if (quantity === 0) return;
        if (price === undefined) {
            lines.push({ layer: layerName(r), item, kind: "missing", quantity, detail: `${what}: no ${region} price in the table (${table.date})` });
            return;
        }
        const monthly = quantity * price.usd * (unit === "hour" ? hours : 1);
        lines.push({ layer: layerName(r), item, kind: "priced", quantity, monthly, detail: `${what} at $${price.usd}/${unit}${unit === "hour" ? ` x ${hours} h` : ""} [${price.source}]` });
    };
    const usage = (r: PlannedResource, item: string, detail: string) => lines.push({ layer: layerName(r), item, kind: "usage", detail });

    for (const r of plan.resources) {
        const i = inputs(r);
        switch (r.type) {
            case "aws:eks/cluster:Cluster":
                add(r, "EKS control plane", 1, "hour", prices.eksClusterHour, "cluster (standard support)");
                break;
            case "aws:eks/nodeGroup:NodeGroup": {
                const type = String(i.instanceTypes?.[0] ?? "unknown");
                // What runs at rest: the desired size (Karpenter, not a cluster autoscaler, adds capacity).
                const nodes = Number(i.scalingConfig?.desiredSize ?? i.scalingConfig?.minSize ?? 0);
                if (i.capacityType === "SPOT") usage(r, `spot nodes ${type}`, `${nodes} x ${type} at the spot market price`);
                else add(r, `nodes ${type}`, nodes, "hour", prices.ec2Hour[type], `${type} node (desiredSize; the group's first instance type)`);
                const template = r.dependencies.map((d) => byUrn.get(d)).find((d) => d?.type === "aws:ec2/launchTemplate:LaunchTemplate");
                const gib = Number((template && inputs(template).blockDeviceMappings?.[0]?.ebs?.volumeSize) ?? 0);
                add(r, "node root volumes", nodes * gib, "month", prices.ebsGp3GbMonth, "GiB gp3");
                break;
            }
            case "kubernetes:karpenter.sh/v1:NodePool":
                usage(r, "Karpenter nodes", "on demand: nodes launched for pending pods (none at rest)");
                break;
            case "aws:ec2/natGateway:NatGateway":
                add(r, "NAT gateway", 1, "hour", prices.natGatewayHour, "NAT gateway");
                usage(r, "NAT data processing", "per GB through the gateway");
                break;
            case "aws:ec2/eip:Eip":
                add(r, "public IPv4", 1, "hour", prices.publicIpv4Hour, "Elastic IP (in use)");
                break;
            case "aws:ec2/vpcEndpoint:VpcEndpoint":
                if (i.vpcEndpointType === "Interface") add(r, `endpoint ${String(i.serviceName).split(".").pop()}`, (i.subnetIds ?? []).length, "hour", prices.interfaceEndpointAzHour, "interface endpoint AZs");
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
                    if (zones === undefined) lines.push({ layer: layerName(r), item: "load balancer IPv4", kind: "missing", detail: "its subnets are unknown before the network exists" });
                    else add(r, "load balancer IPv4", zones, "hour", prices.publicIpv4Hour, "public IPv4 (one per NLB subnet)");
                }
                break;
            }
            case "kubernetes:helm.sh/v3:Release":
                if (/storageSize|persistence|volumeClaimTemplate|dataStorage/.test(JSON.stringify(i.values ?? {}))) usage(r, `volumes of ${i.chart}`, "gp3 volumes the chart claims (sized in config), per GB-month");
                break;
            case "aws:rds/instance:Instance": {
                const multiAz = i.multiAz === true;
                const az = multiAz ? "multiAz" : "singleAz";
                add(r, `database ${i.instanceClass}`, 1, "hour", prices.rdsHour[String(i.instanceClass)]?.[az], `${i.instanceClass} (${multiAz ? "Multi-AZ" : "Single-AZ"})`);
                add(r, "database storage", Number(i.allocatedStorage ?? 0), "month", prices.rdsGp3GbMonth?.[az], `GiB gp3 (${multiAz ? "Multi-AZ" : "Single-AZ"})`);
                break;
            }
            case "aws:kms/key:Key":
                add(r, "KMS keys", 1, "month", prices.kmsKeyMonth, "customer managed key");
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

/** Lines of the same layer, item and unit price are added up (three NAT gateways are one line of 3). */
function mergeLines(lines: readonly CostLine[]): CostLine[] {
    const merged = new Map<string, CostLine>();
    for (const l of lines) {
        const key = `${l.layer}\u0000${l.item}\u0000${l.kind}\u0000${l.detail}`;
        const seen = merged.get(key);
        merged.set(key, seen ? { ...seen, quantity: (seen.quantity ?? 0) + (l.quantity ?? 0), monthly: seen.monthly === undefined ? undefined : seen.monthly + (l.monthly ?? 0) } : l);
    }
    return [...merged.values()];
}

export interface CostSummary {
    readonly total: number;
    readonly byLayer: ReadonlyMap<string, number>;
    readonly missing: number;
    readonly usage: number;
}

export function summarize(lines: readonly CostLine[]): CostSummary {
    const byLayer = new Map<string, number>();
    for (const l of lines) if (l.monthly !== undefined) byLayer.set(l.layer, (byLayer.get(l.layer) ?? 0) + l.monthly);
    return {
        total: [...byLayer.values()].reduce((a, b) => a + b, 0),
        byLayer,
        missing: lines.filter((l) => l.kind === "missing").length,
        usage: lines.filter((l) => l.kind === "usage").length,
    };
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** The region the plan's platform provider deploys to. */
export function planRegion(plan: Pick<Plan, "resources">): string | undefined {
    const provider = plan.resources.find((r) => r.type === "pulumi:providers:aws" && r.name.endsWith("-aws"));
    const region = provider ? inputs(provider).region : undefined;
    return typeof region === "string" ? region : undefined;
}

/** The report `npm run plan -- --cost` prints. */
export function renderCost(lines: readonly CostLine[], a: { readonly stack: string; readonly region: string; readonly table: PriceTable }): string {
    const s = summarize(lines);
    const out = [`Monthly floor cost of ${a.stack} in ${a.region} (on-demand list prices of ${a.table.date}, plan/prices.json)`, ""];
    for (const [layer, total] of [...s.byLayer.entries()].sort((x, y) => y[1] - x[1])) {
        out.push(`${layer.padEnd(28)} ${usd(total).padStart(10)}`);
        for (const l of lines.filter((x) => x.layer === layer && x.kind === "priced")) out.push(`    ${l.item.padEnd(44)} ${usd(l.monthly!).padStart(10)}  ${l.quantity} x ${l.detail}`);
    }
    out.push("", `${"total (priced lines)".padEnd(28)} ${usd(s.total).padStart(10)}${s.missing > 0 ? `  INCOMPLETE: ${s.missing} line(s) have no price in the table` : ""}`);
    if (s.missing > 0) {
        out.push("", "Without a price in the table (add it with its source to plan/prices.json):");
        for (const l of lines.filter((x) => x.kind === "missing")) out.push(`    ${l.layer}: ${l.item}: ${l.quantity} x ${l.detail}`);
    }
    out.push("", "Usage-priced (not in the floor):");
    for (const l of lines.filter((x) => x.kind === "usage")) out.push(`    ${l.layer}: ${l.item}: ${l.detail}`);
    return out.join("\n");
}
