// Composition only: validated config in, Platform built, outputs contract out.
import * as pulumi from "@pulumi/pulumi";
import { Platform } from "./components/platform/platform";
import { loadPlatformConfig } from "./stacks/config";
import { platformOutputs } from "./stacks/outputs";

const config = loadPlatformConfig();
const platform = new Platform("platform", { project: pulumi.getProject(), config });

export = platformOutputs(config, platform);
