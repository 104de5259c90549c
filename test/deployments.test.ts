import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR, record, Recording } from "../plan/engine";
import { CONTRACT_STACK_SOURCES, DEPLOYER_POLICY_PARTS, deployRoleTrust, PlatformDeployments, readDeployerPolicy, tenantStackDeployments } from "../deployments/deployments";
import { tenantDeployerPolicy } from "../deployments/tenant-deployer";
import { TENANT_STACK_SOURCES } from "../deployments/tenant-paths";
import { inputs, named, ofType } from "./helpers";
import * as YAML from "yaml";
import { projectDeclarationError, stackConfigError } from "../plan/cli-config-rules";

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
            // The repository is the GitHub settings' (pulumiservice 1.3.0: no repoUrl alongside them).
            assert.deepStrictEqual(s.sourceContext, { git: { branch: "refs/heads/main", repoDir: "" } });
            assert.deepStrictEqual([s.github.repository, s.github.previewPullRequests, s.github.deployCommits], ["acme/platform", true, stack === "dev"]);
        }
        assert.strictEqual(settings("prod").agentPoolId, "pool-in-vpc");
        assert.strictEqual(settings("dev").agentPoolId, undefined);
    });

    it("installs with npm ci and takes AWS credentials from its own role through OIDC (no keys)", () => {
        const s = settings("dev");
        assert.deepStrictEqual([s.operationContext.preRunCommands, s.operationContext.options.skipInstallDependencies], [["npm ci --no-audit --no-fund", "npm run -s check:images -- --stack dev"], true]);
        // The command it runs exists (package.json) and takes the stack.
        assert.strictEqual(JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).scripts["check:images"], "node scripts/check-images.mjs");
        // Four hours, within the role's maximum: a first `up` can pass an hour, and the credentials are taken once.
        assert.deepStrictEqual(s.operationContext.oidc.aws, { roleARN: "arn:aws:iam::111111111111:role/d-dev", sessionName: "pulumi-deployments-dev", duration: "4h0m0s" });
        assert.strictEqual(inputs(named(rec.resources, "d-dev")).maxSessionDuration, 4 * 3600);
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

describe("deployments/: each tenant's own stack, previewed when its own entry changes", () => {
    const prod = ARGS.stacks[1];
    const tenants = { placement: "OwnStacks", list: [{ name: "team-a" }], all: [{ name: "team-a" }, { name: "team-d" }], directory: "tenants/prod" };
    const tenantStacks = tenantStackDeployments(prod, tenants);
    let rec: Recording;
    before(async () => {
        rec = await record({ project: "platform-deployments", stack: "acme", config: {}, cloud: { accountId: "111111111111", region: "eu-west-1", partition: "aws" } }, () =>
            new PlatformDeployments("d", { ...ARGS, repoDir: "infra", tenantStacks, tenantDeployers: { prod: { name: "acme-prod", region: "eu-west-1", production: true, cachePrefixes: ["docker-hub"], partition: "aws" } } }),
        );
    });
    const settings = (tenant: string) => inputs(named(rec.resources, `d-prod-${tenant}-settings`));

    it("lists a stack per tenant only with OwnStacks: a list entry lives in the stack file, a folder's tenant in its own file", () => {
        assert.deepStrictEqual(tenantStackDeployments(prod, { ...tenants, placement: "PlatformStack" }), []);
        assert.deepStrictEqual(tenantStacks, [
            { platformStack: "prod", tenant: "team-a", file: "Pulumi.prod.yaml", pushToDeploy: false, agentPoolId: "pool-in-vpc" },
            { platformStack: "prod", tenant: "team-d", file: "tenants/prod/team-d.yaml", pushToDeploy: false, agentPoolId: "pool-in-vpc" },
        ]);
    });

    it("deploys tenant/ as <stack>.<tenant>, previewing a pull request only for its own file, its platform's stack file or the code that builds tenants", () => {
        const s = settings("team-d");
        assert.deepStrictEqual([s.project, s.stack, s.sourceContext.git.repoDir, s.github.previewPullRequests, s.github.deployCommits], ["platform-tenant", "prod.team-d", "infra/tenant", true, false]);
        assert.deepStrictEqual(s.github.paths, [
            "infra/tenants/prod/team-d.yaml",
            "infra/tenants/prod/team-d.yml",
            "infra/Pulumi.prod.yaml",
            "infra/tenant/**",
            "infra/components/**",
            "infra/stacks/**",
            "infra/packages/**",
            "infra/plan/stack-files.ts",
            "infra/plan/cli-config-rules.ts",
            "infra/Pulumi.yaml",
            "infra/tsconfig.json",
            "infra/package.json",
            "infra/package-lock.json",
        ]);
        // Another tenant's file is none of its paths.
        assert.ok(!settings("team-a").github.paths.some((p: string) => p.includes("team-d")));
        assert.deepStrictEqual(s.operationContext.preRunCommands, [
            "npm ci --prefix .. --no-audit --no-fund",
            "pulumi config set --stack acme/platform-tenant/prod.team-d platformStack acme/platform/prod",
            "pulumi config set --stack acme/platform-tenant/prod.team-d platformStackFile ../Pulumi.prod.yaml",
            "pulumi config set --stack acme/platform-tenant/prod.team-d tenant team-d",
        ]);
    });

    // A tenant stack reaches the cluster (EKS access entries) and Vault (the deployer login) as one of cluster.admins,
    // which lists this role too (docs/tenants.md); in AWS it holds the tenants' deploy policy alone.
    it("runs a platform stack's tenant stacks as a role of their own, trusted by them alone, with the tenants' deploy policy only", () => {
        assert.deepStrictEqual(ofType(rec.resources, "aws:iam/role:Role").map((r) => r.name).sort(), ["d-dev", "d-prod", "d-prod-tenants"]);
        const sub = (role: string) => JSON.parse(inputs(named(rec.resources, role)).assumeRolePolicy).Statement[0].Condition.StringLike;
        assert.deepStrictEqual(sub("d-prod-tenants"), { "api.pulumi.com/oidc:sub": "pulumi:deploy:org:acme:project:platform-tenant:stack:prod.*:*" });
        // The platform stacks' roles trust their own stack alone: no tenant stack takes the platform deployer's permissions.
        assert.deepStrictEqual(sub("d-prod"), { "api.pulumi.com/oidc:sub": "pulumi:deploy:org:acme:project:platform:stack:prod:*" });
        assert.deepStrictEqual(sub("d-dev"), { "api.pulumi.com/oidc:sub": "pulumi:deploy:org:acme:project:platform:stack:dev:*" });
        assert.deepStrictEqual(
            ["team-a", "team-d"].map((t) => settings(t).operationContext.oidc.aws.roleARN),
            ["arn:aws:iam::111111111111:role/d-prod-tenants", "arn:aws:iam::111111111111:role/d-prod-tenants"],
        );
        // Its one policy is the tenants' deploy policy of prod's names; the platform deployer's parts are not attached to it.
        const attached = ofType(rec.resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((r) => r.inputs.role === "d-prod-tenants");
        assert.deepStrictEqual(attached.map((r) => r.inputs.policyArn), ["arn:aws:iam::111111111111:policy/d-prod-tenant-deployer-1", "arn:aws:iam::111111111111:policy/d-prod-tenant-deployer-2"]);
        const statements = [1, 2].flatMap((i) => JSON.parse(inputs(named(rec.resources, `d-prod-tenant-deployer-${i}`)).policy).Statement);
        const whole = tenantDeployerPolicy({ name: "acme-prod", region: "eu-west-1", production: true, cachePrefixes: ["docker-hub"], partition: "aws" });
        // Both parts together are the whole policy, each statement once.
        assert.deepStrictEqual(statements.map((st: { Sid: string }) => st.Sid).sort(), whole.Statement.map((st) => st.Sid).sort());
        assert.deepStrictEqual(statements.find((st: { Sid: string }) => st.Sid === "TenantNotCacheRepositories").Resource, ["arn:aws:ecr:eu-west-1:*:repository/*/*/apps", "arn:aws:ecr:eu-west-1:*:repository/docker-hub/*"]);
        assert.ok(!ofType(rec.resources, "aws:iam/role:Role").some((r) => r.name === "d-dev-tenants"), "dev has no tenant stacks here: no tenants' role");
    });

    it("names the deploy roles within IAM's 64 characters for a long platform stack name", async () => {
        const stack = "production-eu-central-1-canary-green";
        const long = await record({ project: "platform-deployments", stack: "acme", config: {}, cloud: { accountId: "111111111111", region: "eu-west-1", partition: "aws" } }, () =>
            new PlatformDeployments("platform-deployments", {
                ...ARGS,
                stacks: [{ stack, pushToDeploy: false }],
                tenantStacks: tenantStackDeployments({ stack, pushToDeploy: false }, tenants),
                tenantDeployers: { [stack]: { name: "acme-prod", region: "eu-west-1", production: true, cachePrefixes: [], partition: "aws" } },
            }),
        );
        const roles = ofType(long.resources, "aws:iam/role:Role");
        assert.deepStrictEqual(roles.map((r) => r.name).sort(), [`platform-deployments-${stack}`, `platform-deployments-${stack}-tenants`]);
        // Auto-named, both would be longer than 64 (the logical name and 8 characters); each gets a prefix the provider
        // completes with 26 characters.
        for (const r of roles) {
            assert.ok(r.name.length + 8 > 64, r.name);
            assert.ok(typeof r.inputs.namePrefix === "string" && r.inputs.namePrefix.length + 26 <= 64, String(r.inputs.namePrefix));
        }
    });

    it("refuses a platform stack with tenant stacks but no tenantDeployers entry", async () => {
        await assert.rejects(
            record({ project: "platform-deployments", stack: "acme", config: {}, cloud: { accountId: "111111111111", region: "eu-west-1", partition: "aws" } }, () => new PlatformDeployments("d", { ...ARGS, tenantStacks })),
            /platform stack prod has tenant stacks but no tenantDeployers entry/,
        );
    });
});

describe("deployments/: pull-request previews, which run a branch's code with the deploy roles", () => {
    const project = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "deployments", "Pulumi.yaml"), "utf8"));
    // The example stack file as the CLI reads it, with the key set or left to its default.
    const example = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "deployments", "Pulumi.example.yaml"), "utf8")).config as Record<string, unknown>;
    const stackConfig = (value?: unknown) =>
        new Map(Object.entries({ ...example, ...(value === undefined ? {} : { "platform-deployments:previewPullRequests": value }) }).map(([k, raw]) => [k, { secure: false, raw }]));

    it("turn off for every stack, platform, tenant and contract, with previewPullRequests false", async () => {
        const rec = await record({ project: "platform-deployments", stack: "acme", config: {}, cloud: { accountId: "111111111111", region: "eu-west-1", partition: "aws" } }, () =>
            new PlatformDeployments("d", {
                ...ARGS,
                previewPullRequests: false,
                tenantStacks: tenantStackDeployments(ARGS.stacks[1], { placement: "OwnStacks", list: [{ name: "team-a" }], all: [{ name: "team-a" }] }),
                tenantDeployers: { prod: { name: "acme-prod", region: "eu-west-1", production: true, cachePrefixes: [], partition: "aws" } },
            }),
        );
        const settings = ofType(rec.resources, "pulumiservice:index:DeploymentSettings").map((r) => inputs(r));
        assert.deepStrictEqual(settings.map((s) => `${s.project}/${s.stack}`).sort(), ["platform-contract/dev", "platform-contract/prod", "platform-tenant/prod.team-a", "platform/dev", "platform/prod"]);
        assert.ok(settings.every((s) => s.github.previewPullRequests === false));
    });

    it("the key passes the CLI's config rules as declared (boolean, default true), and a value that is no boolean is refused", () => {
        assert.strictEqual(projectDeclarationError("platform-deployments", project.config), undefined);
        assert.strictEqual(project.config.previewPullRequests.default, true);
        assert.strictEqual(stackConfigError("platform-deployments", "acme", project.config, stackConfig()), undefined);
        assert.strictEqual(stackConfigError("platform-deployments", "acme", project.config, stackConfig(false)), undefined);
        assert.strictEqual(stackConfigError("platform-deployments", "acme", project.config, stackConfig("on")), "Stack 'acme' with configuration key 'previewPullRequests' must be of type 'boolean'");
    });
});

describe("deployments/: the contract stacks application teams read", () => {
    let rec: Recording;
    before(async () => {
        rec = await record({ project: "platform-deployments", stack: "acme", config: {}, cloud: { accountId: "111111111111", region: "eu-west-1", partition: "aws" } }, () => new PlatformDeployments("d", { ...ARGS, readerTeams: ["app-developers"] }));
    });

    it("deploys platform-contract/<stack> from contract/, after each successful update of the platform stack (a Deployments webhook), with no cloud credentials", () => {
        for (const stack of ["dev", "prod"]) {
            const s = inputs(named(rec.resources, `d-${stack}-contract-settings`));
            assert.deepStrictEqual([s.organization, s.project, s.stack, s.sourceContext.git.repoDir], ["acme", "platform-contract", stack, "contract"]);
            assert.deepStrictEqual([s.github.deployCommits, s.github.previewPullRequests], [false, true]);
            assert.deepStrictEqual(s.operationContext.preRunCommands, ["npm ci --prefix .. --no-audit --no-fund", `pulumi config set --stack acme/platform-contract/${stack} platformStack acme/platform/${stack}`]);
            assert.strictEqual(s.operationContext.oidc, undefined);
            const hook = inputs(named(rec.resources, `d-${stack}-contract-webhook`));
            assert.deepStrictEqual(
                [hook.organizationName, hook.projectName, hook.stackName, hook.format, hook.payloadUrl, hook.filters, hook.active],
                ["acme", "platform", stack, "pulumi_deployments", `platform-contract/${stack}`, ["update_succeeded"], true],
            );
        }
    });

    it("grants the reader teams Stack Read on the contract stacks and nothing on platform or tenant stacks", () => {
        const grants = ofType(rec.resources, "pulumiservice:index:TeamStackPermission").map((r) => inputs(r));
        assert.deepStrictEqual(
            grants.map((g) => [g.team, g.project, g.stack, g.permission]),
            [
                ["app-developers", "platform-contract", "dev", 101],
                ["app-developers", "platform-contract", "prod", 101],
            ],
        );
    });
});

describe("Deployments' paths of the tenant and contract stacks cover what their programs are built from", () => {
    /** The repository files a program's entry imports, transitively (relative imports; TypeScript's own scanner). */
    function importGraph(entry: string): string[] {
        const ts = require("typescript") as typeof import("typescript");
        const seen = new Set<string>();
        const visit = (file: string) => {
            if (seen.has(file)) return;
            seen.add(file);
            for (const ref of ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true).importedFiles) {
                if (!ref.fileName.startsWith(".")) continue;
                const base = path.resolve(path.dirname(file), ref.fileName);
                const found = [`${base}.ts`, path.join(base, "index.ts"), base].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
                // An import this walk cannot follow would leave its files out unseen.
                assert.ok(found, `${path.relative(PROJECT_DIR, file)} imports ${ref.fileName}, which this walk does not resolve`);
                visit(found);
            }
        };
        visit(path.join(PROJECT_DIR, entry));
        return [...seen].map((f) => path.relative(PROJECT_DIR, f).split(path.sep).join("/"));
    }
    const covered = (file: string, patterns: readonly string[]) => patterns.some((p) => (p.endsWith("/**") ? file.startsWith(p.slice(0, -2)) : file === p));

    for (const [project, entry, sources] of [["tenant", "tenant/index.ts", TENANT_STACK_SOURCES], ["contract", "contract/index.ts", CONTRACT_STACK_SOURCES]] as const) {
        it(`${project}/: every file its program imports, and the tsconfig.json its own extends`, () => {
            const files = importGraph(entry);
            assert.ok(files.length > (project === "tenant" ? 40 : 5), `${files.length} files`);
            assert.deepStrictEqual(files.filter((f) => !covered(f, sources)), []);
            const own = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, project, "tsconfig.json"), "utf8").replace(/^\s*\/\/.*$/gm, ""));
            assert.strictEqual(own.extends, "../tsconfig.json");
            assert.ok(covered("tsconfig.json", sources) && covered(`${project}/tsconfig.json`, sources));
            // Files the program reads at run time, not through an import: the platform's project file, with its stack file.
            if (project === "tenant") assert.ok(covered("Pulumi.yaml", sources));
        });
    }
});
