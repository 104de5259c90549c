// `pulumi up` in deployments/ (its own stack) sets up Pulumi Deployments for the platform's stacks (docs/operations.md, "Delivery").
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PlatformDeployments, readDeployerPolicy, StackDeployment } from "./deployments";

const config = new pulumi.Config();
const deployments = new PlatformDeployments("platform-deployments", {
    organization: config.require("organization"),
    project: config.get("project") ?? "platform",
    repository: config.require("repository"),
    branch: config.get("branch") ?? "main",
    repoDir: config.get("repoDir") ?? "",
    stacks: config.requireObject<StackDeployment[]>("stacks"),
    deployerPolicy: readDeployerPolicy(path.join(__dirname, "..")),
});

export const roleArns = Object.fromEntries(Object.entries(deployments.roles).map(([stack, role]) => [stack, role.arn]));
