// Each CI job's image builder: the whole-platform rule keeping unconfined workloads apart (one to a node, on a
// tainted pool), buildkitd's listener, and what the cost report says of the jobs' nodes.
import * as assert from "assert";
import type { PlannedResource } from "../plan/engine";
import { checkPolicies } from "../plan/policy-runner";
import { costLines, readPriceTable } from "../plan/cost";
import { openBuildkitListener, unconfinedWorkloadsIsolatedPolicy } from "../policy/rules/builders";
import { committedPlan } from "./plans";

describe("policy: unconfined workloads isolated", () => {
    const res = (type: string, name: string, inputs: Record<string, unknown>): PlannedResource => {
        const urn = `urn:pulumi:t::p::${type}::${name}`;
        return { urn, key: urn, type, name, custom: true, protect: false, retainOnDelete: false, deleteBeforeReplace: false, dependsOn: [], dependencies: [], ignoreChanges: [], aliases: [], inputs, secretPaths: [] };
    };
    const pool = (name: string, taints: object[]) => res("kubernetes:karpenter.sh/v1:NodePool", name, { metadata: { name }, spec: { template: { spec: { taints } } } });
    const TAINT = { key: "platform.io/builder", value: "true", effect: "NoExecute" };
    const apart = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { a: "b" } }, topologyKey: "kubernetes.io/hostname" }] } };
    const loose = { seccompProfile: { type: "Unconfined" } };
    const deployment = (name: string, pod: Record<string, unknown>, args: string[] = [], labels: Record<string, string> = { a: "b" }) =>
        res("kubernetes:apps/v1:Deployment", name, { spec: { template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "i:1", args }], ...pod } } } });
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
            // Kept apart from pods labelled a=b, but labelled otherwise: two of these share a node.
            deployment("other-kind", { securityContext: loose, nodeSelector: { "karpenter.sh/nodepool": "builders" }, tolerations: [{ operator: "Exists" }], affinity: apart }, [], { a: "c" }),
        );
        assert.deepStrictEqual(v, [
            "nowhere: unconfined, and not pinned to a NodePool of the plan (nodeSelector karpenter.sh/nodepool)",
            "shared: unconfined, on NodePool default, which has no NoExecute taint it tolerates (other pods would share its nodes)",
            "untolerated: unconfined, on NodePool builders, which has no NoExecute taint it tolerates (other pods would share its nodes)",
            "together: unconfined, without a required pod anti-affinity by kubernetes.io/hostname selecting its own labels (another job's pod could share its node)",
            "other-kind: unconfined, without a required pod anti-affinity by kubernetes.io/hostname selecting its own labels (another job's pod could share its node)",
        ]);
    });
    it("reads a runner scale set's pod template: its unconfined builder sidecar is held to the same rules", async () => {
        const runners = (name: string, spec: Record<string, unknown>) =>
            res("kubernetes:helm.sh/v3:Release", name, {
                chart: "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set",
                values: { template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "runner", image: "r:1" }], initContainers: [{ name: "buildkitd", image: "b:1", restartPolicy: "Always", securityContext: loose }], ...spec } } },
            });
        const ok = { nodeSelector: { "karpenter.sh/nodepool": "builders" }, tolerations: [{ key: "platform.io/builder", operator: "Equal", value: "true", effect: "NoExecute" }], affinity: apart };
        assert.deepStrictEqual(await run(pool("builders", [TAINT]), runners("isolated", ok)), []);
        assert.deepStrictEqual(await run(pool("builders", [TAINT]), runners("loose", {})), ["loose: unconfined, and not pinned to a NodePool of the plan (nodeSelector karpenter.sh/nodepool)", "loose: unconfined, without a required pod anti-affinity by kubernetes.io/hostname selecting its own labels (another job's pod could share its node)"]);
    });
    it("refuses buildkitd on TCP beyond the pod's loopback without --tlscacert, and accepts it with it, on the loopback or on a unix socket only", async () => {
        const table: [string[], boolean][] = [
            [["--addr", "tcp://0.0.0.0:1234"], true],
            [["--addr", "unix:///run/buildkit.sock", "--addr", "tcp://10.0.0.7:1234"], true],
            [["--addr", "tcp://127.0.0.1:1234"], false],
            [["--addr=tcp://127.0.0.1:1234", "--addr", "unix:///run/buildkit.sock"], false],
            [["--addr", "tcp://127.0.0.1.example:1234"], true],
            [["--addr=tcp://0.0.0.0:1234", "--tlscert", "/c/tls.crt", "--tlskey", "/c/tls.key"], true],
            [["--addr", "tcp://0.0.0.0:1234", "--tlscacert", "/c/ca.crt"], false],
            [["--addr", "tcp://0.0.0.0:1234", "--tlscacert=/c/ca.crt"], false],
            [["--addr", "unix:///run/buildkit.sock"], false],
        ];
        assert.deepStrictEqual(table.map(([args]) => [args, openBuildkitListener(args)]), table);
        assert.deepStrictEqual(await run(deployment("open", {}, ["--addr", "tcp://0.0.0.0:1234"])), ["open: buildkitd listens on TCP beyond the pod's loopback without --tlscacert (any client may build)"]);
    });
});

describe("builders in the cost report @stack", function () {
    this.timeout(120000);
    it("adds no fixed line: the builders' pool is usage, each job a node of its own while it runs, an idle runner one at rest", async () => {
        const plan = await committedPlan("prod");
        const lines = costLines(plan, "eu-west-1", readPriceTable());
        const pool = lines.filter((l) => l.item === "Karpenter nodes (builders)");
        assert.deepStrictEqual(pool.map((l) => [l.kind, l.detail]), [["usage", "on demand: nodes only for pods that tolerate its taint platform.io/builder:NoExecute; what they hold at rest is listed with them (pods at rest)"]]);
        // No builder outlives its job: nothing at rest but the runners a tenant keeps idle (prod's team-a keeps one).
        assert.deepStrictEqual(lines.filter((l) => /builder/.test(l.item) && l.item !== "Karpenter nodes (builders)"), []);
        const runners = lines.filter((l) => /^runners( at rest)?: /.test(l.item));
        assert.deepStrictEqual(
            runners.map((l) => [l.tenant, l.kind, l.item, l.detail]),
            [
                ["team-a", "usage", "runners at rest: team-a-runners", "minRunners 1 x pod requesting 1 CPU / 2Gi + 500m CPU / 1Gi each on a Karpenter node of its own (NodePool builders), instance chosen at launch"],
                ["payments", "usage", "runners: payments-runners", "none at rest (minRunners 0); while a job runs, 1 x pod requesting 1 CPU / 2Gi + 500m CPU / 1Gi each on a Karpenter node of its own (NodePool builders), instance chosen at launch"],
            ],
        );
    });
});
