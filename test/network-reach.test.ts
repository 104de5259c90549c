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
