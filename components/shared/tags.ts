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
