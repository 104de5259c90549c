import * as assert from "assert";
import { admissionPolicies, clusterPolicySpec } from "../components/policy/admission-policies";
import { PROJECT_DIR } from "../plan/engine";
import { listStacks, readStackConfig } from "../plan/stack-files";
import { committedPlan } from "./plans";

const ROUTE_HOSTNAMES = "tenant-route-hostnames";
const BUILDER_NODES = "tenant-builder-nodes";

describe("admission boundaries hold in every stack, whatever policy.action says", () => {
    it("a boundary policy enforces under Audit; an advisory one follows the stack", () => {
        const policies = admissionPolicies({ allowedRegistries: ["ghcr.io/acme"], requiredLabels: [] } as unknown as Parameters<typeof admissionPolicies>[0]);
        const boundary = policies.find((p) => p.name === ROUTE_HOSTNAMES)!;
        const advisory = policies.find((p) => p.name === "tenant-allowed-registries")!;
        assert.deepStrictEqual(clusterPolicySpec(boundary, "Audit").spec.rules.map((r) => r.validate.failureAction), ["Enforce", "Enforce"]);
        assert.deepStrictEqual(clusterPolicySpec(advisory, "Audit").spec.rules.map((r) => r.validate.failureAction), ["Audit"]);
        assert.deepStrictEqual(policies.filter((p) => p.boundary).map((p) => p.name), [ROUTE_HOSTNAMES, BUILDER_NODES]);
    });
});

describe("admission boundaries in every stack file's plan @stack", function () {
    this.timeout(60000);
    const stacks = listStacks(PROJECT_DIR);
    // The committed examples hold an auditing stack, where the defect showed (a tenant's route on a platform name).
    it("a stack file that only audits exists", () =>
        assert.ok(stacks.some((s) => JSON.parse(readStackConfig(PROJECT_DIR, s).config["platform:policy"]).action === "Audit"), stacks.join(", ")));
    for (const stack of stacks) {
        it(`${stack}: tenants' pods are refused on the builders' nodes`, async () => {
            const plan = await committedPlan(stack);
            const policy = plan.resources.find((r) => r.type === "kubernetes:kyverno.io/v1:ClusterPolicy" && (r.inputs.metadata as { name?: string })?.name === BUILDER_NODES);
            assert.ok(policy, `${BUILDER_NODES} in ${stack}`);
            const rules = (policy.inputs.spec as { rules: { validate: { failureAction: string } }[] }).rules;
            assert.deepStrictEqual(rules.map((r) => r.validate.failureAction), ["Enforce", "Enforce"]);
        });
        it(`${stack}: tenants' routes are refused outside their hostnames`, async () => {
            const plan = await committedPlan(stack);
            const policy = plan.resources.find((r) => r.type === "kubernetes:kyverno.io/v1:ClusterPolicy" && (r.inputs.metadata as { name?: string })?.name === ROUTE_HOSTNAMES);
            assert.ok(policy, `${ROUTE_HOSTNAMES} in ${stack}`);
            const rules = (policy.inputs.spec as { rules: { validate: { failureAction: string } }[] }).rules;
            assert.deepStrictEqual(rules.map((r) => r.validate.failureAction), ["Enforce", "Enforce"]);
        });
    }
});
