import * as assert from "assert";
import { roleNaming } from "../components/shared/iam";
import { runnerScaleSetName } from "../components/delivery/ci";
import type { PlannedResource } from "../plan/engine";
import { checkPolicies } from "../plan/policy-runner";
import { nameLengthPolicy } from "../policy/rules/names";

describe("roleNaming: a role name IAM accepts (64 characters) for any logical name", () => {
    it("keeps auto-naming while the name and its 8-character suffix fit (no replacement of existing roles)", () => {
        assert.deepStrictEqual(roleNaming("tenant-team-a-delivery-runner-role"), {});
        assert.deepStrictEqual(roleNaming("r".repeat(56)), {});
    });

    it("cuts a longer name to a prefix of 38 characters, to which the provider adds 26", () => {
        const long = "tenant-tttttttttttttttttttt-xxxxxxxxxxxxxxxxxxx-delivery-runner-role";
        const { namePrefix } = roleNaming(long);
        assert.match(namePrefix ?? "", /^tenant-tttttttttttttttttttt-x-[0-9a-f]{7}-$/);
        assert.strictEqual(namePrefix?.length, 38);
        assert.deepStrictEqual(roleNaming("r".repeat(57)).namePrefix?.length, 38);
    });

    it("two long names that share their first 29 characters stay distinct", () => {
        const a = roleNaming(`${"t".repeat(40)}-delivery-runner-role`).namePrefix;
        const b = roleNaming(`${"t".repeat(40)}-delivery-builder-role`).namePrefix;
        assert.notStrictEqual(a, b);
    });

    it("does not end the cut part on a hyphen (no '--' before the hash)", () => {
        const prefix = roleNaming(`${"a".repeat(28)}-${"b".repeat(40)}`).namePrefix ?? "";
        assert.doesNotMatch(prefix, /--/);
    });
});

describe("runner scale set names fit the chart's 45 characters", () => {
    it("keeps <tenant>-<environment> while it fits, else cuts the tenant and keeps the environment", () => {
        assert.strictEqual(runnerScaleSetName("team-a", "prod"), "team-a-prod");
        const long = runnerScaleSetName("t".repeat(40), "e".repeat(16));
        assert.match(long, /^t{21}-[0-9a-f]{6}-e{16}$/);
        assert.strictEqual(long.length, 45);
        assert.notStrictEqual(runnerScaleSetName(`${"t".repeat(39)}a`, "e".repeat(16)), long);
    });

    it("the name-length rule refuses a longer scale set name than the chart takes", async () => {
        const release = (name: string): PlannedResource => {
            const urn = `urn:pulumi:t::p::kubernetes:helm.sh/v3:Release::${name}`;
            return { urn, key: urn, type: "kubernetes:helm.sh/v3:Release", name: "r", custom: true, protect: false, retainOnDelete: false, deleteBeforeReplace: false, dependsOn: [], dependencies: [], ignoreChanges: [], aliases: [], inputs: { name: "r", chart: "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set", values: { runnerScaleSetName: name } }, secretPaths: [] };
        };
        assert.deepStrictEqual(await checkPolicies({ resources: [release("a".repeat(45))] }, [nameLengthPolicy]), []);
        const refused = await checkPolicies({ resources: [release("a".repeat(46))] }, [nameLengthPolicy]);
        assert.deepStrictEqual(refused.map((v) => v.message), [`gha-runner-scale-set values.runnerScaleSetName "${"a".repeat(46)}" has 46 characters; the chart refuses more than 45 (gha-runner-scale-set 0.14.2 templates/autoscalingrunnerset.yaml)`]);
    });
});
