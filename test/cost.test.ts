import * as assert from "assert";
import type { PlannedResource } from "../plan/engine";
import { costLines, planRegion, PriceTable, readPriceTable, renderCost, summarize } from "../plan/cost";
import { committedPlan } from "./plans";

/** A resource of a synthetic plan: only what the cost reads. */
const res = (urn: string, type: string, inputs: Record<string, unknown> = {}, extra: Partial<PlannedResource> = {}): PlannedResource =>
    ({ urn, key: urn, type, name: urn, custom: !type.startsWith("platform:"), inputs, dependencies: [], dependsOn: [], secretPaths: [], ...extra }) as unknown as PlannedResource;

const P = "platform";
const TABLE: PriceTable = {
    date: "2026-01-01",
    hoursPerMonth: 730,
    sources: { t: "test" },
    regions: {
        "xx-test-1": {
            eksClusterHour: { usd: 0.1, source: "t" },
            natGatewayHour: { usd: 0.05, source: "t" },
            publicIpv4Hour: { usd: 0.005, source: "t" },
            nlbHour: { usd: 0.02, source: "t" },
            interfaceEndpointAzHour: { usd: 0.01, source: "t" },
            ebsGp3GbMonth: { usd: 0.08, source: "t" },
            kmsKeyMonth: { usd: 1, source: "t" },
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
        ],
    };
}

describe("plan --cost: the monthly floor from the dated price table", () => {
    it("adds up a hand-computed case: every priced line is quantity x unit price x 730 h (or per month)", () => {
        const lines = costLines(syntheticPlan(), "xx-test-1", TABLE);
        const monthly = (item: string) => lines.find((l) => l.item === item)?.monthly;
        // By hand: 0.10 x 730; 3 nodes (desired, not min) x 0.10 x 730; 3 x 50 GiB x 0.08; 2 x 0.05 x 730; 2 x 0.005 x 730;
        // 3 AZs x 0.01 x 730; 0.02 x 730; the NLB's 3 addresses x 0.005 x 730; 3 keys x 1; 0.2 x 730; 100 GiB x 0.25.
        const expected: [string, number][] = [
            ["EKS control plane", 73],
            ["nodes m7i.large", 219],
            ["node root volumes", 12],
            ["load balancer IPv4", 10.95],
            ["NAT gateway", 73],
            ["public IPv4", 7.3],
            ["endpoint api", 21.9],
            ["network load balancer", 14.6],
            ["database db.x.large", 146],
            ["database storage", 25],
        ];
        for (const [item, usd] of expected) assert.ok(Math.abs((monthly(item) ?? NaN) - usd) < 1e-9, `${item}: ${monthly(item)} != ${usd}`);
        const s = summarize(lines);
        assert.ok(Math.abs(s.total - 605.75) < 1e-9, String(s.total));
        assert.ok(Math.abs((s.byLayer.get("cluster:Cluster") ?? 0) - (73 + 219 + 12 + 1)) < 1e-9);
        // Spot capacity is priced by the market: listed, not added.
        assert.deepStrictEqual([s.missing, lines.filter((l) => l.kind === "usage").map((l) => l.item).sort()], [0, ["NAT data processing", "load balancer capacity units", "logs logs", "spot nodes m7i.large"]]);
        // The gateway endpoint is free: no line.
        assert.ok(!lines.some((l) => l.item === "endpoint s3"));
    });

    it("says which lines have no price instead of guessing, and leaves them out of the total", () => {
        const { nlbHour: _nlb, ...withoutNlb } = TABLE.regions["xx-test-1"];
        const lines = costLines(syntheticPlan(), "xx-test-1", { ...TABLE, regions: { "xx-test-1": withoutNlb } });
        const s = summarize(lines);
        assert.strictEqual(s.missing, 1);
        assert.ok(Math.abs(s.total - (605.75 - 14.6)) < 1e-9);
        assert.match(renderCost(lines, { stack: "t", region: "xx-test-1", table: TABLE }), /INCOMPLETE: 1 line\(s\) have no price in the table[^]*network load balancer: 1 x NLB \(the gateway's\): no xx-test-1 price in the table \(2026-01-01\)/);
        // An unknown region prices nothing.
        assert.strictEqual(summarize(costLines(syntheticPlan(), "zz-none-9", TABLE)).total, 0);
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
        assert.ok(Object.keys(table.regions).includes("eu-west-1"));
    });
});

describe("plan --cost: both stacks @stack", function () {
    this.timeout(60000);
    it("prices dev's and prod's floor where the table has prices (hand-checked) and names what it lacks", async () => {
        const table = readPriceTable();
        const dev = await committedPlan("dev");
        const prod = await committedPlan("prod");
        assert.deepStrictEqual([planRegion(dev), planRegion(prod)], ["eu-west-1", "eu-west-1"]);
        const devLines = costLines(dev, "eu-west-1", table);
        const prodLines = costLines(prod, "eu-west-1", table);
        // dev: EKS 73.00, one NAT 35.04 and its IP 3.65, 7 keys 7.00, 4 nodes' (2 system, 2 spot workers) 50 GiB roots
        // 17.60, the internet-facing NLB's 2 addresses 7.30.
        assert.ok(Math.abs(summarize(devLines).total - (73 + 35.04 + 3.65 + 7 + 17.6 + 7.3)) < 1e-6, String(summarize(devLines).total));
        // prod: EKS 73.00, 3 NATs 105.12 and 3 IPs 10.95, 9 interface endpoints x 3 AZs 216.81, 11 keys 11.00 (9, and
        // the two tenants' signing keys), 6 nodes' 100 GiB roots 52.80, the NLB's 3 addresses 10.95.
        assert.ok(Math.abs(summarize(prodLines).total - (73 + 105.12 + 10.95 + 216.81 + 11 + 52.8 + 10.95)) < 1e-6, String(summarize(prodLines).total));
        // What the table lacks for eu-west-1 is listed, never guessed: nodes, the database, the load balancer.
        for (const lines of [devLines, prodLines]) {
            const missing = lines.filter((l) => l.kind === "missing").map((l) => l.item);
            assert.ok(missing.includes("network load balancer") && missing.some((m) => m.startsWith("nodes ")) && missing.some((m) => m.startsWith("database ")), missing.join());
        }
        assert.ok(prodLines.some((l) => l.kind === "usage" && l.item === "Karpenter nodes"));
    });
});
