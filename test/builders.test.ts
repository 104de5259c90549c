// Tenants' image builders: their certificates' lifetimes, their CA's approvals (decided by an approver-policy
// evaluator), the whole-platform rule keeping unconfined workloads apart, and what the cost report says of them.
import * as assert from "assert";
import type { PlannedResource } from "../plan/engine";
import { checkPolicies } from "../plan/policy-runner";
import { costLines, readPriceTable } from "../plan/cost";
import { builderCertificateLifetimes } from "../components/delivery/ci";
import { builderCaPolicySpecs } from "../components/ingress/certificate-policy";
import { openBuildkitListener, unconfinedWorkloadsIsolatedPolicy } from "../policy/rules/builders";
import { approverApproves } from "./tenant-attacks";
import { committedPlan } from "./plans";

describe("builders: the server certificate outlives every builder that loaded it", () => {
    // A builder restarts at the latest when its node expires and is drained: renew that long, and a day, before expiry.
    const table: [string, string, string, { duration: string; renewBefore: string }][] = [
        ["production's nodes (720h, 2h drain)", "720h", "2h", { duration: "2160h", renewBefore: "746h" }],
        ["dev's nodes (336h, 1h drain)", "336h", "1h", { duration: "2160h", renewBefore: "361h" }],
        ["a drain in minutes rounds up to the hour", "24h", "90m", { duration: "2160h", renewBefore: "50h" }],
        ["long-lived nodes lengthen the certificate to twice the renewal", "2160h", "2h", { duration: "4372h", renewBefore: "2186h" }],
    ];
    for (const [what, expireAfter, terminationGracePeriod, want] of table) it(what, () => assert.deepStrictEqual(builderCertificateLifetimes({ expireAfter, terminationGracePeriod }), want));
});

describe("builders: a tenant's CA approves its builder's and its runners' certificates, from their namespaces only", () => {
    const specs = builderCaPolicySpecs("builds-team-a", {
        caNamespace: "cert-manager",
        rootIssuer: "builder-ca-root",
        caCommonName: "builds-team-a",
        caIssuer: "builds-team-a",
        server: { namespace: "team-a-builds", dnsNames: ["buildkitd.team-a-builds.svc"], usages: ["digital signature", "key encipherment", "server auth"] },
        client: { namespace: "team-a-ci", commonName: "team-a-ci", usages: ["digital signature", "key encipherment", "client auth"] },
    });
    const policies = [specs.ca, specs.server, specs.client].map((p) => p.spec);
    const ca = { group: "cert-manager.io", kind: "ClusterIssuer", name: "builds-team-a" };
    const SERVER = ["digital signature", "key encipherment", "server auth"];
    const CLIENT = ["digital signature", "key encipherment", "client auth"];
    const table: [string, Parameters<typeof approverApproves>[1], boolean][] = [
        ["the builder's certificate, in the build namespace", { namespace: "team-a-builds", issuerRef: ca, dnsNames: ["buildkitd.team-a-builds.svc"], usages: SERVER }, true],
        ["the runners' certificate, in the CI namespace", { namespace: "team-a-ci", issuerRef: ca, commonName: "team-a-ci", usages: CLIENT }, true],
        ["the CA certificate, from the root issuer in cert-manager's namespace", { namespace: "cert-manager", issuerRef: { group: "cert-manager.io", kind: "Issuer", name: "builder-ca-root" }, commonName: "builds-team-a", usages: ["digital signature", "key encipherment", "cert sign"], isCA: true }, true],
        ["a client certificate in the tenant's own namespace", { namespace: "team-a", issuerRef: ca, commonName: "team-a-ci", usages: CLIENT }, false],
        ["a client certificate in another tenant's namespace", { namespace: "payments", issuerRef: ca, commonName: "team-a-ci", usages: CLIENT }, false],
        ["a client certificate in the build namespace (the server's)", { namespace: "team-a-builds", issuerRef: ca, commonName: "team-a-ci", usages: CLIENT }, false],
        ["another common name in the CI namespace", { namespace: "team-a-ci", issuerRef: ca, commonName: "admin", usages: CLIENT }, false],
        ["a client certificate with DNS names", { namespace: "team-a-ci", issuerRef: ca, commonName: "team-a-ci", dnsNames: ["evil.example"], usages: CLIENT }, false],
        ["a CA from the CI namespace", { namespace: "team-a-ci", issuerRef: ca, commonName: "team-a-ci", usages: CLIENT, isCA: true }, false],
        ["a server certificate for another name", { namespace: "team-a-builds", issuerRef: ca, dnsNames: ["kubernetes.default.svc"], usages: SERVER }, false],
        ["another CA certificate from the root issuer", { namespace: "cert-manager", issuerRef: { group: "cert-manager.io", kind: "Issuer", name: "builder-ca-root" }, commonName: "builds-payments", usages: ["digital signature", "key encipherment", "cert sign"], isCA: true }, false],
    ];
    for (const [what, request, want] of table) it(`${want ? "approves" : "denies"} ${what}`, () => assert.strictEqual(approverApproves(policies, request), want));
});

describe("policy: unconfined workloads isolated", () => {
    const res = (type: string, name: string, inputs: Record<string, unknown>): PlannedResource => {
        const urn = `urn:pulumi:t::p::${type}::${name}`;
        return { urn, key: urn, type, name, custom: true, protect: false, retainOnDelete: false, deleteBeforeReplace: false, dependsOn: [], dependencies: [], ignoreChanges: [], aliases: [], inputs, secretPaths: [] };
    };
    const pool = (name: string, taints: object[]) => res("kubernetes:karpenter.sh/v1:NodePool", name, { metadata: { name }, spec: { template: { spec: { taints } } } });
    const TAINT = { key: "platform.io/builder", value: "true", effect: "NoExecute" };
    const apart = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { a: "b" } }, topologyKey: "kubernetes.io/hostname" }] } };
    const loose = { seccompProfile: { type: "Unconfined" } };
    const deployment = (name: string, pod: Record<string, unknown>, args: string[] = []) =>
        res("kubernetes:apps/v1:Deployment", name, { spec: { template: { spec: { containers: [{ name: "c", image: "i:1", args }], ...pod } } } });
    const run = async (...resources: PlannedResource[]) => (await checkPolicies({ resources }, [unconfinedWorkloadsIsolatedPolicy])).map((v) => v.message);

    it("accepts a confined workload anywhere, and an unconfined one on a NoExecute pool it tolerates, kept apart by hostname", async () => {
        const ok = { nodeSelector: { "karpenter.sh/nodepool": "builders" }, tolerations: [{ key: "platform.io/builder", operator: "Equal", value: "true", effect: "NoExecute" }], affinity: apart };
        assert.deepStrictEqual(await run(pool("builders", [TAINT]), deployment("plain", {}), deployment("builder", { ...ok, containers: [{ name: "c", image: "i:1", securityContext: loose }] })), []);
    });
    it("refuses an unconfined workload off a pool, on an untainted or untolerated pool, or without anti-affinity", async () => {
        const c = [{ name: "c", image: "i:1", securityContext: { appArmorProfile: { type: "Unconfined" } } }];
        const v = await run(
            pool("builders", [TAINT]),
            pool("default", []),
            deployment("nowhere", { securityContext: loose, affinity: apart }),
            deployment("shared", { securityContext: loose, nodeSelector: { "karpenter.sh/nodepool": "default" }, affinity: apart }),
            deployment("untolerated", { containers: c, nodeSelector: { "karpenter.sh/nodepool": "builders" }, affinity: apart }),
            deployment("together", { securityContext: loose, nodeSelector: { "karpenter.sh/nodepool": "builders" }, tolerations: [{ operator: "Exists" }] }),
        );
        assert.deepStrictEqual(v, [
            "nowhere: unconfined, and not pinned to a NodePool of the plan (nodeSelector karpenter.sh/nodepool)",
            "shared: unconfined, on NodePool default, which has no NoExecute taint it tolerates (other pods would share its nodes)",
            "untolerated: unconfined, on NodePool builders, which has no NoExecute taint it tolerates (other pods would share its nodes)",
            "together: unconfined, without required pod anti-affinity by kubernetes.io/hostname (another tenant's pod could share its node)",
        ]);
    });
    it("refuses buildkitd on TCP without --tlscacert, and accepts it with it or on a unix socket only", async () => {
        const table: [string[], boolean][] = [
            [["--addr", "tcp://0.0.0.0:1234"], true],
            [["--addr=tcp://0.0.0.0:1234", "--tlscert", "/c/tls.crt", "--tlskey", "/c/tls.key"], true],
            [["--addr", "tcp://0.0.0.0:1234", "--tlscacert", "/c/ca.crt"], false],
            [["--addr", "tcp://0.0.0.0:1234", "--tlscacert=/c/ca.crt"], false],
            [["--addr", "unix:///run/buildkit.sock"], false],
        ];
        assert.deepStrictEqual(table.map(([args]) => [args, openBuildkitListener(args)]), table);
        assert.deepStrictEqual(await run(deployment("open", {}, ["--addr", "tcp://0.0.0.0:1234"])), ["open: buildkitd listens on TCP without --tlscacert (any client may build)"]);
    });
});

describe("builders in the cost report @stack", function () {
    this.timeout(120000);
    it("adds no fixed line: the builders' pool is usage, and each builder at rest holds a node of its own", async () => {
        const plan = await committedPlan("prod");
        const lines = costLines(plan, "eu-west-1", readPriceTable());
        const pool = lines.filter((l) => l.item === "Karpenter nodes (builders)");
        assert.deepStrictEqual(pool.map((l) => [l.kind, l.detail]), [["usage", "on demand: nodes only for pods that tolerate its taint platform.io/builder:NoExecute; what they hold at rest is listed with them (pods at rest)"]]);
        const builders = lines.filter((l) => /^pods at rest: tenant-.+-delivery-builder$/.test(l.item));
        assert.deepStrictEqual(
            builders.map((l) => [l.tenant, l.kind, l.detail]),
            ["team-a", "payments"].map((t) => [t, "usage", "1 x pod requesting 1 CPU / 2Gi each on a Karpenter node of its own (NodePool builders), instance chosen at launch"]),
        );
    });
});
