import * as assert from "assert";
import { admissionPolicies, clusterPolicySpec, ownRepositoryPolicy, registryNames } from "../components/policy/admission-policies";
import { kyvernoStringPattern } from "./tenant-attacks";
import { PROJECT_DIR } from "../plan/engine";
import { listStacks, readStackConfig } from "../plan/stack-files";
import { committedPlan } from "./plans";

const ROUTE_HOSTNAMES = "tenant-route-hostnames";
const BUILDER_NODES = "tenant-builder-nodes";
const SERVICE_EXTERNAL_IPS = "tenant-service-external-ips";
const SERVICE_ACCOUNT_TOKENS = "tenant-service-account-tokens";

describe("admission boundaries hold in every stack, whatever policy.action says", () => {
    it("a boundary policy enforces under Audit; an advisory one follows the stack", () => {
        const policies = admissionPolicies({ allowedRegistries: ["ghcr.io/acme"], requiredLabels: [] } as unknown as Parameters<typeof admissionPolicies>[0]);
        const boundary = policies.find((p) => p.name === ROUTE_HOSTNAMES)!;
        const advisory = policies.find((p) => p.name === "tenant-allowed-registries")!;
        assert.deepStrictEqual(clusterPolicySpec(boundary, "Audit").spec.rules.map((r) => r.validate.failureAction), ["Enforce", "Enforce", "Enforce"]);
        assert.deepStrictEqual(clusterPolicySpec(advisory, "Audit").spec.rules.map((r) => r.validate.failureAction), ["Audit"]);
        assert.deepStrictEqual(policies.filter((p) => p.boundary).map((p) => p.name), [ROUTE_HOSTNAMES, BUILDER_NODES, SERVICE_EXTERNAL_IPS, SERVICE_ACCOUNT_TOKENS]);
    });
});

describe("the registry boundary covers every name of the account's registry", () => {
    it("refuses another repository under the regional, dual-stack, FIPS or another region's name, and its own by another name; admits its own and the caches by the regional host", () => {
        const host = "111111111111.dkr.ecr.eu-west-1.amazonaws.com";
        const policy = ownRepositoryPolicy({ host, caches: [`${host}/quay`], tenant: "team-a", repository: "team-a/apps" });
        const image = (policy.rules[0].validate as { pattern: { spec: { containers: { image: string }[] } } }).pattern.spec.containers[0].image;
        const cases: [string, boolean][] = [
            [`${host}/team-a/apps:1.0.0`, true],
            [`${host}/team-a/apps@sha256:${"a".repeat(64)}`, true],
            [`${host}/quay/org/image:1.0.0`, true],
            // Not the account's registry: the allow-list decides.
            ["public.ecr.aws/org/image:1.0.0", true],
            [`${host}/payments/apps:1.0.0`, false],
            ["111111111111.dkr-ecr.eu-west-1.on.aws/payments/apps:1.0.0", false],
            // Its own repository by another name: no signature rule names it.
            ["111111111111.dkr-ecr.eu-west-1.on.aws/team-a/apps:1.0.0", false],
            ["111111111111.dkr.ecr-fips.us-east-1.amazonaws.com/payments/apps:1.0.0", false],
            ["111111111111.dkr-ecr-fips.us-east-1.on.aws/payments/apps:1.0.0", false],
            ["111111111111.dkr.ecr.us-east-1.amazonaws.com/payments/apps:1.0.0", false],
        ];
        for (const [i, want] of cases) assert.strictEqual(kyvernoStringPattern(image, i), want, i);
        assert.throws(() => registryNames("registry.example.com"), /expected an ECR registry host/);
    });
});

describe("admission boundaries in every stack file's plan @stack", function () {
    this.timeout(60000);
    const stacks = listStacks(PROJECT_DIR);
    // The committed examples hold an auditing stack, where the defect showed (a tenant's route on a platform name).
    it("a stack file that only audits exists", () =>
        assert.ok(stacks.some((s) => JSON.parse(readStackConfig(PROJECT_DIR, s).config["platform:policy"]).action === "Audit"), stacks.join(", ")));
    for (const stack of stacks) {
        it(`${stack}: tenants' pods are refused on the builders' and the System nodes`, async () => {
            const plan = await committedPlan(stack);
            const policy = plan.resources.find((r) => r.type === "kubernetes:kyverno.io/v1:ClusterPolicy" && (r.inputs.metadata as { name?: string })?.name === BUILDER_NODES);
            assert.ok(policy, `${BUILDER_NODES} in ${stack}`);
            const rules = (policy.inputs.spec as { rules: { name: string; validate: { failureAction: string } }[] }).rules;
            assert.deepStrictEqual(rules.map((r) => [r.name, r.validate.failureAction]), [["no-builder-toleration", "Enforce"], ["no-builder-pool", "Enforce"], ["no-node-name", "Enforce"]]);
        });
        it(`${stack}: tenants' Services are refused externalIPs`, async () => {
            const plan = await committedPlan(stack);
            const policy = plan.resources.find((r) => r.type === "kubernetes:kyverno.io/v1:ClusterPolicy" && (r.inputs.metadata as { name?: string })?.name === SERVICE_EXTERNAL_IPS);
            assert.ok(policy, `${SERVICE_EXTERNAL_IPS} in ${stack}`);
            const rules = (policy.inputs.spec as { rules: { validate: { failureAction: string } }[] }).rules;
            assert.deepStrictEqual(rules.map((r) => r.validate.failureAction), ["Enforce"]);
        });
        it(`${stack}: tenants are refused long-lived tokens of, and pods as, the platform's accounts`, async () => {
            const plan = await committedPlan(stack);
            const policy = plan.resources.find((r) => r.type === "kubernetes:kyverno.io/v1:ClusterPolicy" && (r.inputs.metadata as { name?: string })?.name === SERVICE_ACCOUNT_TOKENS);
            assert.ok(policy, `${SERVICE_ACCOUNT_TOKENS} in ${stack}`);
            const rules = (policy.inputs.spec as { rules: { validate: { failureAction: string } }[] }).rules;
            assert.deepStrictEqual(rules.map((r) => r.validate.failureAction), ["Enforce", "Enforce"]);
        });
        it(`${stack}: tenants' routes are refused outside their hostnames`, async () => {
            const plan = await committedPlan(stack);
            const policy = plan.resources.find((r) => r.type === "kubernetes:kyverno.io/v1:ClusterPolicy" && (r.inputs.metadata as { name?: string })?.name === ROUTE_HOSTNAMES);
            assert.ok(policy, `${ROUTE_HOSTNAMES} in ${stack}`);
            const rules = (policy.inputs.spec as { rules: { validate: { failureAction: string } }[] }).rules;
            assert.deepStrictEqual(rules.map((r) => r.validate.failureAction), ["Enforce", "Enforce", "Enforce"]);
        });
    }
});
