// Which connections NetworkPolicies let through, as the networking.k8s.io/v1 API defines them
// (https://kubernetes.io/docs/concepts/services-networking/network-policies/), plus the one exception the VPC CNI's
// policy agent makes: traffic from the pod's own node (kubelet probes) is always admitted (aws-network-policy-agent
// PR #65: the node IP is added to every pod's ingress allow-list). hostNetwork pods are never selected.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { PlannedResource } from "../plan/engine";
import { PROJECT_DIR } from "../plan/engine";
import { LabelSelector, selectorMatches } from "./k8s-rbac";
import { parsedOnce } from "./fixture-cache";

type Labels = Readonly<Record<string, string>>;
export interface PodPort {
    readonly name?: string;
    readonly port: number;
    readonly protocol?: string;
}
export interface Pod {
    readonly namespace: string;
    readonly name: string;
    readonly labels: Labels;
    readonly ports: readonly PodPort[];
    readonly ip?: string;
    readonly hostNetwork?: boolean;
}
interface IpBlock {
    readonly cidr: string;
    readonly except?: readonly string[];
}
export interface PolicyPeer {
    readonly podSelector?: LabelSelector;
    readonly namespaceSelector?: LabelSelector;
    readonly ipBlock?: IpBlock;
}
export interface PolicyPort {
    readonly protocol?: string;
    readonly port?: number | string;
    readonly endPort?: number;
}
interface PolicyRule {
    readonly from?: readonly PolicyPeer[];
    readonly to?: readonly PolicyPeer[];
    readonly ports?: readonly PolicyPort[];
}
export interface NetworkPolicy {
    readonly metadata: { readonly name: string; readonly namespace: string };
    readonly spec: { readonly podSelector: LabelSelector; readonly policyTypes?: readonly string[]; readonly ingress?: readonly PolicyRule[]; readonly egress?: readonly PolicyRule[] };
}

/** A connection's source: a pod (with its IP, for ipBlocks), or an address outside the cluster's pods. */
export type Source = { readonly pod: Pod } | { readonly ip: string; readonly node?: boolean };

export interface NetworkState {
    readonly policies: readonly NetworkPolicy[];
    /** Namespace → labels (with kubernetes.io/metadata.name). */
    readonly namespaces: ReadonlyMap<string, Labels>;
    readonly pods: readonly Pod[];
    /** The address pods get (one of the private subnet's): an attacker's pod has it too. */
    readonly podIp?: string;
}

const ipv4 = (ip: string): number => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
export function inCidr(ip: string, cidr: string): boolean {
    const [base, bits] = cidr.split("/");
    const size = 2 ** (32 - Number(bits ?? 32));
    const start = Math.floor(ipv4(base) / size) * size;
    return ipv4(ip) >= start && ipv4(ip) < start + size;
}
const inBlock = (ip: string, b: IpBlock) => inCidr(ip, b.cidr) && !(b.except ?? []).some((e) => inCidr(ip, e));

/** The API's defaulting: no policyTypes means Ingress, plus Egress when the policy has egress rules. */
export function policyTypes(p: NetworkPolicy): readonly string[] {
    return p.spec.policyTypes ?? ["Ingress", ...(p.spec.egress ? ["Egress"] : [])];
}

/** A peer entry: ipBlock alone, or pod and namespace selectors (ANDed when both; no namespaceSelector = the policy's namespace). */
function peerMatches(peer: PolicyPeer, policyNamespace: string, other: Source, state: NetworkState): boolean {
    if (peer.ipBlock) {
        const ip = "pod" in other ? other.pod.ip : other.ip;
        return ip !== undefined && inBlock(ip, peer.ipBlock);
    }
    if (!("pod" in other)) return false;
    const ns = other.pod.namespace;
    const nsOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, state.namespaces.get(ns) ?? { "kubernetes.io/metadata.name": ns }) : ns === policyNamespace;
    return nsOk && (peer.podSelector === undefined || selectorMatches(peer.podSelector, other.pod.labels));
}

/** A port entry: protocol (TCP by default), number or the destination pod's named port, endPort ranges. */
function portMatches(pp: PolicyPort, port: number, protocol: string, dst: Pod | undefined): boolean {
    if ((pp.protocol ?? "TCP") !== protocol) return false;
    if (pp.port === undefined) return true;
    if (typeof pp.port === "string") return (dst?.ports ?? []).some((p) => p.name === pp.port && p.port === port && (p.protocol ?? "TCP") === protocol);
    return pp.endPort === undefined ? pp.port === port : port >= pp.port && port <= pp.endPort;
}

function allowedBy(state: NetworkState, pod: Pod, type: "Ingress" | "Egress", other: Source, port: number, protocol: string, dst: Pod | undefined): boolean {
    if (pod.hostNetwork) return true;
    const selecting = state.policies.filter((p) => p.metadata.namespace === pod.namespace && policyTypes(p).includes(type) && selectorMatches(p.spec.podSelector, pod.labels));
    if (selecting.length === 0) return true;
    return selecting.some((p) =>
        ((type === "Ingress" ? p.spec.ingress : p.spec.egress) ?? []).some((r) => {
            const peers = type === "Ingress" ? r.from : r.to;
            const portOk = r.ports === undefined || r.ports.length === 0 || r.ports.some((pp) => portMatches(pp, port, protocol, dst));
            const peerOk = peers === undefined || peers.length === 0 || peers.some((peer) => peerMatches(peer, p.metadata.namespace, other, state));
            return portOk && peerOk;
        }),
    );
}

/** Whether `src` opens a connection to `dst` on `port`: the source's egress and the destination's ingress both allow it. */
export function reaches(state: NetworkState, src: Source, dst: Pod, port: number, protocol = "TCP"): boolean {
    if (!dst.ports.some((p) => p.port === port && (p.protocol ?? "TCP") === protocol)) return false;
    if ("pod" in src && !allowedBy(state, src.pod, "Egress", { pod: dst }, port, protocol, dst)) return false;
    if (!("pod" in src) && src.node) return true;
    return allowedBy(state, dst, "Ingress", src, port, protocol, dst);
}

interface PodFixture {
    readonly namespace: string;
    readonly name: string;
    readonly labels: Record<string, string>;
    /** Container ports by name: a number (TCP) or `<port>/UDP`. */
    readonly ports: Record<string, number | string>;
    readonly hostNetwork?: boolean;
}
const fixturePort = (name: string, value: number | string): PodPort => {
    const m = /^(\d+)\/(TCP|UDP)$/.exec(String(value));
    if (typeof value !== "number" && !m) throw new Error(`port ${name}: expected a number or <port>/UDP, got ${value}`);
    return m ? { name, port: Number(m[1]), protocol: m[2] } : { name, port: value as number };
};
export const PLATFORM_PODS_FIXTURE = path.join(PROJECT_DIR, "test/fixtures/platform-pods.yaml");

/** The platform's pods as the pinned charts and operators label them (transcribed with sources). */
export function platformPods(): Pod[] {
    const doc = parsedOnce("yaml", PLATFORM_PODS_FIXTURE, (f) => YAML.parse(fs.readFileSync(f, "utf8")) as { pods: PodFixture[] });
    return doc.pods.map((p) => ({ namespace: p.namespace, name: p.name, labels: p.labels, hostNetwork: p.hostNetwork, ports: Object.entries(p.ports).map(([name, port]) => fixturePort(name, port)) }));
}

/**
 * The plan's NetworkPolicies and namespaces, the platform's pods, one application pod per tenant namespace, the
 * tenants' runner pods (each job's, as their scale sets describe them, with what its builder listens on); and the
 * policy Keycloak's operator writes itself unless the CR turns it off (KeycloakNetworkPolicyDependentResource: 8443
 * and the management port from any source, as no rules are set).
 */
export function networkState(resources: readonly PlannedResource[]): NetworkState {
    const policies = resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.inputs as unknown as NetworkPolicy);
    const namespaces = new Map<string, Labels>(
        resources
            .filter((r) => r.type === "kubernetes:core/v1:Namespace")
            .map((r) => {
                const m = (r.inputs as { metadata: { name: string; labels?: Record<string, string> } }).metadata;
                return [m.name, { ...(m.labels ?? {}), "kubernetes.io/metadata.name": m.name }] as const;
            }),
    );
    const keycloaks = resources.filter((r) => r.type === "kubernetes:k8s.keycloak.org/v2alpha1:Keycloak").map((r) => r.inputs as any);
    const operatorPolicies: NetworkPolicy[] = keycloaks
        .filter((k) => k.spec?.networkPolicy?.enabled !== false)
        .map((k) => ({
            metadata: { name: `${k.metadata.name}-network-policy`, namespace: k.metadata.namespace },
            spec: {
                podSelector: { matchLabels: { app: "keycloak", "app.kubernetes.io/managed-by": "keycloak-operator", "app.kubernetes.io/instance": k.metadata.name } },
                policyTypes: ["Ingress"],
                ingress: [{ ports: [{ protocol: "TCP", port: 8443 }] }, { ports: [{ protocol: "TCP", port: 9000 }] }],
            },
        }));
    const tenantPods: Pod[] = [...namespaces.entries()]
        .filter(([, l]) => l["platform.io/namespace-role"] === "tenant")
        .map(([ns]) => ({ namespace: ns, name: "tenant-app", labels: { "app.kubernetes.io/name": "tenant-app" }, ports: [{ name: "http", port: 8080 }] }));
    // Each job's runner pod, as its scale set describes it: the ports its containers listen on beyond the pod's
    // loopback (buildkitd's `--addr tcp://<host>:<port>`; 127.0.0.1 is the pod's own, never on the network).
    const runnerPods: Pod[] = resources
        .filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && String((r.inputs as any).chart).endsWith("/gha-runner-scale-set"))
        .map((r) => {
            const v = (r.inputs as any).values;
            const spec = v.template.spec;
            const ports = [...(spec.initContainers ?? []), ...spec.containers].flatMap((c: any) => buildkitPorts(c.args ?? []).map((port) => ({ name: c.name, port })));
            return { namespace: String((r.inputs as any).namespace), name: "runner", labels: v.template.metadata.labels, ports };
        });
    // The VPC CNI gives pods addresses of their node's (private) subnet: ipBlocks see them there.
    const privateSubnet = resources.find((r) => r.type === "aws:ec2/subnet:Subnet" && (r.inputs as any).tags?.["platform.io/subnet-tier"] === "private");
    const cidr = String((privateSubnet?.inputs as any)?.cidrBlock ?? "10.0.0.0/16");
    const ip = cidr.split("/")[0].replace(/\.\d+$/, ".10");
    const pods = [...platformPods(), ...tenantPods, ...runnerPods].map((p) => (p.hostNetwork ? p : { ...p, ip }));
    return { policies: [...policies, ...operatorPolicies], namespaces, pods, podIp: ip };
}

/** The TCP ports buildkitd's `--addr` arguments listen on beyond the pod's loopback. */
export function buildkitPorts(args: readonly string[]): number[] {
    const addresses = args.flatMap((a, i) => (a === "--addr" ? [String(args[i + 1] ?? "")] : a.startsWith("--addr=") ? [a.slice("--addr=".length)] : []));
    return addresses.flatMap((a) => {
        const m = /^tcp:\/\/(.+):(\d+)$/.exec(a);
        return m && m[1] !== "127.0.0.1" ? [Number(m[2])] : [];
    });
}

/** Labels an attacker may give its pod: none, or any set a policy of the plan selects by (tenants label their pods freely). */
export function attackerLabelSets(state: NetworkState): Labels[] {
    const sets = new Map<string, Labels>([["{}", {}]]);
    const add = (s: LabelSelector | undefined) => s?.matchLabels && sets.set(JSON.stringify(s.matchLabels), s.matchLabels);
    for (const p of state.policies) {
        add(p.spec.podSelector);
        for (const r of [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])]) for (const peer of [...(r.from ?? []), ...(r.to ?? [])]) add(peer.podSelector);
    }
    return [...sets.values()];
}
