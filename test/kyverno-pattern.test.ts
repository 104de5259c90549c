// The Kyverno pattern evaluator (test/kyverno-pattern.ts) against Kyverno 1.19.0's semantics, as its source reads
// (pkg/engine/validate/validate.go, anchor/handlers.go, pattern/pattern.go); then the builders' node policy, evaluated.
import * as assert from "assert";
import { matchPattern } from "./kyverno-pattern";
import { builderNodesPolicy } from "../components/policy/admission-policies";

describe("the Kyverno pattern evaluator, as Kyverno 1.19.0 matches patterns", () => {
    const table: [string, unknown, unknown, boolean][] = [
        // defaultHandler: a plain key the resource lacks is checked as nil; compareString fails nil for "x" and "!x" alike.
        ["a plain key the resource lacks fails a negated string", { spec: {} }, { spec: { key: "!a" } }, false],
        ["a plain key the resource lacks fails a string", { spec: {} }, { spec: { key: "a" } }, false],
        ["a negated string passes another value", { spec: { key: "b" } }, { spec: { key: "!a" } }, true],
        ["a negated string fails its value", { spec: { key: "a" } }, { spec: { key: "!a" } }, false],
        // equalityHandler: =(key) only where the resource has it.
        ["an equality anchor the resource lacks passes", { spec: {} }, { spec: { "=(key)": "!a" } }, true],
        ["an equality anchor checks what is there", { spec: { key: "a" } }, { spec: { "=(key)": "!a" } }, false],
        // negationHandler: X(key) fails when the key is there, whatever its value.
        ["a negation anchor fails on a present key", { spec: { hostPath: { path: "/" } } }, { spec: { "X(hostPath)": "null" } }, false],
        ["a negation anchor passes an absent key", { spec: {} }, { spec: { "X(hostPath)": "null" } }, true],
        // validateArrayOfMaps: every element against the first pattern map.
        ["every element of an array of maps must match", { l: [{ k: "x" }, { k: "a" }] }, { l: [{ k: "!a" }] }, false],
        ["an empty array of maps passes", { l: [] }, { l: [{ k: "!a" }] }, true],
        ["an array pattern needs an array", { l: { k: "x" } }, { l: [{ k: "!a" }] }, false],
        // A scalar pattern against an array of scalars: every element.
        ["a scalar pattern holds for each element", { l: ["x", "y"] }, { l: "!a" }, true],
        ["a scalar pattern fails on one element", { l: ["x", "a"] }, { l: "!a" }, false],
        // validateStringPatterns: | or, & and, wildcards across "/".
        ["& needs both", { k: "a" }, { k: "!a & !b" }, false],
        ["& passes neither", { k: "c" }, { k: "!a & !b" }, true],
        ["| needs one", { k: "b" }, { k: "a | b" }, true],
        ["* crosses /", { k: "r.io/x/y:1" }, { k: "r.io/*:*" }, true],
        ["? is one character", { k: "ab" }, { k: "a?" }, true],
        // Booleans and "*".
        ["a boolean pattern", { k: true }, { k: false }, false],
        ["* needs a value", { k: null }, { k: "*" }, false],
        // A map pattern needs a map.
        ["a map pattern needs a map", { spec: "x" }, { spec: { k: "a" } }, false],
    ];
    for (const [what, resource, pattern, want] of table) it(what, () => assert.strictEqual(matchPattern(resource, pattern), want));

    it("refuses to guess what it does not model: conditional anchors, ranges, number and quantity operands", () => {
        assert.throws(() => matchPattern({ k: "a" }, { "(k)": "a" }), /not modelled/);
        assert.throws(() => matchPattern({ k: 5 }, { k: "1-10" }), /not modelled/);
        assert.throws(() => matchPattern({ k: "5Gi" }, { k: "!4Gi" }), /not modelled/);
        assert.throws(() => matchPattern({ k: "5s" }, { k: "!4s" }), /not modelled/);
    });
});

describe("tenant-builder-nodes, evaluated: what a tenant pod may and may not say about nodes", () => {
    it("refuses nodeName on create only (the scheduler's binding sets it on every pod; updates carry it)", () => {
        const rule = builderNodesPolicy().rules.find((r) => r.name === "no-node-name") as unknown as { match: { any: { resources: { operations?: string[] } }[] } };
        assert.deepStrictEqual(rule.match.any.map((m) => m.resources.operations), [["CREATE"]]);
    });
    const [tolerations, pool, nodeName] = builderNodesPolicy().rules.map((r) => (r.validate as { pattern: unknown }).pattern);
    const admitted = (spec: Record<string, unknown>) => matchPattern({ spec }, tolerations) && matchPattern({ spec }, pool) && matchPattern({ spec }, nodeName);
    const inBuilders = { nodeSelectorTerms: [{ matchExpressions: [{ key: "karpenter.sh/nodepool", operator: "In", values: ["builders"] }] }] };
    const table: [string, Record<string, unknown>, boolean][] = [
        ["no scheduling fields", {}, true],
        ["the defaults Kubernetes adds (not-ready, unreachable)", { tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }] }, true],
        ["the default pool, by name", { nodeSelector: { "karpenter.sh/nodepool": "default" } }, true],
        ["the workload role", { nodeSelector: { "platform.io/node-role": "workload" } }, true],
        ["a zone", { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["a"] }] }] } } } }, true],
        ["tolerating the builder taint", { tolerations: [{ key: "platform.io/builder", operator: "Exists" }] }, false],
        ["tolerating it by value and effect", { tolerations: [{ key: "platform.io/builder", operator: "Equal", value: "true", effect: "NoExecute" }] }, false],
        ["tolerating every taint (no key)", { tolerations: [{ operator: "Exists" }] }, false],
        ["tolerating every NoExecute taint (no key)", { tolerations: [{ operator: "Exists", effect: "NoExecute" }] }, false],
        ["selecting the builders' pool", { nodeSelector: { "karpenter.sh/nodepool": "builders" } }, false],
        ["selecting the builder role", { nodeSelector: { "platform.io/node-role": "builder" } }, false],
        ["requiring the builders' pool by affinity", { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: inBuilders } } }, false],
        ["tolerating the System taint", { tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }] }, false],
        ["selecting the System role", { nodeSelector: { "platform.io/node-role": "system" } }, false],
        ["created bound to a node by name", { nodeName: "ip-10-0-1-1.eu-west-1.compute.internal" }, false],
        ["naming the role label in a required term", { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "platform.io/node-role", operator: "NotIn", values: ["workload"] }] }] } } } }, false],
    ];
    for (const [what, spec, want] of table) it(`${want ? "admits" : "refuses"} ${what}`, () => assert.strictEqual(admitted(spec), want));
});
