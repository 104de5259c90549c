// The NetworkPolicy evaluator against the API's documented semantics, case by case (each row: the policies, the
// connection, what Kubernetes does).
import * as assert from "assert";
import { NetworkPolicy, NetworkState, Pod, reaches, Source, inCidr, policyTypes } from "./network-reach";

const ns = (name: string, labels: Record<string, string> = {}) => [name, { ...labels, "kubernetes.io/metadata.name": name }] as const;
const db: Pod = { namespace: "data", name: "db", labels: { app: "db" }, ports: [{ name: "pg", port: 5432 }, { port: 9000 }], ip: "10.0.1.5" };
const web: Pod = { namespace: "front", name: "web", labels: { app: "web" }, ports: [{ port: 80 }], ip: "10.0.2.7" };
const other: Pod = { namespace: "data", name: "other", labels: { app: "other" }, ports: [], ip: "10.0.1.9" };
const state = (...policies: NetworkPolicy[]): NetworkState => ({ policies, namespaces: new Map([ns("data", { team: "d" }), ns("front", { team: "f" })]), pods: [db, web, other] });
const pol = (namespace: string, spec: NetworkPolicy["spec"]): NetworkPolicy => ({ metadata: { name: "p", namespace }, spec });
const denyIn: NetworkPolicy = pol("data", { podSelector: {}, policyTypes: ["Ingress"] });

const CASES: { what: string; s: NetworkState; src: Source; dst: Pod; port: number; want: boolean }[] = [
    { what: "no policy selects the pod: open", s: state(), src: { pod: web }, dst: db, port: 5432, want: true },
    { what: "a port the pod does not listen on is never reached", s: state(), src: { pod: web }, dst: db, port: 1234, want: false },
    { what: "default deny ingress", s: state(denyIn), src: { pod: web }, dst: db, port: 5432, want: false },
    { what: "a policy selecting other pods does not isolate this one", s: state(pol("data", { podSelector: { matchLabels: { app: "other" } }, policyTypes: ["Ingress"] })), src: { pod: web }, dst: db, port: 5432, want: true },
    { what: "an Egress-only policy does not isolate ingress", s: state(pol("data", { podSelector: {}, policyTypes: ["Egress"] })), src: { pod: web }, dst: db, port: 5432, want: true },
    { what: "policies add up: any allowing rule admits", s: state(denyIn, pol("data", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "f" } } }] }] })), src: { pod: web }, dst: db, port: 5432, want: true },
    { what: "podSelector alone: the policy's own namespace only", s: state(denyIn, pol("data", { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }] }] })), src: { pod: web }, dst: db, port: 5432, want: false },
    { what: "namespace and pod selectors in one entry: both (AND)", s: state(denyIn, pol("data", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "f" } }, podSelector: { matchLabels: { app: "nope" } } }] }] })), src: { pod: web }, dst: db, port: 5432, want: false },
    { what: "in two entries: either (OR)", s: state(denyIn, pol("data", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "x" } } }, { podSelector: {}, namespaceSelector: { matchLabels: { team: "f" } } }] }] })), src: { pod: web }, dst: db, port: 5432, want: true },
    { what: "a rule's ports restrict it", s: state(denyIn, pol("data", { podSelector: {}, ingress: [{ ports: [{ port: 9000 }] }] })), src: { pod: web }, dst: db, port: 5432, want: false },
    { what: "a named port is the destination's", s: state(denyIn, pol("data", { podSelector: {}, ingress: [{ ports: [{ port: "pg" }] }] })), src: { pod: web }, dst: db, port: 5432, want: true },
    { what: "endPort ranges", s: state(denyIn, pol("data", { podSelector: {}, ingress: [{ ports: [{ port: 5000, endPort: 6000 }] }] })), src: { pod: web }, dst: db, port: 5432, want: true },
    { what: "protocol defaults to TCP: a UDP rule does not admit TCP", s: state(denyIn, pol("data", { podSelector: {}, ingress: [{ ports: [{ protocol: "UDP", port: 5432 }] }] })), src: { pod: web }, dst: db, port: 5432, want: false },
    { what: "ipBlock matches the source address", s: state(denyIn, pol("data", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "192.0.2.0/24" } }] }] })), src: { ip: "192.0.2.9" }, dst: db, port: 5432, want: true },
    { what: "ipBlock except carves out", s: state(denyIn, pol("data", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "192.0.2.0/24", except: ["192.0.2.0/28"] } }] }] })), src: { ip: "192.0.2.9" }, dst: db, port: 5432, want: false },
    { what: "ipBlock matches pods by their (VPC CNI) address", s: state(denyIn, pol("data", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.2.0/24" } }] }] })), src: { pod: web }, dst: db, port: 5432, want: true },
    { what: "the node's own address always gets in (VPC CNI agent: kubelet probes)", s: state(denyIn), src: { ip: "10.0.1.1", node: true }, dst: db, port: 5432, want: true },
    { what: "the source's egress isolation counts too", s: state(pol("front", { podSelector: {}, policyTypes: ["Egress"] })), src: { pod: web }, dst: db, port: 5432, want: false },
    { what: "egress to a namespace on a port", s: state(pol("front", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { team: "d" } } }], ports: [{ port: 5432 }] }] })), src: { pod: web }, dst: db, port: 5432, want: true },
    { what: "an empty rule ({}) admits everything", s: state(denyIn, pol("data", { podSelector: {}, ingress: [{}] })), src: { ip: "203.0.113.1" }, dst: db, port: 9000, want: true },
    { what: "matchExpressions: NotIn", s: state(denyIn, pol("data", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "team", operator: "NotIn", values: ["f"] }] } }] }] })), src: { pod: web }, dst: db, port: 5432, want: false },
];

describe("the NetworkPolicy evaluator (test/network-reach.ts), case by case", () => {
    for (const c of CASES) it(`${c.what}: ${c.want ? "reached" : "refused"}`, () => assert.strictEqual(reaches(c.s, c.src, c.dst, c.port), c.want));
    it("defaults policyTypes as the API does (Ingress; Egress when it has egress rules)", () => {
        assert.deepStrictEqual(policyTypes(pol("x", { podSelector: {} })), ["Ingress"]);
        assert.deepStrictEqual(policyTypes(pol("x", { podSelector: {}, egress: [] })), ["Ingress", "Egress"]);
    });
    it("matches CIDRs on their bit boundaries", () => {
        assert.ok(inCidr("10.20.31.255", "10.20.0.0/19") && !inCidr("10.20.32.0", "10.20.0.0/19") && inCidr("1.2.3.4", "0.0.0.0/0"));
    });
});

// What the platform needs still gets through on each stack's plan, and what only the NLB may reach stays closed to
// every pod (platform pods included: a PROXY header from a pod would forge the client address).
import { committedPlan } from "./plans";
import { networkState } from "./network-reach";
import type { PlannedResource } from "../plan/engine";
for (const stack of ["dev", "prod"]) {
    describe(`the platform's own traffic under its NetworkPolicies, stack ${stack} @stack`, function () {
        this.timeout(120000);
        let s: NetworkState;
        let resources: readonly PlannedResource[];
        before(async () => {
            resources = (await committedPlan(stack)).resources;
            s = networkState(resources);
        });
        const pod = (ns: string, name: string) => {
            const p = s.pods.find((x) => x.namespace === ns && x.name === name);
            if (!p) throw new Error(`no pod ${ns}/${name}`);
            return p;
        };
        const NEEDED: [string, string, string, string, number][] = [
            ["envoy-gateway-system", "envoy-platform", "monitoring", "grafana", 3000],
            ["envoy-gateway-system", "envoy-platform", "argocd", "argocd-server", 8080],
            ["envoy-gateway-system", "envoy-platform", "keycloak", "keycloak", 8443],
            ["envoy-gateway-system", "envoy-platform", "vault", "vault", 8200],
            ["envoy-gateway-system", "envoy-platform", "envoy-gateway-system", "envoy-gateway", 18000],
            ["monitoring", "grafana", "monitoring", "loki-gateway", 8080],
            ["monitoring", "grafana", "monitoring", "prometheus", 9090],
            ["monitoring", "grafana", "monitoring", "tempo", 3200],
            ["monitoring", "alloy", "monitoring", "loki-gateway", 8080],
            ["monitoring", "otel-collector", "monitoring", "tempo", 4317],
            ["monitoring", "otel-collector", "monitoring", "prometheus", 9090],
            ["monitoring", "loki-gateway", "monitoring", "loki", 3100],
            ["monitoring", "tempo", "monitoring", "prometheus", 9090],
            ["monitoring", "prometheus", "monitoring", "alertmanager", 9093],
            ["monitoring", "prometheus", "vault", "vault", 8210],
            ["monitoring", "prometheus", "argocd", "argocd-repo-server", 8084],
            ["monitoring", "prometheus", "keycloak", "keycloak", 9000],
            ["argocd", "argocd-server", "argocd", "argocd-repo-server", 8081],
            ["argocd", "argocd-application-controller", "argocd", "argocd-repo-server", 8081],
            ["argocd", "argocd-repo-server", "argocd", "argocd-redis", 6379],
            ["external-secrets", "external-secrets", "vault", "vault", 8200],
            ["cert-manager", "cert-manager", "vault", "vault", 8200],
            ["vault", "vault", "vault", "vault", 8201],
            ["monitoring", "prometheus", "kube-system", "coredns", 9153],
            ["monitoring", "prometheus", "kube-system", "karpenter", 8080],
            ["monitoring", "prometheus", "kube-system", "aws-load-balancer-controller", 8080],
        ];
        for (const [fns, from, tns, to, port] of NEEDED) it(`${fns}/${from} reaches ${tns}/${to}:${port}`, () => assert.ok(reaches(s, { pod: pod(fns, from) }, pod(tns, to), port)));

        it("the control plane (an address of the VPC) reaches the webhooks", () => {
            const vpcAddress: Source = { ip: s.podIp as string };
            for (const [ns, name, port] of [
                ["cert-manager", "cert-manager-webhook", 10250],
                ["external-secrets", "external-secrets-webhook", 10250],
                ["kyverno", "kyverno-admission-controller", 9443],
                ["monitoring", "prometheus-operator", 10250],
                ["kube-system", "aws-load-balancer-controller", 9443],
            ] as const)
                assert.ok(reaches(s, vpcAddress, pod(ns, name), port), `${ns}/${name}`);
        });
        it("creates kube-system's default deny after its allows (CoreDNS and the webhook never cut off in between)", () => {
            const policies = resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && (r.inputs as any).metadata.namespace === "kube-system");
            const deny = policies.find((r) => (r.inputs as any).metadata.name === "default-deny-ingress")!;
            const allows = policies.filter((r) => r !== deny);
            assert.ok(deny && allows.length >= 4);
            assert.deepStrictEqual(allows.filter((a) => !deny.dependsOn.includes(a.urn)).map((a) => a.name), []);
        });
        it("every pod, and a host-network pod from any node's address, resolves names at CoreDNS (53, UDP and TCP)", () => {
            const coredns = pod("kube-system", "coredns");
            const fromPods = s.pods.filter((p) => !p.hostNetwork);
            assert.ok(fromPods.length > 30 && fromPods.some((p) => p.name === "tenant-app"));
            const refused = fromPods.flatMap((p) => (["UDP", "TCP"] as const).filter((proto) => !reaches(s, { pod: p }, coredns, 53, proto)).map((proto) => `${p.namespace}/${p.name} ${proto}`));
            assert.deepStrictEqual(refused, []);
            // Another node's address: not the one the CNI's agent admits for its own pods' probes.
            assert.ok(reaches(s, { ip: "10.255.0.7" }, coredns, 53, "UDP") && reaches(s, { ip: "10.255.0.7" }, coredns, 53, "TCP"));
        });
        it("kube-system denies the rest: a pod (its own egress open) reaches DNS, and the webhook that admits the VPC, only", () => {
            const isolated = s.policies.some((p) => p.metadata.namespace === "kube-system" && p.metadata.name === "default-deny-ingress");
            assert.ok(isolated, "kube-system has a default deny");
            const tenant = s.pods.find((p) => p.name === "tenant-app") as Pod;
            const reached = s.pods
                .filter((p) => p.namespace === "kube-system" && !p.hostNetwork)
                .flatMap((p) => p.ports.filter((pp) => reaches(s, { pod: { ...tenant, namespace: "kube-system-probe", labels: {} } }, p, pp.port, pp.protocol)).map((pp) => `${p.name}:${pp.port}/${pp.protocol ?? "TCP"}`));
            // Pods' addresses are the VPC's: tenant egress (DNS only, into kube-system) is what keeps tenants off the webhook.
            assert.deepStrictEqual(reached, ["coredns:53/UDP", "coredns:53/TCP", "aws-load-balancer-controller:9443/TCP"]);
        });
        it("a tenant pod reaches the OTLP gateway, and nothing else in monitoring", () => {
            const tenant = s.pods.find((p) => p.name === "tenant-app") as Pod;
            assert.ok(reaches(s, { pod: tenant }, pod("monitoring", "otel-collector"), 4317) && reaches(s, { pod: tenant }, pod("monitoring", "otel-collector"), 4318));
            const others = s.pods.filter((p) => p.namespace === "monitoring" && p.name !== "otel-collector" && !p.hostNetwork);
            assert.ok(others.length >= 8);
            assert.deepStrictEqual(others.flatMap((p) => p.ports.filter((pp) => reaches(s, { pod: tenant }, p, pp.port)).map((pp) => `${p.name}:${pp.port}`)), []);
        });
        it("no pod reaches Envoy's listeners, platform pods included; an address of the NLB's subnets does", () => {
            const envoy = pod("envoy-gateway-system", "envoy-platform");
            const fromPods = s.pods.filter((p) => !p.hostNetwork);
            assert.ok(fromPods.length > 20);
            assert.deepStrictEqual(fromPods.filter((p) => [10080, 10443].some((port) => reaches(s, { pod: p }, envoy, port))).map((p) => `${p.namespace}/${p.name}`), []);
            const lb = s.policies.find((p) => p.metadata.namespace === "envoy-gateway-system" && p.metadata.name === "allow-listeners");
            const cidr = (lb?.spec.ingress?.[0].from?.[0] as { ipBlock: { cidr: string } }).ipBlock.cidr;
            assert.ok(!inCidr(s.podIp as string, cidr));
            assert.ok(reaches(s, { ip: cidr.replace(/\.0\/\d+$/, ".20") }, envoy, 10443));
        });
    });
}
