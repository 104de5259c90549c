import * as assert from "assert";
import { planStack, PlanError, PROJECT_DIR } from "../plan/engine";
import type { FakeCloud } from "../plan/fakes";
import { readStackConfig } from "../plan/stack-files";
import { ofType, inputs } from "./helpers";
import { callerIsAdmin, callerPrincipal, existingPrincipal, parsePrincipal, prerequisite } from "../components/shared/prerequisites";

/** Plans `stack` against a fake account changed by `cloud`; returns the failure message (or fails the test). */
async function failure(stack: string, cloud: (c: FakeCloud) => FakeCloud, configOverrides?: Record<string, unknown>): Promise<PlanError> {
    try {
        await planStack({ stack, cloud, configOverrides });
    } catch (e) {
        assert.ok(e instanceof PlanError, String(e));
        return e;
    }
    assert.fail("the plan should have failed on a missing prerequisite");
}

const without = (arn: string) => (c: FakeCloud): FakeCloud => ({ ...c, iamPrincipals: (c.iamPrincipals ?? []).filter((a) => a !== arn) });

describe("prerequisites: what a stack names but does not create is looked up during preview @stack", function () {
    this.timeout(60000);

    it("a missing admin role fails with the setting and the ARN, and sends no access entry for it", async () => {
        const e = await failure("prod", without("arn:aws:iam::222222222222:role/PlatformAdmin"));
        assert.strictEqual(
            e.message,
            "platform:cluster.admins[0]: IAM role arn:aws:iam::222222222222:role/PlatformAdmin does not exist or the deploying role cannot read it " +
                "(NoSuchEntity: The role with name PlatformAdmin cannot be found.); create it first or change platform:cluster.admins[0]",
        );
        const entries = ofType(e.registered, "aws:eks/accessEntry:AccessEntry").map((r) => inputs(r).principalArn);
        assert.ok(!entries.includes("arn:aws:iam::222222222222:role/PlatformAdmin"), "no access entry is sent for the missing role");
    });

    it("names a viewer by its own index", async () => {
        const e = await failure("dev", without("arn:aws:iam::111111111111:role/Developer"));
        assert.match(e.message, /^platform:cluster\.viewers\[0\]: IAM role arn:aws:iam::111111111111:role\/Developer does not exist/);
    });

    it("refuses an ARN whose path differs from IAM's (access entries match the exact ARN)", async () => {
        const cluster = JSON.parse(readStackConfig(PROJECT_DIR, "dev").config["platform:cluster"]);
        const written = "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123";
        const actual = "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123";
        const e = await failure("dev", (c) => ({ ...c, iamPrincipals: [...(c.iamPrincipals ?? []).filter((a) => a !== written), actual] }), {
            "platform:cluster": { ...cluster, admins: [written, ...cluster.admins] },
        });
        assert.match(e.message, /^platform:cluster\.admins\[0\]: IAM has .*\/eu-west-1\/AWSReservedSSO_Admin_0123, not .*; write the ARN exactly as IAM shows it/);
    });

    it("a missing existing hosted zone fails with the setting and the zone", async () => {
        const e = await failure("prod", (c) => ({ ...c, hostedZones: [] }));
        assert.match(e.message, /^platform:ingress\.hostedZone: public hosted zone Z04517273ACMEPLATFORM does not exist/);
    });

    it("a missing parent zone of a delegated zone fails with its own key", async () => {
        const ingress = JSON.parse(readStackConfig(PROJECT_DIR, "dev").config["platform:ingress"]);
        const overrides = { "platform:ingress": { ...ingress, hostedZone: { mode: "Delegated", parentZoneId: "Z0PARENTZONE1" } } };
        const e = await failure("dev", (c) => ({ ...c, hostedZones: [] }), overrides);
        assert.match(e.message, /^platform:ingress\.hostedZone\.parentZoneId: parent hosted zone Z0PARENTZONE1 does not exist/);
        // With the parent there, the delegation record goes into it.
        const plan = await planStack({ stack: "dev", configOverrides: overrides });
        assert.strictEqual(inputs(ofType(plan.resources, "aws:route53/record:Record")[0]).zoneId, "Z0PARENTZONE1");
    });

    it("refuses a deployer that is not an admin (creator rights are never bootstrapped), naming who runs it", async () => {
        const e = await failure("prod", (c) => ({ ...c, callerArn: "arn:aws:sts::222222222222:assumed-role/SomeoneElse/me" }));
        assert.strictEqual(
            e.message,
            "platform:cluster.admins: the identity running pulumi up (arn:aws:sts::222222222222:assumed-role/SomeoneElse/me) is not among the admins; " +
                "add its role ARN, or it could not reach the cluster it creates",
        );
        // The cluster's Kubernetes provider waits for the check: it is never registered for a deployer that is not an admin.
        assert.deepStrictEqual(e.registered.filter((r) => r.type === "pulumi:providers:kubernetes"), []);
    });

    it("recognises the deployer among the admins by role name (an STS ARN has no path) or by user ARN", () => {
        const admins = ["arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123", "arn:aws:iam::111111111111:user/ops/alice"];
        const table: [string, boolean][] = [
            ["arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123/alice@acme.example", true],
            ["arn:aws:iam::111111111111:user/ops/alice", true],
            ["arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_ReadOnly_9/alice", false],
            ["arn:aws:iam::111111111111:user/bob", false],
            ["arn:aws:iam::111111111111:root", false],
            // Same role name in another account: not the admin.
            ["arn:aws:sts::999999999999:assumed-role/AWSReservedSSO_Admin_0123/alice", false],
            // Not an STS session ARN: a path after the session, or text before the ARN.
            ["arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123/alice/extra", false],
            ["x-arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123/alice", false],
        ];
        for (const [caller, want] of table) assert.strictEqual(callerIsAdmin(caller, admins), want, caller);
        // Other partitions; the account root is never a user, even when listed.
        assert.strictEqual(callerIsAdmin("arn:aws-us-gov:sts::111111111111:assumed-role/Admin/alice", ["arn:aws-us-gov:iam::111111111111:role/Admin"]), true);
        assert.strictEqual(callerIsAdmin("arn:aws-cn:iam::111111111111:user/ops/alice", ["arn:aws-cn:iam::111111111111:user/ops/alice"]), true);
        assert.strictEqual(callerIsAdmin("arn:aws:iam::111111111111:root", ["arn:aws:iam::111111111111:root"]), false);
        assert.deepStrictEqual(callerPrincipal("x-arn:aws:iam::111111111111:user/alice"), { kind: "other", name: "x-arn:aws:iam::111111111111:user/alice" });
    });

    it("reads a role or user ARN in any partition, its name the last path segment, and nothing else", () => {
        assert.deepStrictEqual(parsePrincipal("arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123"), { kind: "role", name: "AWSReservedSSO_Admin_0123" });
        assert.deepStrictEqual(parsePrincipal("arn:aws-us-gov:iam::111111111111:user/ops/alice"), { kind: "user", name: "alice" });
        const refused = ["arn:aws:iam::111111111111:role/Admin/", "x-arn:aws:iam::111111111111:role/Admin", "arn:aws:iam::111111111111:group/Admins", "arn:aws:iam::11111111111:role/Admin", "arn:aws:sts::111111111111:assumed-role/Admin/s"];
        assert.deepStrictEqual(refused.map(parsePrincipal), refused.map(() => undefined));
        assert.throws(() => existingPrincipal("arn:aws:iam::111111111111:group/Admins", "platform:cluster.admins[2]", {}), /^Error: platform:cluster\.admins\[2\]: arn:aws:iam::111111111111:group\/Admins is not an IAM role or user ARN$/);
    });

    it("reports the first line of a failed lookup's reason, trimmed", async () => {
        const failed = prerequisite(Promise.reject(new Error("  NoSuchEntity: gone  \n\tat the provider")), "platform:x", "the thing") as unknown as { promise(): Promise<unknown> };
        await assert.rejects(failed.promise(), { message: "platform:x: the thing does not exist or the deploying role cannot read it (NoSuchEntity: gone); create it first or change platform:x" });
        const plain = prerequisite(Promise.reject("a string reason"), "platform:y", "it") as unknown as { promise(): Promise<unknown> };
        await assert.rejects(plain.promise(), /\(a string reason\)/);
    });

    it("looks up an admin user as a user (the fake account knows it as a user only)", async () => {
        const cluster = JSON.parse(readStackConfig(PROJECT_DIR, "dev").config["platform:cluster"]);
        const alice = "arn:aws:iam::111111111111:user/ops/alice";
        const plan = await planStack({ stack: "dev", cloud: (c) => ({ ...c, iamPrincipals: [...(c.iamPrincipals ?? []), alice] }), configOverrides: { "platform:cluster": { ...cluster, admins: [...cluster.admins, alice] } } });
        assert.ok(ofType(plan.resources, "aws:eks/accessEntry:AccessEntry").some((r) => inputs(r).principalArn === alice));
    });

    it("leaves the next plan unaffected, and access entries name the configured ARNs once found", async () => {
        await failure("prod", without("arn:aws:iam::222222222222:role/SRE-ReadOnly"));
        const plan = await planStack({ stack: "prod" });
        assert.deepStrictEqual(ofType(plan.resources, "aws:eks/accessEntry:AccessEntry").map((r) => inputs(r).principalArn), [
            "arn:aws:iam::222222222222:role/PlatformAdmin",
            "arn:aws:iam::222222222222:role/pulumi-deployments",
            "arn:aws:iam::222222222222:role/pulumi-deployments-tenants",
            "arn:aws:iam::222222222222:role/SRE-ReadOnly",
        ]);
    });
});
