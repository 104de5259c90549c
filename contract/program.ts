// The contract project's composition: the platform stack's outputs, read through PlatformReference (contract version
// checked, secret ones kept secret), exported again under the same names. Its state holds these outputs and the
// StackReference's copy of the platform's, never the platform's resources and their secret inputs: reading this stack
// (Pulumi Cloud's Stack Read includes stack:export and stack:decrypt) shows no credential. A function, so the offline
// plan runs it without reloading modules.
import * as pulumi from "@pulumi/pulumi";
import { PLATFORM_OUTPUT_KEYS, PlatformReference } from "../packages/platform-reference";
import type { PlatformOutputs } from "../stacks/outputs";
import { loadContractStackConfig } from "../stacks/contract-stack-config";

/** Every output of the contract, as the platform stack has it. */
export type ContractStackExports = { [K in keyof PlatformOutputs]: pulumi.Output<pulumi.Unwrap<PlatformOutputs[K]>> };

/** The contract stack's outputs: every key of PlatformOutputs, read from the configured platform stack. */
export function contractProgram(): ContractStackExports {
    const cfg = loadContractStackConfig();
    const platform = new PlatformReference("platform", { stack: cfg.platformStack });
    return Object.fromEntries(PLATFORM_OUTPUT_KEYS.map((k) => [k, platform.output(k)])) as ContractStackExports;
}
