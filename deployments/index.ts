// `pulumi up` in deployments/ (its own stack) sets up Pulumi Deployments for the platform's stacks (docs/operations.md, "Delivery").
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PlatformDeployments, readDeployerPolicy, StackDeployment, tenantStackDeployments } from "./deployments";
import { readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";

const config = new pulumi.Config();
const root = path.join(__dirname, "..");
const stacks = config.requireObject<StackDeployment[]>("stacks");
// Each platform stack file's tenants, when they have stacks of their own (tenants.placement OwnStacks).
const tenantStacks = stacks.flatMap((s) => {
    const platform = readStackConfig(root, s.stack);
    return tenantStackDeployments(s, parsePlatformConfig(platform.config, platform.project, undefined, root).tenants);
});
const deployments = new PlatformDeployments("platform-deployments", {
    organization: config.require("organization"),
    project: config.get("project") ?? "platform",
    repository: config.require("repository"),
    branch: config.get("branch") ?? "main",
    repoDir: config.get("repoDir") ?? "",
    stacks,
    tenantStacks,
    deployerPolicy: readDeployerPolicy(root),
    readerTeams: config.getObject<string[]>("readerTeams") ?? [],
});

export const roleArns = Object.fromEntries(Object.entries(deployments.roles).map(([stack, role]) => [stack, role.arn]));
