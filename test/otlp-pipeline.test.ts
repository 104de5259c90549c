// The pipeline evaluator (otlp-pipeline.ts) against what the collector's sources and documentation say, case by case.
import * as assert from "assert";
import { CollectorConfig, KnownPod, OtlpRecord, throughPipeline } from "./otlp-pipeline";

const app: KnownPod = { namespace: "team-a", name: "web-1", uid: "uid-web", ip: "10.0.1.5", nodeName: "node-1" };
const vault: KnownPod = { namespace: "vault", name: "vault-0", uid: "uid-vault", ip: "10.0.2.9", nodeName: "node-2" };
const agent: KnownPod = { namespace: "kube-system", name: "aws-node-x", uid: "uid-node", ip: "10.0.0.4", nodeName: "node-1", hostNetwork: true };
const PODS = [app, vault, agent];
const config = (processors: Record<string, any>, order = Object.keys(processors)): CollectorConfig => ({ processors, service: { pipelines: { logs: { processors: order } } } });
const claims = (resource: Record<string, string>, record: Record<string, string> = {}): OtlpRecord => ({ resource, record });
const K8S = (cfg: object = {}) => ({ k8s_attributes: { pod_association: [{ sources: [{ from: "connection" }] }], ...cfg } });

const CASES: { what: string; c: CollectorConfig; input: OtlpRecord; from?: string; key: string; want: string | undefined; where?: "resource" | "record" }[] = [
    { what: "k8s_attributes sets the namespace of the pod the connection comes from", c: config(K8S()), input: claims({}), from: app.ip, key: "k8s.namespace.name", want: "team-a" },
    { what: "…but never overwrites a namespace the sender set (setResourceAttribute)", c: config(K8S()), input: claims({ "k8s.namespace.name": "vault" }), from: app.ip, key: "k8s.namespace.name", want: "vault" },
    { what: "…while an empty one is replaced (PR #36466)", c: config(K8S()), input: claims({ "k8s.namespace.name": "" }), from: app.ip, key: "k8s.namespace.name", want: "team-a" },
    { what: "after batch the connection's address is gone: nothing is set", c: config({ batch: {}, ...K8S() }), input: claims({}), from: app.ip, key: "k8s.namespace.name", want: undefined },
    {
        what: "associations in order: a resource_attribute source first trusts a claimed pod IP",
        c: config({ k8s_attributes: { pod_association: [{ sources: [{ from: "resource_attribute", name: "k8s.pod.ip" }] }, { sources: [{ from: "connection" }] }] } }),
        input: claims({ "k8s.pod.ip": vault.ip }),
        from: app.ip,
        key: "k8s.pod.name",
        want: "vault-0",
    },
    { what: "no association configured: a claimed k8s.pod.ip comes before the connection", c: config({ k8s_attributes: {} }), input: claims({ "k8s.pod.ip": vault.ip }), from: app.ip, key: "k8s.pod.uid", want: "uid-vault" },
    { what: "no association configured, no claim: the connection", c: config({ k8s_attributes: {} }), input: claims({}), from: app.ip, key: "k8s.pod.uid", want: "uid-web" },
    { what: "host-network pods are never matched by address", c: config(K8S()), input: claims({}), from: agent.ip, key: "k8s.namespace.name", want: undefined },
    { what: "default metadata has no service.namespace", c: config(K8S()), input: claims({}), from: app.ip, key: "service.namespace", want: undefined },
    { what: "service.namespace extracted from the pod's namespace", c: config(K8S({ extract: { metadata: ["service.namespace"] } })), input: claims({}), from: app.ip, key: "service.namespace", want: "team-a" },
    {
        what: "…and, with no pod found, from the k8s.namespace.name the record carries",
        c: config(K8S({ extract: { metadata: ["service.namespace"] } })),
        input: claims({ "k8s.namespace.name": "vault" }),
        from: "192.0.2.1",
        key: "service.namespace",
        want: "vault",
    },
    { what: "resource delete by pattern", c: config({ resource: { attributes: [{ pattern: "^k8s\\.", action: "delete" }] } }), input: claims({ "k8s.namespace.name": "vault" }), key: "k8s.namespace.name", want: undefined },
    { what: "resource delete by pattern leaves other keys", c: config({ resource: { attributes: [{ pattern: "^k8s\\.", action: "delete" }] } }), input: claims({ "service.name": "x" }), key: "service.name", want: "x" },
    { what: "resource insert only where absent", c: config({ resource: { attributes: [{ key: "a", value: "new", action: "insert" }] } }), input: claims({ a: "old" }), key: "a", want: "old" },
    { what: "resource upsert replaces", c: config({ resource: { attributes: [{ key: "a", value: "new", action: "upsert" }] } }), input: claims({ a: "old" }), key: "a", want: "new" },
    { what: "resource update only where present", c: config({ resource: { attributes: [{ key: "a", value: "new", action: "update" }] } }), input: claims({}), key: "a", want: undefined },
    {
        what: "attributes processor acts on the record, not the resource",
        c: config({ attributes: { actions: [{ pattern: "^k8s\\.", action: "delete" }] } }),
        input: claims({ "k8s.namespace.name": "vault" }, { "k8s.namespace.name": "vault" }),
        key: "k8s.namespace.name",
        want: undefined,
        where: "record",
    },
    {
        what: "…so the resource's claim stays",
        c: config({ attributes: { actions: [{ pattern: "^k8s\\.", action: "delete" }] } }),
        input: claims({ "k8s.namespace.name": "vault" }, { "k8s.namespace.name": "vault" }),
        key: "k8s.namespace.name",
        want: "vault",
    },
];

describe("the OTLP pipeline evaluator (test/otlp-pipeline.ts), case by case", () => {
    for (const c of CASES)
        it(`${c.what}: ${c.want ?? "unset"}`, () => assert.strictEqual(throughPipeline(c.c, "logs", c.input, c.from, PODS)[c.where ?? "resource"][c.key], c.want));
    it("refuses what it does not model: another processor, another option", () => {
        assert.throws(() => throughPipeline(config({ transform: {} }), "logs", claims({}), app.ip, PODS), /transform not modelled/);
        assert.throws(() => throughPipeline(config(K8S({ filter: { namespace: "x" } })), "logs", claims({}), app.ip, PODS), /filter not modelled/);
        assert.throws(() => throughPipeline(config({ resource: { attributes: [{ key: "a", action: "hash" }] } }), "logs", claims({}), app.ip, PODS), /hash not modelled/);
    });
});
