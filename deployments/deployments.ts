// Pulumi Deployments for the platform's stacks, as code: each stack deploys from the repository with pull-request
// previews, push-to-deploy where its settings say so, and AWS credentials through Pulumi's OIDC issuer (a role per
// stack, trusted for that stack only, with the deployer policy of docs/deployer-policy.json): no long-lived keys.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as service from "@pulumi/pulumiservice";
import { type TenantStackDeployment, tenantStackPaths } from "./tenant-paths";
import { CONTRACT_PROJECT } from "../stacks/outputs";
import { roleNaming } from "../components/shared/iam";
import { TENANT_DEPLOYER_PARTS, tenantDeployerParts, tenantDeployerPolicy, type TenantDeployerScope } from "./tenant-deployer";
import { deploymentSessionName } from "./checks";

export type { TenantStackDeployment } from "./tenant-paths";
export type { TenantDeployerScope } from "./tenant-deployer";
export { tenantStackDeployments } from "./tenant-paths";

/** Pulumi Cloud's OIDC issuer (its tokens' `iss`, without scheme for IAM condition keys). */
export const PULUMI_OIDC_ISSUER = "api.pulumi.com/oidc";
/**
 * The deployer policy, split as docs/deployer-policy.md says (IAM's 6,144-character managed-policy limit; a role holds
 * 10 managed policies by default). EC2 takes two parts: the VPC's statements, and the instance launches (node groups'
 * launch templates, the NAT instance).
 */
export const DEPLOYER_POLICY_PARTS: readonly (readonly string[])[] = [
    ["Sts", "Ec2Describe", "Ec2Create", "Ec2Tag", "Ec2Manage"],
    ["Ec2Disassociate", "Ec2Run", "Ec2NatInstance"],
    ["Iam"],
    ["Kms", "Logs", "S3", "Events"],
    ["Sqs", "Efs", "Route53", "SecretsManager"],
    ["Eks", "Rds", "Ecr"],
];

export interface StackDeployment {
    /** The platform stack (dev, prod, ...). */
    readonly stack: string;
    /** Deploy every commit to the branch (dev); otherwise deployments run on demand (prod). */
    readonly pushToDeploy: boolean;
    /** A self-hosted agent pool (a private cluster endpoint needs a runner inside the VPC). */
    readonly agentPoolId?: string;
}

/** A platform stack's deploy session: its role's maximum and what Deployments asks for (STS allows up to 12 h). */
export const PLATFORM_SESSION = { maxSeconds: 4 * 3600, duration: "4h0m0s" } as const;

/** The logical names of the deployments program's resources, from one place (the program, and its duplicate check). */
export const deploymentNames = (name: string) => ({
    oidc: `${name}-pulumi-oidc`,
    deployerPolicy: (part: number) => `${name}-deployer-${part}`,
    role: (stack: string) => `${name}-${stack}`,
    roleAttachment: (stack: string, part: number) => `${name}-${stack}-deployer-${part}`,
    settings: (stack: string) => `${name}-${stack}-settings`,
    tenantsPolicy: (stack: string, part: number) => `${name}-${stack}-tenant-deployer-${part}`,
    tenantsRole: (stack: string) => `${name}-${stack}-tenants`,
    tenantsAttachment: (stack: string, part: number) => `${name}-${stack}-tenants-policy-${part}`,
    tenantSettings: (stack: string, tenant: string) => `${name}-${stack}-${tenant}-settings`,
    contractSettings: (stack: string) => `${name}-${stack}-contract-settings`,
    contractWebhook: (stack: string) => `${name}-${stack}-contract-webhook`,
    readerGrant: (team: string, stack: string) => `${name}-${team}-${stack}-contract-read`,
});

/** Every resource PlatformDeployments registers for these arguments (duplicates included): its type, name and the config key it comes from. */
export function deploymentResources(name: string, a: Pick<DeploymentsArgs, "stacks" | "tenantStacks" | "readerTeams" | "organization">): { type: string; name: string; key: string }[] {
    const n = deploymentNames(name);
    const T = { policy: "aws:iam/policy:Policy", role: "aws:iam/role:Role", attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", settings: "pulumiservice:index:DeploymentSettings" };
    const parts = (count: number, type: string, f: (i: number) => string) => Array.from({ length: count }, (_, i) => ({ type, name: f(i + 1), key: "stacks" }));
    const one = (type: string, resourceName: string, key = "stacks") => ({ type, name: resourceName, key });
    return [
        one("aws:iam/openIdConnectProvider:OpenIdConnectProvider", n.oidc),
        ...parts(DEPLOYER_POLICY_PARTS.length, T.policy, n.deployerPolicy),
        ...a.stacks.flatMap((s) => {
            const tenants = (a.tenantStacks ?? []).filter((t) => t.platformStack === s.stack);
            return [
                one(T.role, n.role(s.stack)),
                ...parts(DEPLOYER_POLICY_PARTS.length, T.attachment, (i) => n.roleAttachment(s.stack, i)),
                one(T.settings, n.settings(s.stack)),
                ...(tenants.length === 0
                    ? []
                    : [
                          one(T.role, n.tenantsRole(s.stack)),
                          ...parts(TENANT_DEPLOYER_PARTS.length, T.policy, (i) => n.tenantsPolicy(s.stack, i)),
                          ...parts(TENANT_DEPLOYER_PARTS.length, T.attachment, (i) => n.tenantsAttachment(s.stack, i)),
                      ]),
                ...tenants.map((t) => one(T.settings, n.tenantSettings(s.stack, t.tenant))),
                one(T.settings, n.contractSettings(s.stack)),
                one("pulumiservice:index:Webhook", n.contractWebhook(s.stack)),
            ];
        }),
        ...readerPermissions(a).map((p) => one("pulumiservice:index:TeamStackPermission", n.readerGrant(p.team, p.stack), "readerTeams")),
    ];
}

/** The project of the tenant stacks (tenant/Pulumi.yaml), in the repository's tenant/ folder. */
export const TENANT_PROJECT = "platform-tenant";
export { CONTRACT_PROJECT };

/**
 * What a contract stack is built from: a change here is previewed on it. Pulumi type-checks the program, and
 * stacks/outputs.ts's types reach the components and the config schema; tsconfig.json is what contract/'s extends.
 */
export const CONTRACT_STACK_SOURCES = ["contract/**", "packages/**", "stacks/**", "components/**", "tsconfig.json", "package.json", "package-lock.json"] as const;

export interface DeploymentsArgs {
    readonly organization: string;
    /** The Pulumi project of the platform. */
    readonly project: string;
    /** GitHub repository, owner/name, and the branch stacks deploy from. */
    readonly repository: string;
    readonly branch: string;
    /** The project's folder in the repository ("" at the root). */
    readonly repoDir: string;
    readonly stacks: readonly StackDeployment[];
    /** Tenants' own stacks (tenantStackDeployments), with the platform stacks they belong to. @default [] */
    readonly tenantStacks?: readonly TenantStackDeployment[];
    /** Per platform stack with tenant stacks, its names (from its stack file): what its tenants' deploy role may touch. */
    readonly tenantDeployers?: Readonly<Record<string, TenantDeployerScope>>;
    /** The deployer policy document (docs/deployer-policy.json). */
    readonly deployerPolicy: { Version: string; Statement: { Sid: string }[] };
    /** Pulumi Cloud teams of application developers: Stack Read on every contract stack, nothing on platform or tenant stacks. @default [] */
    readonly readerTeams?: readonly string[];
    /**
     * Preview pull requests with Deployments: they run the branch's code with the stack's deploy role (Deployments takes
     * one role for every operation), so only where no one but the platform team may push branches. @default true
     */
    readonly previewPullRequests?: boolean;
}

/**
 * The trust policy of a deploy role: Pulumi's OIDC tokens of this organization for `project`'s stacks `stack` (the
 * platform stack's role: its one stack; the tenants' role: `<stack>.*`, every tenant stack of that platform stack).
 */
export function deployRoleTrust(providerArn: string, organization: string, project: string, stack: string) {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: { [`${PULUMI_OIDC_ISSUER}:aud`]: organization },
                    // pulumi:deploy:org:<org>:project:<project>:stack:<stack>:operation:<op>:scope:write
                    StringLike: { [`${PULUMI_OIDC_ISSUER}:sub`]: `pulumi:deploy:org:${organization}:project:${project}:stack:${stack}:*` },
                },
            },
        ],
    };
}

/** The DeploymentSettings of one stack (pure: what the tests pin). */
export function deploymentSettings(a: DeploymentsArgs, s: StackDeployment, roleArn: pulumi.Input<string>): service.DeploymentSettingsArgs {
    return {
        organization: a.organization,
        project: a.project,
        stack: s.stack,
        agentPoolId: s.agentPoolId,
        // The repository is github.repository's (pulumiservice: no repoUrl alongside GitHub settings).
        sourceContext: { git: { branch: `refs/heads/${a.branch}`, repoDir: a.repoDir } },
        github: {
            repository: a.repository,
            previewPullRequests: a.previewPullRequests ?? true,
            deployCommits: s.pushToDeploy,
            pullRequestTemplate: false,
            paths: [`${a.repoDir ? `${a.repoDir}/` : ""}**`],
        },
        operationContext: {
            // The lockfile's exact tree; Deployments' own install would not use npm ci. Then the pinned images whose arm64
            // build no repository file proves at their tag, looked up in their registries before anything changes
            // (docs/operations.md, "arm64 builds of the platform's images"; none when the System nodes are x86_64).
            preRunCommands: ["npm ci --no-audit --no-fund", `npm run -s check:images -- --stack ${s.stack}`],
            options: { skipInstallDependencies: true },
            // A first `up` of a platform stack (cluster, node groups, database, releases) can pass an hour; the
            // credentials are taken once, before the run.
            oidc: { aws: { roleARN: roleArn, sessionName: deploymentSessionName(s.stack), duration: PLATFORM_SESSION.duration } },
        },
    };
}

/**
 * The DeploymentSettings of a tenant's stack: from tenant/, previewing (and on push deploying) only when its own entry,
 * its platform's stack file or the code that builds tenants changes; its three config keys written before each run.
 */
export function tenantDeploymentSettings(a: DeploymentsArgs, t: TenantStackDeployment, roleArn: pulumi.Input<string>): service.DeploymentSettingsArgs {
    const at = (p: string) => (a.repoDir ? `${a.repoDir}/${p}` : p);
    const stack = `${t.platformStack}.${t.tenant}`;
    const fqStack = `${a.organization}/${TENANT_PROJECT}/${stack}`;
    const config = { platformStack: `${a.organization}/${a.project}/${t.platformStack}`, platformStackFile: `../Pulumi.${t.platformStack}.yaml`, tenant: t.tenant };
    return {
        organization: a.organization,
        project: TENANT_PROJECT,
        stack,
        agentPoolId: t.agentPoolId,
        sourceContext: { git: { branch: `refs/heads/${a.branch}`, repoDir: at("tenant") } },
        github: {
            repository: a.repository,
            previewPullRequests: a.previewPullRequests ?? true,
            deployCommits: t.pushToDeploy,
            pullRequestTemplate: false,
            paths: tenantStackPaths(t).map(at),
        },
        operationContext: {
            // The dependencies are the repository's (one lockfile); the stack's config is not committed, written here.
            preRunCommands: ["npm ci --prefix .. --no-audit --no-fund", ...Object.entries(config).map(([k, v]) => `pulumi config set --stack ${fqStack} ${k} ${v}`)],
            options: { skipInstallDependencies: true },
            oidc: { aws: { roleARN: roleArn, sessionName: deploymentSessionName(stack), duration: "1h0m0s" } },
        },
    };
}

/**
 * The DeploymentSettings of a platform stack's contract stack (contract/, named as the platform stack): no cloud
 * credentials (it only reads the platform stack), no deploy on push (the platform's webhook runs it after each update),
 * pull requests previewed when what builds it changes; its one config key written before each run.
 */
export function contractDeploymentSettings(a: DeploymentsArgs, s: StackDeployment): service.DeploymentSettingsArgs {
    const at = (p: string) => (a.repoDir ? `${a.repoDir}/${p}` : p);
    const fqStack = `${a.organization}/${CONTRACT_PROJECT}/${s.stack}`;
    return {
        organization: a.organization,
        project: CONTRACT_PROJECT,
        stack: s.stack,
        agentPoolId: s.agentPoolId,
        sourceContext: { git: { branch: `refs/heads/${a.branch}`, repoDir: at("contract") } },
        github: {
            repository: a.repository,
            previewPullRequests: a.previewPullRequests ?? true,
            deployCommits: false,
            pullRequestTemplate: false,
            paths: CONTRACT_STACK_SOURCES.map(at),
        },
        operationContext: {
            preRunCommands: ["npm ci --prefix .. --no-audit --no-fund", `pulumi config set --stack ${fqStack} platformStack ${a.organization}/${a.project}/${s.stack}`],
            options: { skipInstallDependencies: true },
        },
    };
}

/** The webhook on a platform stack that deploys its contract stack after each successful update (a Deployments webhook: payloadUrl is `<project>/<stack>`). */
export function contractWebhook(a: DeploymentsArgs, s: StackDeployment): service.WebhookArgs {
    return {
        organizationName: a.organization,
        projectName: a.project,
        stackName: s.stack,
        displayName: `deploy ${CONTRACT_PROJECT}/${s.stack}`,
        format: service.WebhookFormat.PulumiDeployments,
        payloadUrl: `${CONTRACT_PROJECT}/${s.stack}`,
        filters: [service.WebhookFilters.UpdateSucceeded],
        active: true,
    };
}

/** What application teams are granted: Stack Read on each contract stack (the only stacks they read; Read includes export and decrypt). */
export function readerPermissions(a: Pick<DeploymentsArgs, "organization" | "stacks" | "readerTeams">): (service.TeamStackPermissionArgs & { readonly team: string; readonly stack: string })[] {
    return (a.readerTeams ?? []).flatMap((team) =>
        a.stacks.map((s) => ({ organization: a.organization, project: CONTRACT_PROJECT, stack: s.stack, team, permission: service.TeamStackPermissionScope.Read })),
    );
}

/** The platform's Deployments: Pulumi's OIDC provider in AWS, a deploy role per stack (and one for its tenant stacks), and their settings. */
export class PlatformDeployments extends pulumi.ComponentResource {
    public readonly roles: Record<string, aws.iam.Role> = {};
    /** Per platform stack with tenant stacks, the role they deploy with. */
    public readonly tenantRoles: Record<string, aws.iam.Role> = {};

    constructor(name: string, a: DeploymentsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:delivery:Deployments", name, {}, opts);
        const child = { parent: this };
        const n = deploymentNames(name);
        const oidc = new aws.iam.OpenIdConnectProvider(n.oidc, { url: `https://${PULUMI_OIDC_ISSUER}`, clientIdLists: [a.organization] }, child);
        const policies = DEPLOYER_POLICY_PARTS.map((prefixes, i) => {
            const statements = a.deployerPolicy.Statement.filter((st) => prefixes.some((p) => st.Sid.startsWith(p)));
            return new aws.iam.Policy(
                n.deployerPolicy(i + 1),
                { description: `Platform deployer, part ${i + 1} (${prefixes.join(", ")})`, policy: JSON.stringify({ Version: a.deployerPolicy.Version, Statement: statements }) },
                child,
            );
        });
        for (const s of a.stacks) {
            const role = new aws.iam.Role(
                n.role(s.stack),
                {
                    // A long stack name would pass IAM's 64 characters once auto-named.
                    ...roleNaming(n.role(s.stack)),
                    description: `Pulumi Deployments of ${a.project}/${s.stack}`,
                    assumeRolePolicy: oidc.arn.apply((arn) => JSON.stringify(deployRoleTrust(arn, a.organization, a.project, s.stack))),
                    maxSessionDuration: PLATFORM_SESSION.maxSeconds,
                },
                child,
            );
            policies.forEach((p, i) => new aws.iam.RolePolicyAttachment(n.roleAttachment(s.stack, i + 1), { role: role.name, policyArn: p.arn }, child));
            this.roles[s.stack] = role;
            new service.DeploymentSettings(n.settings(s.stack), deploymentSettings(a, s, role.arn), { ...child, dependsOn: [role] });
            const tenantStacks = (a.tenantStacks ?? []).filter((t) => t.platformStack === s.stack);
            if (tenantStacks.length > 0) {
                const tenantsRole = this.tenantsRole(name, a, s.stack, oidc.arn);
                for (const t of tenantStacks) {
                    new service.DeploymentSettings(n.tenantSettings(s.stack, t.tenant), tenantDeploymentSettings(a, t, tenantsRole.arn), { ...child, dependsOn: [tenantsRole] });
                }
            }
            const contract = new service.DeploymentSettings(n.contractSettings(s.stack), contractDeploymentSettings(a, s), child);
            new service.Webhook(n.contractWebhook(s.stack), contractWebhook(a, s), { ...child, dependsOn: [contract] });
        }
        for (const p of readerPermissions(a)) new service.TeamStackPermission(n.readerGrant(p.team, p.stack), p, child);
        this.registerOutputs({
            roleArns: Object.fromEntries(Object.entries(this.roles).map(([k, r]) => [k, r.arn])),
            tenantRoleArns: Object.fromEntries(Object.entries(this.tenantRoles).map(([k, r]) => [k, r.arn])),
        });
    }

    /**
     * The deploy role of a platform stack's tenant stacks: trusted by every `platform-tenant/<stack>.*` stack, with the
     * tenants' deploy policy only (tenantDeployerPolicy), never the platform's.
     */
    private tenantsRole(name: string, a: DeploymentsArgs, stack: string, providerArn: pulumi.Output<string>): aws.iam.Role {
        const child = { parent: this };
        const n = deploymentNames(name);
        const scope = a.tenantDeployers?.[stack];
        if (!scope) throw new Error(`platform stack ${stack} has tenant stacks but no tenantDeployers entry (its name and region)`);
        const policies = tenantDeployerParts(tenantDeployerPolicy(scope)).map(
            (part, i) =>
                new aws.iam.Policy(n.tenantsPolicy(stack, i + 1), { description: `Deployer of the tenant stacks of ${a.project}/${stack}, part ${i + 1}`, policy: JSON.stringify(part) }, child),
        );
        const role = new aws.iam.Role(
            n.tenantsRole(stack),
            {
                ...roleNaming(n.tenantsRole(stack)),
                description: `Pulumi Deployments of the tenant stacks ${TENANT_PROJECT}/${stack}.*`,
                assumeRolePolicy: providerArn.apply((arn) => JSON.stringify(deployRoleTrust(arn, a.organization, TENANT_PROJECT, `${stack}.*`))),
                maxSessionDuration: 3600,
            },
            child,
        );
        policies.forEach((p, i) => new aws.iam.RolePolicyAttachment(n.tenantsAttachment(stack, i + 1), { role: role.name, policyArn: p.arn }, child));
        this.tenantRoles[stack] = role;
        return role;
    }
}

/** The deployer policy as committed. */
export function readDeployerPolicy(projectDir: string): DeploymentsArgs["deployerPolicy"] {
    return JSON.parse(fs.readFileSync(path.join(projectDir, "docs", "deployer-policy.json"), "utf8"));
}
