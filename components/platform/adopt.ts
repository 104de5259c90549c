// Rebuilding a production stack after `pulumi destroy`: audit log groups, buckets and tenant repositories were
// retained under fixed names, so a plain `pulumi up` would fail on names still taken. With `adoptRetained` on, each
// retained resource with a fixed name is adopted (Pulumi's `import` option) instead of created.
import * as pulumi from "@pulumi/pulumi";

/**
 * Per type, the input that holds a retained resource's fixed physical name, which is also its import id (the
 * provider's id: terraform-provider-aws sets it to the name for log groups, buckets and ECR repositories). A type
 * whose id is not its name (a Secrets Manager secret's is its ARN) cannot be adopted by name and has no row.
 */
export const ADOPTABLE_NAME_INPUT: Readonly<Record<string, string>> = {
    "aws:cloudwatch/logGroup:LogGroup": "name",
    "aws:s3/bucket:Bucket": "bucket",
    "aws:ecr/repository:Repository": "name",
};

/**
 * Inputs that differ between the retained resource and the rebuilt program, left alone while adopting and updated
 * by the first `up` after: a log group's KMS key is the new generation's, not the retained one; a repository's
 * `forceDelete` is the provider's own setting, which it never reads back from AWS (internal/service/ecr/repository.go).
 */
export const ADOPTION_IGNORED_INPUTS: Readonly<Record<string, readonly string[]>> = {
    "aws:cloudwatch/logGroup:LogGroup": ["kmsKeyId"],
    "aws:ecr/repository:Repository": ["forceDelete"],
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
