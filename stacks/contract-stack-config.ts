// The contract project's only config reader (contract/): which platform stack its StackReference reads.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError } from "./config";
import { describeIssue } from "./errors";
import { CONTRACT_PROJECT } from "./outputs";

export { CONTRACT_PROJECT };

/** The keys of `platform-contract:` (contract/Pulumi.yaml declares exactly these, all strings, none with a default). */
export const contractStackConfigSchema = z.strictObject({
    platformStack: z
        .string()
        .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "expected <organization>/<project>/<stack>, like acme/platform/prod")
        .refine((s) => s.split("/")[1] !== CONTRACT_PROJECT, `expected a platform stack, not a stack of ${CONTRACT_PROJECT} itself`)
        .describe("The platform stack whose outputs contract this stack republishes (a StackReference): <organization>/<project>/<stack>, e.g. acme/platform/prod."),
});
export type ContractStackConfig = z.infer<typeof contractStackConfigSchema>;

/** Validates a contract stack's config (`<namespace>:<key>` -> stored string); throws ConfigError naming each bad key. */
export function parseContractStackConfig(raw: Readonly<Record<string, string>>, namespace: string): ContractStackConfig {
    const values: Record<string, unknown> = {};
    for (const [fullKey, stored] of Object.entries(raw)) {
        if (fullKey.startsWith(`${namespace}:`)) values[fullKey.slice(namespace.length + 1)] = stored;
    }
    const keys = contractStackConfigSchema.safeParse(values, { reportInput: true });
    if (!keys.success) throw new ConfigError(keys.error.issues.flatMap((i) => describeIssue(contractStackConfigSchema, namespace, i)));
    return keys.data;
}

/** Reads and validates this contract stack's configuration; throws before any resource is registered. */
export function loadContractStackConfig(): ContractStackConfig {
    return parseContractStackConfig(pulumi.runtime.allConfig(), pulumi.getProject());
}

/** The contract stack's config for platform stack `platformStack` (what `pulumi config set` writes, and the offline plan runs with). */
export function contractStackConfig(platformStack: string, namespace = CONTRACT_PROJECT): Record<string, string> {
    return { [`${namespace}:platformStack`]: platformStack };
}
