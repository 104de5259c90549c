// Rebuilding a production stack after `pulumi destroy`: audit log groups and buckets were retained under fixed names,
// so a plain `pulumi up` would fail on names still taken. With `adoptRetained` on, each retained resource with a fixed
// name is adopted (Pulumi's `import` option) instead of created.
import * as pulumi from "@pulumi/pulumi";

/** Per type, the input that holds a retained resource's fixed physical name, which is also its import id. */
export const ADOPTABLE_NAME_INPUT: Readonly<Record<string, string>> = {
    "aws:cloudwatch/logGroup:LogGroup": "name",
    "aws:s3/bucket:Bucket": "bucket",
};

/**
 * Inputs that differ between the retained resource and the rebuilt program, left alone while adopting and updated
 * by the first `up` after: a log group's KMS key is the new generation's, not the retained one.
 */
export const ADOPTION_IGNORED_INPUTS: Readonly<Record<string, readonly string[]>> = {
    "aws:cloudwatch/logGroup:LogGroup": ["kmsKeyId"],
};

/** A transformation (inherited by every child) that adopts retained, fixed-name resources by that name. */
export function adoptRetained(args: pulumi.ResourceTransformationArgs): pulumi.ResourceTransformationResult | undefined {
    const input = ADOPTABLE_NAME_INPUT[args.type];
    if (!input || !args.opts.retainOnDelete) return undefined;
    const id = args.props[input];
    if (typeof id !== "string") {
        throw new Error(`adoptRetained: ${args.type} ${args.name} has no ${input} known before deployment; pin allowedAccountIds to one account`);
    }
    // mergeOptions appends to the resource's own ignoreChanges.
    return { props: args.props, opts: pulumi.mergeOptions(args.opts, { import: id, ignoreChanges: [...(ADOPTION_IGNORED_INPUTS[args.type] ?? [])] }) };
}
