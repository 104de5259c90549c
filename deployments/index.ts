// `pulumi up` in deployments/ (its own stack) sets up Pulumi Deployments for the platform's stacks (docs/operations.md, "Delivery").
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { deploymentResources, type DeploymentsArgs, PlatformDeployments, readDeployerPolicy, StackDeployment, tenantStackDeployments } from "./deployments";
import { deploymentsProblems } from "./checks";
import { tenantDeployerScope } from "./tenant-deployer";
import { readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";

const config = new pulumi.Config();
const root = path.join(__dirname, "..");
const stacks = config.requireObject<StackDeployment[]>("stacks");
// Each platform stack file's tenants, when they have stacks of their own (tenants.placement OwnStacks).
const platforms = stacks.map((s) => {
    const file = readStackConfig(root, s.stack);
    return { deployment: s, settings: parsePlatformConfig(file.config, file.project, undefined, root) };
});
const tenantStacks = platforms.flatMap((p) => tenantStackDeployments(p.deployment, p.settings.tenants));
// What each platform stack's tenants' deploy role may touch: named after the stack's own names.
const tenantDeployers = Object.fromEntries(platforms.map((p) => [p.deployment.stack, tenantDeployerScope(p.settings)]));
const args: DeploymentsArgs = {
    organization: config.require("organization"),
    project: config.get("project") ?? "platform",
    repository: config.require("repository"),
    branch: config.get("branch") ?? "main",
    repoDir: config.get("repoDir") ?? "",
    stacks,
    tenantStacks,
    tenantDeployers,
    deployerPolicy: readDeployerPolicy(root),
    readerTeams: config.getObject<string[]>("readerTeams") ?? [],
    previewPullRequests: config.getBoolean("previewPullRequests") ?? true,
};
const NAME = "platform-deployments";
const problems = deploymentsProblems({
    project: pulumi.getProject(),
    stacks,
    accounts: Object.fromEntries(platforms.map((p) => [p.deployment.stack, p.settings.allowedAccountIds])),
    ownAccounts: new pulumi.Config("aws").getObject<string[]>("allowedAccountIds"),
    tenantStacks,
    resources: deploymentResources(NAME, args),
});
// Before any resource: one line per problem, no stack trace (a RunError).
if (problems.length > 0) throw new pulumi.RunError(`Invalid deployments configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
const deployments = new PlatformDeployments(NAME, args);

export const roleArns = Object.fromEntries(Object.entries(deployments.roles).map(([stack, role]) => [stack, role.arn]));
/** The role each platform stack's tenant stacks deploy with: list it in that stack's platform:cluster.admins too (docs/tenants.md). */
export const tenantRoleArns = Object.fromEntries(Object.entries(deployments.tenantRoles).map(([stack, role]) => [stack, role.arn]));
