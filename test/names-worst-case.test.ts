import * as assert from "assert";
import { PROJECT_DIR } from "../plan/engine";
import { checkPolicies } from "../plan/policy-runner";
import { readStackConfig } from "../plan/stack-files";
import { EXAMPLE_STACKS } from "../plan/new-stack";
import { deployedSetWith, stacksWithTenants } from "./plans";
import { configKeys } from "../stacks/schema";

const parseEnvironment = (v: string) => configKeys.environment.schema.parse(v);

// The committed stacks' tenants have short names, so the name-length rule never sees the longest names the schema
// allows. Each stack is planned again with its first tenant renamed to 40 characters (the schema's maximum) and
// every AWS and Helm name must still fit, auto-naming's random suffix included.
const LONGEST_TENANT = "t".repeat(20) + "-" + "x".repeat(19);
/** The schema's longest environment name (a DNS label of 16): runner scale sets and other names carry it. */
const LONGEST_ENVIRONMENT = "e".repeat(16);

describe("names at the schema's limits fit AWS's and Helm's @stack", () => {
    it("the longest tenant and environment names are the schema's maximum", () => {
        assert.strictEqual(LONGEST_TENANT.length, 40);
        assert.throws(() => parseEnvironment(LONGEST_ENVIRONMENT + "e"));
        assert.strictEqual(parseEnvironment(LONGEST_ENVIRONMENT), LONGEST_ENVIRONMENT);
    });

    it("runs on every stack file that lists tenants, the examples among them", () => {
        assert.deepStrictEqual(EXAMPLE_STACKS.filter((s) => !stacksWithTenants().includes(s)), []);
    });

    for (const stack of stacksWithTenants()) {
        it(`Pulumi.${stack}.yaml with a 40-character tenant and a 16-character environment: no name over its limit`, async () => {
            const tenants = JSON.parse(readStackConfig(PROJECT_DIR, stack).config["platform:tenants"]) as { list: Record<string, unknown>[] };
            assert.ok(tenants.list.length > 0, "the stack lists a tenant to rename");
            const first = tenants.list[0];
            const old = first.name as string;
            // The data name keeps the bucket within S3's 63 characters (the schema's own rule); the namespaces stay.
            tenants.list[0] = {
                ...first,
                name: LONGEST_TENANT,
                dataName: "wide",
                namespaces: first.namespaces ?? [old],
            };
            // Its platform stack and its tenant stacks (the renamed tenant's own among them), each checked as CrossGuard checks it.
            const set = await deployedSetWith(stack, { "platform:tenants": JSON.stringify(tenants), "platform:environment": LONGEST_ENVIRONMENT });
            const plan = set.plan;
            assert.ok(plan.resources.some((r) => r.name.includes(LONGEST_TENANT)), "the renamed tenant's resources are planned");
            const scaleSets = plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && String(r.inputs.chart).endsWith("/gha-runner-scale-set"));
            assert.ok(scaleSets.length > 0, "a runner scale set is planned, so its name is checked");
            for (const one of set.stacks) {
                const names = (await checkPolicies(one)).filter((v) => v.policy === "aws-name-length");
                assert.deepStrictEqual(names.map((v) => v.message), [], one.stack);
            }
        });
    }
});
