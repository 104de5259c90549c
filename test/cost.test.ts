import * as assert from "assert";
import type { PlannedResource } from "../plan/engine";
import { cheapestAdmitted, costDelta, costLines, fixtureChartDefaults, gibOf, missingRegionPrices, planRegion, PriceTable, readPriceTable, renderCost, renderCostDelta, summarize } from "../plan/cost";
import { committedPlan, runPlanCli } from "./plans";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../plan/engine";

/** A resource of a synthetic plan: only what the cost reads. */
const res = (urn: string, type: string, inputs: Record<string, unknown> = {}, extra: Partial<PlannedResource> = {}): PlannedResource =>
    ({ urn, key: urn, type, name: urn, custom: !type.startsWith("platform:"), inputs, dependencies: [], dependsOn: [], secretPaths: [], ...extra }) as unknown as PlannedResource;

const P = "platform";
const TABLE: PriceTable = {
    date: "2026-01-01",
    hoursPerMonth: 730,
    sources: { t: { status: "V", text: "test" }, s: { status: "S", text: "test" }, i: { status: "I", text: "test" } },
    regions: {
        "xx-test-1": {
            eksClusterHour: { usd: 0.1, source: "t" },
            natGatewayHour: { usd: 0.05, source: "t" },
            publicIpv4Hour: { usd: 0.005, source: "t" },
            nlbHour: { usd: 0.02, source: "i" },
            interfaceEndpointAzHour: { usd: 0.01, source: "t" },
            ebsGp3GbMonth: { usd: 0.08, source: "t" },
            kmsKeyMonth: { usd: 1, source: "t" },
            secretMonth: { usd: 0.4, source: "s" },
            hostedZoneMonth: { usd: 0.5, source: "t" },
            ec2Hour: { "m7i.large": { usd: 0.1, source: "t" } },
            rdsHour: { "db.x.large": { multiAz: { usd: 0.2, source: "t" } } },
            rdsGp3GbMonth: { multiAz: { usd: 0.25, source: "t" } },
        },
    },
};

function syntheticPlan() {
    const layer = (name: string, type: string) => res(name, type, {}, { parent: P });
    return {
        resources: [
            res(P, "platform:platform:Platform"),
            layer("net", "platform:network:Network"),
            layer("eks", "platform:cluster:Cluster"),
            layer("db", "platform:sso:Sso"),
            res("cluster", "aws:eks/cluster:Cluster", {}, { parent: "eks" }),
            res("lt", "aws:ec2/launchTemplate:LaunchTemplate", { blockDeviceMappings: [{ ebs: { volumeSize: 50 } }] }, { parent: "eks" }),
            res("ng", "aws:eks/nodeGroup:NodeGroup", { instanceTypes: ["m7i.large", "m6i.large"], capacityType: "ON_DEMAND", scalingConfig: { minSize: 2, desiredSize: 3 } }, { parent: "eks", dependencies: ["lt"] }),
            res("spot", "aws:eks/nodeGroup:NodeGroup", { instanceTypes: ["m7i.large"], capacityType: "SPOT", scalingConfig: { minSize: 0, desiredSize: 1 } }, { parent: "eks" }),
            res("spot-b", "aws:eks/nodeGroup:NodeGroup", { instanceTypes: ["m7i.large"], capacityType: "SPOT", scalingConfig: { minSize: 0, desiredSize: 2 } }, { parent: "eks" }),
            res("proxy", "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy", {
                spec: { provider: { kubernetes: { envoyService: { annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing", "service.beta.kubernetes.io/aws-load-balancer-subnets": "subnet-a,subnet-b,subnet-c" } } } } },
            }, { parent: "net" }),
            res("key1", "aws:kms/key:Key", {}, { parent: "eks" }),
            res("key2", "aws:kms/key:Key", {}, { parent: "net" }),
            res("key3", "aws:kms/key:Key", {}, { parent: "db" }),
            res("nat-a", "aws:ec2/natGateway:NatGateway", {}, { parent: "net" }),
            res("nat-b", "aws:ec2/natGateway:NatGateway", {}, { parent: "net" }),
            res("eip-a", "aws:ec2/eip:Eip", {}, { parent: "net" }),
            res("eip-b", "aws:ec2/eip:Eip", {}, { parent: "net" }),
            res("ep", "aws:ec2/vpcEndpoint:VpcEndpoint", { vpcEndpointType: "Interface", serviceName: "com.amazonaws.xx-test-1.ecr.api", subnetIds: ["a", "b", "c"] }, { parent: "net" }),
            res("s3ep", "aws:ec2/vpcEndpoint:VpcEndpoint", { vpcEndpointType: "Gateway", serviceName: "com.amazonaws.xx-test-1.s3" }, { parent: "net" }),
            res("gw", "kubernetes:gateway.networking.k8s.io/v1:Gateway", {}, { parent: "net" }),
            res("rds", "aws:rds/instance:Instance", { instanceClass: "db.x.large", multiAz: true, allocatedStorage: 100 }, { parent: "db" }),
            res("logs", "aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 90 }, { parent: "eks" }),
            res("secret", "aws:secretsmanager/secret:Secret", {}, { parent: "db" }),
            res("zone", "aws:route53/zone:Zone", {}, { parent: "net" }),
            // Chart volumes: the size from the chart's defaults when the values only turn persistence on.
            res("grafana", "kubernetes:helm.sh/v3:Release", { chart: "oci://x/grafana", version: "1.0.0", name: "grafana", values: { persistence: { enabled: true } } }, { parent: "db" }),
            res("kps", "kubernetes:helm.sh/v3:Release", {
                chart: "kube-prometheus-stack", version: "1.0.0", name: "kps",
                values: { prometheus: { prometheusSpec: { replicas: 2, storageSpec: { volumeClaimTemplate: { spec: { resources: { requests: { storage: "200Gi" } } } } } } }, alertmanager: { alertmanagerSpec: { storage: { volumeClaimTemplate: { spec: { resources: { requests: { storage: "5Gi" } } } } } } } },
            }, { parent: "db" }),
            res("vault", "kubernetes:helm.sh/v3:Release", { chart: "vault", version: "1.0.0", name: "vault", values: { server: { ha: { enabled: true } } } }, { parent: "db" }),
            // A tenant's key: its line is the tenant's, not the platform's.
            res("tenants", "platform:tenants:Tenants", {}, { parent: P }),
            res("tenant-team-x", "platform:tenants:Tenant", {}, { parent: "tenants" }),
            res("tenant-key", "aws:kms/key:Key", {}, { parent: "tenant-team-x" }),
        ],
    };
}

/** Chart defaults as the pinned charts have them (written out here, not read from the fixtures). */
const DEFAULTS = (chart: string) =>
    ({
        grafana: { replicas: 1, persistence: { enabled: false, size: "10Gi" } },
        "kube-prometheus-stack": { prometheus: { enabled: true, prometheusSpec: { replicas: 1, storageSpec: {} } }, alertmanager: { enabled: true, alertmanagerSpec: { replicas: 1, storage: {} } } },
        vault: { server: { ha: { enabled: false, replicas: 3 }, dataStorage: { enabled: true, size: "10Gi" }, auditStorage: { enabled: false, size: "10Gi" } } },
    })[chart.split("/").pop()!];

describe("plan --cost: the monthly floor from the dated price table", () => {
    it("adds up a hand-computed case: every priced line is quantity x unit price x 730 h (or per month)", () => {
        const lines = costLines(syntheticPlan(), "xx-test-1", TABLE, DEFAULTS);
        const monthly = (item: string) => lines.find((l) => l.item === item)?.monthly;
        // By hand: 0.10 x 730; 3 nodes (desired, not min) x 0.10 x 730; the spot groups' 1 + 2 nodes at the on-demand
        // 0.10 x 730 (the most spot bills); 3 x 50 GiB x 0.08; 2 x 0.05 x 730; 2 x 0.005 x 730;
        // 3 AZs x 0.01 x 730; 0.02 x 730; the NLB's 3 addresses x 0.005 x 730; 3 keys x 1; 0.2 x 730; 100 GiB x 0.25.
        const expected: [string, number][] = [
            ["EKS control plane", 73],
            ["nodes m7i.large", 219],
            ["spot nodes m7i.large", 219],
            ["node root volumes", 12],
            ["load balancer IPv4", 10.95],
            ["NAT gateway", 73],
            ["public IPv4", 7.3],
            ["endpoint ecr.api", 21.9],
            ["network load balancer", 14.6],
            ["database db.x.large", 146],
            ["database storage", 25],
            // 1 secret x 0.40; 1 zone x 0.50; Grafana 1 x 10 GiB (the default size) x 0.08; Prometheus 2 x 200 GiB and
            // Alertmanager 1 (default replicas) x 5 GiB = 405 GiB x 0.08; Vault HA 3 servers x 10 GiB data (audit off) x 0.08.
            ["secrets", 0.4],
            ["hosted zone", 0.5],
            ["volumes of grafana", 0.8],
            ["volumes of kps", 32.4],
            ["volumes of vault", 2.4],
        ];
        for (const [item, usd] of expected) assert.ok(Math.abs((monthly(item) ?? NaN) - usd) < 1e-9, `${item}: ${monthly(item)} != ${usd}`);
        const s = summarize(lines);
        const platform = 605.75 + 219 + 0.4 + 0.5 + 0.8 + 32.4 + 2.4;
        assert.ok(Math.abs(s.total - platform) < 1e-9, String(s.total));
        // By status: the secret's source is S, the NLB's I, the rest V.
        assert.ok(Math.abs(s.byStatus.S - 0.4) < 1e-9 && Math.abs(s.byStatus.I - 14.6) < 1e-9 && Math.abs(s.byStatus.V - (platform - 0.4 - 14.6)) < 1e-9, JSON.stringify(s.byStatus));
        // The tenant's key is its own line, outside the platform's floor.
        assert.deepStrictEqual([...s.byTenant], [["team-x", 1]]);
        assert.deepStrictEqual(lines.filter((l) => l.tenant === "team-x").map((l) => [l.item, l.kind, l.monthly]), [["KMS keys", "priced", 1], ["KMS requests", "usage", undefined]]);
        assert.ok(Math.abs((s.byLayer.get("cluster:Cluster") ?? 0) - (73 + 219 + 219 + 12 + 1)) < 1e-9);
        // Usage: traffic, logs and each layer's KMS requests (the tenant's key's too, as the tenant's).
        assert.deepStrictEqual([s.missing, lines.filter((l) => l.kind === "usage" && l.tenant === undefined).map((l) => `${l.layer} ${l.item}`).sort()], [
            0,
            ["cluster:Cluster KMS requests", "cluster:Cluster logs logs", "network:Network KMS requests", "network:Network NAT data processing", "network:Network load balancer capacity units", "sso:Sso KMS requests"],
        ]);
        // The two spot groups' nodes add up: 1 + 2, as the report says, in the floor.
        assert.match(renderCost(lines, { stack: "t", region: "xx-test-1", table: TABLE }), /\n {2}V spot nodes m7i\.large +\$219\.00 {2}3 x m7i\.large spot node \(desiredSize per zone\) at its on-demand price, the most spot bills at \$0\.1\/hour x 730 h \[t\]\n/);
        // The gateway endpoint is free: no line.
        assert.ok(!lines.some((l) => l.item === "endpoint s3"));
    });

    it("says which lines have no price instead of guessing, and leaves them out of the total", () => {
        const { nlbHour: _nlb, ...withoutNlb } = TABLE.regions["xx-test-1"];
        const lines = costLines(syntheticPlan(), "xx-test-1", { ...TABLE, regions: { "xx-test-1": withoutNlb } });
        const s = summarize(lines);
        assert.strictEqual(s.missing, 4); // the NLB, and the three releases whose chart defaults are not at hand
        assert.ok(Math.abs(s.total - (605.75 + 219 + 0.4 + 0.5 - 14.6)) < 1e-9, String(s.total));
        assert.match(renderCost(lines, { stack: "t", region: "xx-test-1", table: TABLE }), /INCOMPLETE: 4 line\(s\) have no price in the table[^]*network load balancer: 1 x NLB \(the gateway's\): no xx-test-1 price in the table \(2026-01-01\)/);
        // An unknown region prices nothing, and the report says so before any line.
        assert.strictEqual(summarize(costLines(syntheticPlan(), "zz-none-9", TABLE, DEFAULTS)).total, 0);
        const unpriced = renderCost(costLines(syntheticPlan(), "zz-none-9", TABLE, DEFAULTS), { stack: "t", region: "zz-none-9", table: TABLE }).split("\n");
        assert.match(unpriced[1], /^UNPRICED REGION: plan\/prices.json has no prices for zz-none-9/);
        // A region priced in part says which region-wide prices it lacks, before any line.
        const partly = renderCost(lines, { stack: "t", region: "xx-test-1", table: { ...TABLE, regions: { "xx-test-1": withoutNlb } } }).split("\n");
        assert.strictEqual(partly[1], "PARTLY PRICED REGION: plan/prices.json has no xx-test-1 price for nlbHour; lines needing them are missing");
        assert.ok(!renderCost(lines, { stack: "t", region: "xx-test-1", table: TABLE }).includes("PRICED REGION"), "a fully priced region says nothing");
        // The committed table: eu-west-1 complete, us-east-1 in part.
        const committed = readPriceTable();
        assert.deepStrictEqual(missingRegionPrices(committed, "eu-west-1"), []);
        assert.deepStrictEqual(missingRegionPrices(committed, "us-east-1"), ["eksClusterHour", "natGatewayHour", "interfaceEndpointAzHour", "ebsGp3GbMonth", "kmsKeyMonth", "secretMonth", "hostedZoneMonth", "rdsGp3GbMonth"]);
    });

    it("shows each line's status and prices a change: the monthly delta of --cost --diff", () => {
        const before = costLines(syntheticPlan(), "xx-test-1", TABLE, DEFAULTS);
        const report = renderCost(before, { stack: "t", region: "xx-test-1", table: TABLE, tenants: ["team-x"] });
        assert.match(report, /\n {2}I network load balancer +\$14\.60 /);
        assert.match(report, /\n {2}S secrets +\$0\.40 /);
        assert.match(report, /Tenants at rest[^]*team-x +\$1\.00/);
        // The change: the node group down to 2 nodes, the interface endpoint gone.
        const plan = syntheticPlan();
        const changed = {
            resources: plan.resources
                .filter((r) => r.urn !== "ep")
                .map((r) => (r.urn === "ng" ? { ...r, inputs: { ...r.inputs, scalingConfig: { minSize: 2, desiredSize: 2 } } } : r)),
        };
        const d = costDelta(before, costLines(changed, "xx-test-1", TABLE, DEFAULTS));
        // By hand: one m7i.large 0.10 x 730 = 73 and its 50 GiB root x 0.08 = 4; the endpoint's 3 AZs x 0.01 x 730 = 21.9.
        assert.ok(Math.abs(d.platform[1] - d.platform[0] - -(73 + 4 + 21.9)) < 1e-9, JSON.stringify(d.platform));
        assert.deepStrictEqual(d.tenants, [1, 1]);
        assert.deepStrictEqual(d.changes.map((c) => c.key), ["cluster:Cluster: node root volumes", "cluster:Cluster: nodes m7i.large", "network:Network: endpoint ecr.api"]);
        assert.match(renderCostDelta(d, { from: "a", to: "b" }), /platform \$861\.25 -> \$762\.35 \(-\$98\.90\/month\)[^]*endpoint ecr\.api +\$21\.90 -> +- +-\$21\.90/);
    });

    it("names the usage a fixed line brings (burstable credits, database backups and monitoring, KMS requests) and a CI tenant's own node", () => {
        const base = syntheticPlan().resources;
        const builders = { key: "karpenter.sh/nodepool", pool: "builders" };
        const plan = {
            resources: [
                ...base,
                res("sys", "aws:eks/nodeGroup:NodeGroup", { instanceTypes: ["t4g.medium"], capacityType: "ON_DEMAND", scalingConfig: { desiredSize: 1 } }, { parent: "eks" }),
                res("small-db", "aws:rds/instance:Instance", { instanceClass: "db.t4g.small", multiAz: false, allocatedStorage: 20, backupRetentionPeriod: 7, monitoringInterval: 60 }, { parent: "db" }),
                res("nodeclass", "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", { metadata: { name: "default" }, spec: { blockDeviceMappings: [{ ebs: { volumeSize: "50Gi" } }] } }, { parent: "eks" }),
                res("pool", "kubernetes:karpenter.sh/v1:NodePool", {
                    metadata: { name: builders.pool },
                    spec: { template: { spec: { nodeClassRef: { name: "default" }, taints: [{ key: "platform.io/builder", effect: "NoExecute" }], requirements: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64"] }, { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m"] }] } } },
                }, { parent: "eks" }),
                res("tenant-team-x-builder", "kubernetes:apps/v1:Deployment", {
                    spec: { replicas: 1, template: { spec: { nodeSelector: { [builders.key]: builders.pool }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname" }] } }, containers: [{ resources: { requests: { cpu: "250m", memory: "512Mi" } } }] } } },
                }, { parent: "tenant-team-x" }),
            ],
        };
        const lines = costLines(plan, "xx-test-1", TABLE, DEFAULTS);
        const usage = (item: string) => lines.filter((l) => l.kind === "usage" && l.item === item).map((l) => `${l.layer}: ${l.detail}`);
        assert.deepStrictEqual(usage("CPU credits of t4g.medium nodes"), ["cluster:Cluster: unlimited mode: vCPU-hours above the baseline, at the surplus-credit price (a flat rate per vCPU-hour; no price cited, I)"]);
        assert.deepStrictEqual(usage("database CPU credits (db.t4g.small)").length, 1);
        assert.deepStrictEqual(usage("database backup storage"), ["sso:Sso: snapshots kept 7 day(s): free up to the allocated 20 GiB, each GiB beyond per month (no xx-test-1 price cited; I)"]);
        assert.deepStrictEqual(usage("database enhanced monitoring"), ["sso:Sso: an OS metrics record every 60 s into CloudWatch Logs (RDSOSMetrics), ingestion and storage per GB (no xx-test-1 price cited; I)"]);
        // A non-burstable group and the db.x.large (no backups, no monitoring) bring none of these.
        assert.deepStrictEqual([usage("CPU credits of m7i.large nodes"), usage("database CPU credits (db.x.large)")], [[], []]);
        // The KMS requests of the sso layer's key (one line per layer, no quantity: "0 x" would be a made-up number).
        assert.ok(renderCost(lines, { stack: "t", region: "xx-test-1", table: TABLE }).includes("\n    sso:Sso: KMS requests: per 10,000 API requests"));
        // The builder's node of its own: by hand, the only priced type its pool admits (m7i.large, 0.10 x 730 = 73) and
        // its node class's 50 GiB root x 0.08 = 4: 77 a month, next to the tenant's $1.00 at rest, not in any total.
        const builder = lines.find((l) => l.item === "pods at rest: tenant-team-x-builder");
        assert.strictEqual(builder?.reference?.monthly, 77);
        const s = summarize(lines);
        assert.deepStrictEqual([[...s.byTenant], [...s.byTenantNodes]], [[["team-x", 1]], [["team-x", 77]]]);
        assert.match(renderCost(lines, { stack: "t", region: "xx-test-1", table: TABLE }), /\n {4}team-x +\$1\.00 {2}\+ its own nodes \$77\.00 = \$78\.00 \(reference price, below\)\n/);
    });

    it("prices a NAT instance by hand: its hour, its root volume and its address, with no per-GB processing line", () => {
        const table: PriceTable = { ...TABLE, regions: { "xx-test-1": { ...TABLE.regions["xx-test-1"], ec2Hour: { ...TABLE.regions["xx-test-1"].ec2Hour, "t4g.nano": { usd: 0.0046, source: "i" } } } } };
        const plan = {
            resources: [
                res(P, "platform:platform:Platform"),
                res("net", "platform:network:Network", {}, { parent: P }),
                res("nat-instance", "platform:network:NatInstance", {}, { parent: "net" }),
                res("vm", "aws:ec2/instance:Instance", { instanceType: "t4g.nano", rootBlockDevice: { volumeType: "gp3", volumeSize: 4, encrypted: true } }, { parent: "nat-instance" }),
                res("vm-eip", "aws:ec2/eip:Eip", { domain: "vpc", networkInterface: "eni" }, { parent: "nat-instance" }),
            ],
        };
        const lines = costLines(plan, "xx-test-1", table);
        // By hand: 0.0046 x 730 = 3.358; 4 GiB x 0.08 = 0.32; 0.005 x 730 = 3.65. Together 7.328, all in the network layer.
        assert.deepStrictEqual(
            lines.filter((l) => l.kind === "priced").map((l) => [l.layer, l.item, l.quantity, Math.round(l.monthly! * 1e6) / 1e6, l.status]),
            [
                ["network:Network", "instance t4g.nano", 1, 3.358, "I"],
                ["network:Network", "instance root volume", 4, 0.32, "V"],
                ["network:Network", "public IPv4", 1, 3.65, "V"],
            ],
        );
        assert.ok(Math.abs(summarize(lines).total - 7.328) < 1e-9);
        assert.deepStrictEqual(lines.filter((l) => l.kind === "usage").map((l) => l.item), ["CPU credits of the t4g.nano instance", "NAT instance traffic"]);
        assert.match(lines.find((l) => l.item === "NAT instance traffic")!.detail, /no per-GB processing charge/);
        // Without a size the root volume is the AMI's: reported missing, never guessed.
        const sizeless = { resources: plan.resources.map((r) => (r.urn === "vm" ? { ...r, inputs: { instanceType: "t4g.nano" } } : r)) };
        assert.deepStrictEqual(costLines(sizeless, "xx-test-1", table).filter((l) => l.kind === "missing").map((l) => l.item), ["instance root volume"]);
    });

    it("picks the cheapest priced instance type a NodePool's requirements admit", () => {
        const ec2 = { "m7i.large": { usd: 0.11, source: "t" }, "c7g.large": { usd: 0.07, source: "t" }, "t4g.medium": { usd: 0.03, source: "t" }, "r6i.large": { usd: 0.12, source: "t" }, "c5.large": { usd: 0.09, source: "t" } };
        const req = (key: string, operator: string, values: string[]) => ({ key, operator, values });
        // amd64, c or m: c7g is arm64, t4g neither c nor m; c5 (0.09) is cheaper than m7i (0.11) ...
        assert.strictEqual(cheapestAdmitted(ec2, [req("kubernetes.io/arch", "In", ["amd64"]), req("karpenter.k8s.aws/instance-category", "In", ["c", "m"])]), "c5.large");
        // ... unless the pool wants a generation above 5.
        assert.strictEqual(cheapestAdmitted(ec2, [req("kubernetes.io/arch", "In", ["amd64"]), req("karpenter.k8s.aws/instance-category", "In", ["c", "m"]), req("karpenter.k8s.aws/instance-generation", "Gt", ["5"])]), "m7i.large");
        assert.strictEqual(cheapestAdmitted(ec2, [req("kubernetes.io/arch", "In", ["arm64"])]), "t4g.medium");
        assert.strictEqual(cheapestAdmitted(ec2, [req("karpenter.k8s.aws/instance-category", "In", ["x"])]), undefined);
    });

    it("reads the claimed volumes from the pinned charts: Loki's components by deployment mode, the defaults of an unset size", () => {
        const defaults = fixtureChartDefaults();
        const volumes = (values: Record<string, unknown>) => {
            const loki = res("loki", "kubernetes:helm.sh/v3:Release", { chart: "oci://ghcr.io/grafana-community/helm-charts/loki", version: "18.11.0", name: "loki", values }, { parent: "db" });
            return costLines({ resources: [...syntheticPlan().resources, loki] }, "xx-test-1", TABLE, defaults)
                .filter((l) => l.item === "volumes of loki")
                .map((l) => [l.quantity, l.detail.split(" at ")[0]]);
        };
        // loki 18.11.0 (values.yaml and templates/_workload.tpl, _helpers.tpl): Distributed renders the ingester, whose
        // persistence.claims default to [{name: data, size: 10Gi}], and not write, although write's defaults (3 replicas,
        // volumeClaimsEnabled, 10Gi) are left as they are; the index gateway keeps its persistence off. The compactor's
        // claims already name "data", so its persistence.size (10Gi) adds no second claim.
        assert.deepStrictEqual(volumes({ deploymentMode: "Distributed", ingester: { replicas: 3, persistence: { enabled: true } }, compactor: { replicas: 1, persistence: { enabled: true } } }), [
            [40, "GiB gp3 (3 x 10 GiB ingester data + 1 x 10 GiB compactor data)"],
        ]);
        // Zone-aware (the default): three StatefulSets of ceil(4 / 3) = 2 ingesters each.
        assert.deepStrictEqual(volumes({ deploymentMode: "Distributed", ingester: { replicas: 4, persistence: { enabled: true } } }), [[60, "GiB gp3 (6 x 10 GiB ingester data)"]]);
        // SimpleScalable: write and backend claim by volumeClaimsEnabled (backend's `enabled: false` does not turn it
        // off: the chart reads `or volumeClaimsEnabled enabled`), each a data claim of persistence.size.
        assert.deepStrictEqual(volumes({ deploymentMode: "SimpleScalable" }), [[60, "GiB gp3 (3 x 10 GiB write data + 3 x 10 GiB backend data)"]]);
        // Monolithic (the chart's default mode): the single binary's "storage" claim; the ingester's values render nothing.
        assert.deepStrictEqual(volumes({ singleBinary: { replicas: 1 }, ingester: { replicas: 3, persistence: { enabled: true } } }), [[10, "GiB gp3 (1 x 10 GiB singleBinary storage)"]]);
        // Distributed without object storage renders no component at all.
        assert.deepStrictEqual(volumes({ deploymentMode: "Distributed", loki: { storage: { type: "filesystem" } }, ingester: { replicas: 3, persistence: { enabled: true } } }), []);
        assert.deepStrictEqual([gibOf("200Gi"), gibOf("512Mi"), gibOf("1Ti"), gibOf("10G")], [200, 0.5, 1024, undefined]);
    });

    it("keeps a dated table whose every price names a source", () => {
        const table = readPriceTable();
        assert.match(table.date, /^\d{4}-\d{2}-\d{2}$/);
        const prices: { usd: number; source: string }[] = [];
        const walk = (v: unknown) => {
            if (v && typeof v === "object") {
                if ("usd" in v && "source" in v) prices.push(v as { usd: number; source: string });
                else Object.values(v).forEach(walk);
            }
        };
        walk(table.regions);
        assert.ok(prices.length >= 15, String(prices.length));
        for (const p of prices) assert.ok(p.usd > 0 && p.source in table.sources, JSON.stringify(p));
        // Every source says how firm it is.
        for (const [key, src] of Object.entries(table.sources)) assert.ok(["V", "S", "I"].includes(src.status) && src.text.length > 20, key);
        assert.ok(Object.keys(table.regions).includes("eu-west-1"));
    });
});

/** The cost table row of a stack in docs/operations.md: platform floor and one more tenant. */
const operationsRow = (stack: string) =>
    new RegExp(`\\| ${stack} \\(eu-west-1\\) \\| \\$([\\d,.]+) \\| \\$([\\d,.]+) \\| \\$([\\d,.]+) / \\$([\\d,.]+) / \\$([\\d,.]+) \\|`).exec(fs.readFileSync(path.join(PROJECT_DIR, "docs", "operations.md"), "utf8"));
/** The same two figures in the README's cost table, and one more CI tenant's (with its builder's own node). */
const readmeRow = (stack: string) =>
    new RegExp(`\\| ${stack} \\| \\$([\\d,.]+) \\| \\$([\\d,.]+) \\| \\$([\\d,.]+) \\|`).exec(fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8"));
const dollars = (n: number) => n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

describe("plan --cost: both stacks @stack", function () {
    this.timeout(60000);
    it("prices every fixed line of dev and prod (hand-checked), prod within its goal, as docs/operations.md and the README say", async () => {
        const table = readPriceTable();
        const defaults = fixtureChartDefaults();
        const dev = await committedPlan("dev");
        const prod = await committedPlan("prod");
        assert.deepStrictEqual([planRegion(dev), planRegion(prod)], ["eu-west-1", "eu-west-1"]);
        const devLines = costLines(dev, "eu-west-1", table, defaults);
        const prodLines = costLines(prod, "eu-west-1", table, defaults);
        // dev: EKS 73.00; 2 System t4g.large 0.0736 x 730 = 107.456 (no untainted group: the platform's pods are on them);
        // roots 2 x 20 GiB x 0.088 = 3.52; one NAT instance t4g.nano 0.0046 x 730 = 3.358, its 4 GiB root x 0.088 = 0.352
        // and its IP 3.65; the NLB 0.0252 x 730 = 18.396 and its 2 addresses 7.30; db.t4g.micro 0.017 x 730 = 12.41 and
        // 20 GiB x 0.127 = 2.54; 8 keys 8.00 (the NAT instances' root-volume key among them); 3 secrets 1.20 (Vault's
        // bootstrap, the two admin passwords); the hosted zone 0.50; the charts' 66 GiB (Prometheus 20, Alertmanager 1, Grafana 5, Loki 10, Tempo 10, Vault 10 +
        // 10) x 0.088 = 5.808.
        const devFloor = 73 + 107.456 + 3.52 + 3.358 + 0.352 + 3.65 + 18.396 + 7.3 + 12.41 + 2.54 + 8 + 1.2 + 0.5 + 5.808;
        // prod: EKS 73.00; 3 System m7g.2xlarge 0.3638 x 730 = 796.722, no workers; roots 3 x 50 = 150 GiB x 0.088 =
        // 13.20; 3 NATs 105.12 and 3 IPs 10.95; the NLB 18.396 and its 3 addresses 10.95; db.t4g.small Multi-AZ 0.069 x
        // 730 = 50.37 and 50 GiB x 0.254 = 12.70; 9 keys 9.00; 5 secrets 2.00 (also the two admin passwords); the charts' 560 GiB (Prometheus 2 x 200,
        // Alertmanager 2 x 5, Grafana 10, Loki 3 x 20, Tempo 20, Vault 3 x (10 + 10)) x 0.088 = 49.28. No interface endpoint.
        const prodFloor = 73 + 796.722 + 13.2 + 105.12 + 10.95 + 18.396 + 10.95 + 50.37 + 12.7 + 9 + 2.0 + 49.28;
        const [d, p] = [summarize(devLines), summarize(prodLines)];
        assert.ok(Math.abs(d.total - devFloor) < 1e-6, `dev ${d.total} != ${devFloor}`);
        assert.ok(Math.abs(p.total - prodFloor) < 1e-6, `prod ${p.total} != ${prodFloor}`);
        // Nothing fixed is left without a price; both goals hold (dev $250 with every layer on, prod $1,600).
        assert.deepStrictEqual([d.missing, p.missing], [0, 0]);
        assert.ok(d.total <= 250, `${d.total}`);
        assert.ok(p.total <= 1600, `${p.total}`);
        // A CI job holds a node of its own only while it runs; an idle runner kept ready (prod's team-a: minRunners 1)
        // holds one all month: by hand, m7i.large on demand 0.11235 x 730 = 82.0155 and its 50 GiB root x 0.088 = 4.40
        // (the builders' pool admits amd64 m7i; the table prices no c7i or m7a). Dev keeps none (minRunners 0).
        assert.deepStrictEqual([...d.byTenantNodes], []);
        assert.deepStrictEqual([...p.byTenantNodes].map(([t, v]) => [t, Math.round(v * 1e4) / 1e4]), [["team-a", 86.4155]]);
        // A tenant at rest: in dev nothing priced (keyless signatures; registry, bucket, runners and builder are usage);
        // in prod its signing key, one KMS key at $1.00 a month (TenantKmsKeys), for each tenant with a repository.
        assert.deepStrictEqual([...d.byTenant].filter(([, v]) => v !== 0), []);
        assert.deepStrictEqual([...p.byTenant].sort(), [["payments", 1], ["team-a", 1]]);
        assert.ok(prodLines.some((l) => l.tenant === "team-a" && l.kind === "usage" && l.item.startsWith("runners at rest")));
        // docs/operations.md and the README quote what --cost prints.
        for (const [stack, s] of [["dev", d], ["prod", p]] as const) {
            const tenant = stack === "prod" ? "1.00" : "0.00";
            assert.deepStrictEqual(operationsRow(stack)?.slice(1), [dollars(s.total), tenant, dollars(s.byStatus.V), dollars(s.byStatus.S), dollars(s.byStatus.I)], stack);
            const ci = dollars((s.byTenant.get("team-a") ?? NaN) + (s.byTenantNodes.get("team-a") ?? 0));
            assert.deepStrictEqual(readmeRow(stack)?.slice(1), [dollars(s.total), tenant, ci], `README ${stack}`);
        }
        assert.ok(prodLines.some((l) => l.kind === "usage" && l.item.startsWith("Karpenter nodes")));
    });

    it("prices the tenant stacks of the stack file as --set leaves it: an added tenant has its line, a dropped one none", async () => {
        const tenants = { placement: "OwnStacks", list: [{ name: "team-a", owners: ["alice"], costCentre: "CC-A", ecrRepository: true }, { name: "team-z", owners: ["zoe"], costCentre: "CC-Z", ecrRepository: true }] };
        const run = await runPlanCli("--stack", "prod", "--cost", "--set", `platform:tenants=${JSON.stringify(tenants)}`);
        assert.strictEqual(run.status, 0, run.stderr);
        const atRest = run.stdout.slice(run.stdout.indexOf("Tenants at rest"));
        // team-z's signing key (TenantKmsKeys), planned in its own stack; payments, not in the overridden list, has no line.
        assert.match(atRest, /^ {4}team-z +\$1\.00$/m);
        assert.match(atRest, /^ {4}team-a +\$1\.00$/m);
        assert.doesNotMatch(atRest, /payments/);
    });
});
