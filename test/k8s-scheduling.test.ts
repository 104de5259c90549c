// The placement evaluator (test/k8s-scheduling.ts) against Kubernetes' documented semantics ("Taints and
// Tolerations", "Assigning Pods to Nodes"; the kubelet's admission in pkg/kubelet/lifecycle/predicate.go); then the
// runner pods (each job with its builder), placed by it.
import * as assert from "assert";
import { antiAffinityAllows, kubeletAdmits, Node, Pod, runsOn, schedulerPlaces, Taint, toleratesTaint } from "./k8s-scheduling";
import { scaleSetValues } from "../components/delivery/ci";
import { alloyValues } from "../components/observability/collector-values";
import { tenantSchema } from "../stacks/schema-tenants";
import { appDeliverySchema } from "../stacks/schema-delivery";

const NO_EXECUTE: Taint = { key: "dedicated", value: "b", effect: "NoExecute" };
const NO_SCHEDULE: Taint = { key: "dedicated", value: "b", effect: "NoSchedule" };
const node = (taints: Taint[], labels: Record<string, string> = {}): Node => ({ name: "n1", labels: { "kubernetes.io/hostname": "n1", ...labels }, taints });
const pod = (spec: Pod["spec"], namespace = "ns", labels: Record<string, string> = {}): Pod => ({ namespace, labels, spec });
const nobody = { namespaces: new Map<string, Record<string, string>>(), podsOn: () => [] };

describe("tolerations, as Toleration.ToleratesTaint decides", () => {
    const table: [string, Parameters<typeof toleratesTaint>[0], boolean][] = [
        ["key, Equal, value and effect", { key: "dedicated", operator: "Equal", value: "b", effect: "NoExecute" }, true],
        ["Equal is the default operator", { key: "dedicated", value: "b" }, true],
        ["another value", { key: "dedicated", operator: "Equal", value: "c" }, false],
        ["Exists ignores the value", { key: "dedicated", operator: "Exists" }, true],
        ["another effect", { key: "dedicated", operator: "Exists", effect: "NoSchedule" }, false],
        ["an empty key with Exists tolerates everything", { operator: "Exists" }, true],
        ["another key", { key: "other", operator: "Exists" }, false],
    ];
    for (const [what, t, want] of table) it(what, () => assert.strictEqual(toleratesTaint(t, NO_EXECUTE), want));
});

describe("placement, as the scheduler and the kubelet decide it", () => {
    it("the scheduler keeps untolerated NoSchedule and NoExecute taints' nodes out, PreferNoSchedule only discourages", () => {
        assert.strictEqual(schedulerPlaces(pod({}), node([NO_SCHEDULE]), nobody), false);
        assert.strictEqual(schedulerPlaces(pod({}), node([NO_EXECUTE]), nobody), false);
        assert.strictEqual(schedulerPlaces(pod({}), node([{ key: "k", effect: "PreferNoSchedule" }]), nobody), true);
        assert.strictEqual(schedulerPlaces(pod({ tolerations: [{ key: "dedicated", operator: "Exists" }] }), node([NO_SCHEDULE, NO_EXECUTE]), nobody), true);
    });
    it("a pod bound by name skips the scheduler: the kubelet checks NoExecute taints, not NoSchedule, and still node affinity", () => {
        assert.strictEqual(runsOn(pod({ nodeName: "n1" }), node([NO_SCHEDULE]), nobody), true);
        assert.strictEqual(runsOn(pod({ nodeName: "n1" }), node([NO_EXECUTE]), nobody), false);
        assert.strictEqual(kubeletAdmits(pod({ nodeName: "n1", nodeSelector: { zone: "a" } }), node([])), false);
        assert.strictEqual(runsOn(pod({ nodeName: "n2" }), node([]), nobody), false);
    });
    it("node affinity: every nodeSelector label, one required term with all its expressions", () => {
        const labelled = node([], { pool: "builders", gen: "7" });
        const term = (e: object[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: e as any }] } } } });
        assert.strictEqual(schedulerPlaces(pod({ nodeSelector: { pool: "builders" } }), labelled, nobody), true);
        assert.strictEqual(schedulerPlaces(pod({ nodeSelector: { pool: "default" } }), labelled, nobody), false);
        assert.strictEqual(schedulerPlaces(pod(term([{ key: "pool", operator: "In", values: ["builders"] }, { key: "gen", operator: "Gt", values: ["5"] }])), labelled, nobody), true);
        assert.strictEqual(schedulerPlaces(pod(term([{ key: "pool", operator: "NotIn", values: ["builders"] }])), labelled, nobody), false);
        assert.strictEqual(schedulerPlaces(pod(term([{ key: "missing", operator: "DoesNotExist" }])), labelled, nobody), true);
    });
    it("required anti-affinity holds both ways; a term without namespaces is the pod's own namespace, an empty selector all", () => {
        const namespaces = new Map([
            ["a", { "kubernetes.io/metadata.name": "a", role: "builder", tenant: "a" }],
            ["b", { "kubernetes.io/metadata.name": "b", role: "builder", tenant: "b" }],
        ]);
        const away = (term: object): Pod["spec"] => ({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "x" } }, topologyKey: "kubernetes.io/hostname", ...term }] } } });
        const existing = pod({}, "b", { app: "x" });
        const on = { namespaces, podsOn: () => [existing] };
        assert.strictEqual(antiAffinityAllows(pod(away({}), "a"), node([]), on), true, "own namespace only");
        assert.strictEqual(antiAffinityAllows(pod(away({ namespaceSelector: {} }), "a"), node([]), on), false, "every namespace");
        assert.strictEqual(antiAffinityAllows(pod(away({ namespaceSelector: { matchExpressions: [{ key: "tenant", operator: "NotIn", values: ["a"] }] } }), "a"), node([]), on), false);
        assert.strictEqual(antiAffinityAllows(pod(away({ namespaces: ["b"] }), "a"), node([]), on), false);
        // The existing pod's term keeps the newcomer out too.
        const guarded = { namespaces, podsOn: () => [pod(away({ namespaceSelector: {} }), "b", { app: "y" })] };
        assert.strictEqual(antiAffinityAllows(pod({}, "a", { app: "x" }), node([]), guarded), false);
        assert.strictEqual(antiAffinityAllows(pod({}, "a", { app: "z" }), node([]), guarded), true);
    });
});

describe("the runner pods (each job and its builder), placed", () => {
    const builder = appDeliverySchema.shape.builder.parse({ image: "moby/buildkit:v0.32.2-rootless" });
    const jobPod = (tenant: string): Pod => {
        const t = tenantSchema.parse({ name: tenant, owners: ["o"], costCentre: "CC", ci: { enabled: true, githubConfigUrl: "https://github.com/acme", githubApp: { appId: 1, installationId: 2 } } });
        const v = scaleSetValues({ tenant: t, environment: "qa", runnerImage: "ghcr.io/actions/actions-runner:2.336.0", builder, controller: { serviceAccount: "c", namespace: "arc-systems" }, requiredLabels: [] });
        return { namespace: `${tenant}-ci`, labels: v.template.metadata.labels, spec: v.template.spec as Pod["spec"] };
    };
    const namespaces = new Map(
        ["team-a", "team-b"].map((t) => [`${t}-ci`, { "kubernetes.io/metadata.name": `${t}-ci`, "platform.io/namespace-role": "ci", "platform.io/tenant": t }] as const),
    );
    const builderNode: Node = { name: "b1", labels: { "kubernetes.io/hostname": "b1", "karpenter.sh/nodepool": "builders", "platform.io/node-role": "builder" }, taints: [{ key: "platform.io/builder", value: "true", effect: "NoExecute" }] };
    const defaultNode: Node = { name: "d1", labels: { "kubernetes.io/hostname": "d1", "karpenter.sh/nodepool": "default", "platform.io/node-role": "workload" }, taints: [] };
    const empty = { namespaces, podsOn: () => [] };

    it("run on the builders' nodes, never on the default pool's", () => {
        assert.strictEqual(schedulerPlaces(jobPod("team-a"), builderNode, empty), true);
        assert.strictEqual(schedulerPlaces(jobPod("team-a"), defaultNode, empty), false);
    });
    it("never share a node with another job, of another tenant or of their own, either way round", () => {
        assert.strictEqual(schedulerPlaces(jobPod("team-a"), builderNode, { namespaces, podsOn: () => [jobPod("team-b")] }), false);
        assert.strictEqual(schedulerPlaces(jobPod("team-b"), builderNode, { namespaces, podsOn: () => [jobPod("team-a")] }), false);
        assert.strictEqual(schedulerPlaces(jobPod("team-a"), builderNode, { namespaces, podsOn: () => [jobPod("team-a")] }), false);
    });
});

describe("the log agent (Alloy's DaemonSet), placed", () => {
    // alloy 1.11.1 renders controller.tolerations into the DaemonSet's pod; a DaemonSet's pods obey NoSchedule taints.
    const values = alloyValues({ settings: { requests: { cpu: "100m", memory: "256Mi" } }, config: "", kind: "daemonset" });
    const agent: Pod = { namespace: "monitoring", labels: {}, spec: { tolerations: values.controller.tolerations as Pod["spec"]["tolerations"] } };
    const nodes: Node[] = [
        // The System group's taint as EKS sets it (NO_SCHEDULE), where every platform pod runs with platformPods: SystemNodes.
        { name: "s1", labels: { "kubernetes.io/hostname": "s1", "platform.io/node-role": "system" }, taints: [{ key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule" }] },
        { name: "d1", labels: { "kubernetes.io/hostname": "d1", "karpenter.sh/nodepool": "default" }, taints: [] },
        { name: "b1", labels: { "kubernetes.io/hostname": "b1", "karpenter.sh/nodepool": "builders" }, taints: [{ key: "platform.io/builder", value: "true", effect: "NoExecute" }] },
    ];
    it("runs on every kind of node: the System nodes (the platform's pods' logs), the default pool's and the builders'", () => {
        assert.deepStrictEqual(nodes.map((n) => [n.name, schedulerPlaces(agent, n, nobody)]), [["s1", true], ["d1", true], ["b1", true]]);
    });
});
