import type * as pulumi from "@pulumi/pulumi";
import type * as aws from "@pulumi/aws";

export interface TagSource {
    readonly project: string;
    readonly environment: string;
    /** development | staging | production: also what the production policies key on. */
    readonly tier: string;
    readonly owner: string;
    readonly costCentre: string;
    readonly extra: Readonly<Record<string, string>>;
}

/** Tags applied to every AWS resource through the provider's defaultTags. */
export function platformTags(src: TagSource): Record<string, string> {
    return {
        ...src.extra,
        project: src.project,
        environment: src.environment,
        tier: src.tier,
        owner: src.owner,
        "cost-centre": src.costCentre,
        "managed-by": "pulumi",
    };
}

/** The AWS provider's settings: the stack's region and accounts, every resource tagged (the platform's and tenant stacks'). */
export function awsProviderArgs(cfg: { readonly region: string; readonly allowedAccountIds: readonly string[] }, tags: pulumi.Input<Record<string, pulumi.Input<string>>>): aws.ProviderArgs {
    return { region: cfg.region as aws.Region, allowedAccountIds: cfg.allowedAccountIds.length > 0 ? [...cfg.allowedAccountIds] : undefined, defaultTags: { tags } };
}
