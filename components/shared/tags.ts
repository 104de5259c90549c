export interface TagSource {
    readonly project: string;
    readonly environment: string;
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
        owner: src.owner,
        "cost-centre": src.costCentre,
        "managed-by": "pulumi",
    };
}
