import * as assert from "assert";
import { PROJECT_DIR, record, Recording } from "../plan/engine";
import { DEPLOYER_POLICY_PARTS, deployRoleTrust, PlatformDeployments, readDeployerPolicy } from "../deployments/deployments";
import { inputs, named, ofType } from "./helpers";

const ARGS = {
    organization: "acme",
    project: "platform",
    repository: "acme/platform",
    branch: "main",
    repoDir: "",
    stacks: [{ stack: "dev", pushToDeploy: true }, { stack: "prod", pushToDeploy: false, agentPoolId: "pool-in-vpc" }],
    deployerPolicy: readDeployerPolicy(PROJECT_DIR),
};

describe("deployments/: Pulumi Deployments of the platform's stacks, as code", () => {
    let rec: Recording;
    before(async () => {
        rec = await record({ project: "platform-deployments", stack: "acme", config: {}, cloud: { accountId: "111111111111", region: "eu-west-1", partition: "aws" } }, () => new PlatformDeployments("d", ARGS));
    });
    const settings = (stack: string) => inputs(named(rec.resources, `d-${stack}-settings`));

    it("previews every pull request, deploys dev on push and prod on demand, from the repository's branch", () => {
        for (const stack of ["dev", "prod"]) {
            const s = settings(stack);
            assert.deepStrictEqual([s.organization, s.project, s.stack], ["acme", "platform", stack]);
            assert.deepStrictEqual(s.sourceContext, { git: { repoUrl: "https://github.com/acme/platform.git", branch: "refs/heads/main", repoDir: "" } });
            assert.deepStrictEqual([s.github.repository, s.github.previewPullRequests, s.github.deployCommits], ["acme/platform", true, stack === "dev"]);
        }
        assert.strictEqual(settings("prod").agentPoolId, "pool-in-vpc");
        assert.strictEqual(settings("dev").agentPoolId, undefined);
    });

    it("installs with npm ci and takes AWS credentials from its own role through OIDC (no keys)", () => {
        const s = settings("dev");
        assert.deepStrictEqual([s.operationContext.preRunCommands, s.operationContext.options.skipInstallDependencies], [["npm ci --no-audit --no-fund"], true]);
        assert.deepStrictEqual(s.operationContext.oidc.aws, { roleARN: "arn:aws:iam::111111111111:role/d-dev", sessionName: "pulumi-deployments-dev", duration: "1h0m0s" });
        assert.doesNotMatch(JSON.stringify(rec.resources.map((r) => r.inputs)), /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
    });

    it("trusts Pulumi's issuer for this organization's tokens of one stack per role", () => {
        const provider = inputs(ofType(rec.resources, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")[0]);
        assert.deepStrictEqual([provider.url, provider.clientIdLists], ["https://api.pulumi.com/oidc", ["acme"]]);
        const trust = JSON.parse(inputs(named(rec.resources, "d-prod")).assumeRolePolicy).Statement[0];
        assert.deepStrictEqual(trust.Condition, {
            StringEquals: { "api.pulumi.com/oidc:aud": "acme" },
            StringLike: { "api.pulumi.com/oidc:sub": "pulumi:deploy:org:acme:project:platform:stack:prod:*" },
        });
        assert.deepStrictEqual(deployRoleTrust("arn", "acme", "platform", "dev").Statement[0].Action, "sts:AssumeRoleWithWebIdentity");
    });

    it("attaches the whole deployer policy, in parts IAM accepts, to each stack's role", () => {
        const policies = ofType(rec.resources, "aws:iam/policy:Policy").map((p) => JSON.parse(inputs(p).policy));
        assert.strictEqual(policies.length, DEPLOYER_POLICY_PARTS.length);
        assert.deepStrictEqual(policies.flatMap((p) => p.Statement.map((s: { Sid: string }) => s.Sid)).sort(), ARGS.deployerPolicy.Statement.map((s) => s.Sid).sort());
        for (const p of policies) assert.ok(JSON.stringify(p).length <= 6144);
        const attachments = ofType(rec.resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
        assert.strictEqual(attachments.length, DEPLOYER_POLICY_PARTS.length * 2);
    });
});
