import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { AppDeliveryConfig, PullThroughCacheCredentials } from "../../stacks/schema-delivery";
import { PULL_THROUGH_UPSTREAMS } from "../../stacks/schema-delivery";
import { accountKeyAdministration, policyDocument, PolicyDocument, serviceTrustPolicy } from "../shared/iam";

/** The Secrets Manager name prefix ECR requires of an upstream's credentials. */
export const PULL_THROUGH_SECRET_PREFIX = "ecr-pullthroughcache/";

/** ECR's lifecycle policy: untagged images expire after some days, and only the newest images are kept. */
export function lifecyclePolicyText(l: AppDeliveryConfig["registry"]["lifecycle"]): string {
    return JSON.stringify({
        rules: [
            {
                rulePriority: 1,
                description: `Untagged images expire after ${l.untaggedExpireDays} days`,
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: l.untaggedExpireDays },
                action: { type: "expire" },
            },
            {
                // A rule over any tag status must have the highest priority number (ECR evaluates it last).
                rulePriority: 2,
                description: `Only the newest ${l.keepImages} images are kept`,
                selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: l.keepImages },
                action: { type: "expire" },
            },
        ],
    });
}

/**
 * What nodes need to pull through the caches: the first pull of an image imports it and creates its repository
 * (the managed read-only policies grant neither). Scoped to the caches' prefixes.
 */
export function pullThroughNodePolicy(a: { partition: string; region: string; accountId: string; prefixes: readonly string[] }): PolicyDocument {
    return policyDocument({
        Sid: "PullThroughCacheImport",
        Effect: "Allow",
        Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
        Resource: a.prefixes.map((p) => `arn:${a.partition}:ecr:${a.region}:${a.accountId}:repository/${p}/*`),
    });
}

/** What ECR needs to create a cached repository encrypted with the platform key (repository creation templates). */
export function repositoryTemplatePolicy(a: { keyArn: string; accountId: string; partition: string; region: string; prefixes: readonly string[] }): PolicyDocument {
    return policyDocument(
        {
            Sid: "CreateRepositories",
            Effect: "Allow",
            Action: ["ecr:CreateRepository", "ecr:TagResource"],
            Resource: a.prefixes.map((p) => `arn:${a.partition}:ecr:${a.region}:${a.accountId}:repository/${p}/*`),
        },
        {
            Sid: "EncryptWithPlatformKey",
            Effect: "Allow",
            Action: ["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"],
            // The platform key only; no kms:GrantIsForAWSResource, which AWS's documented policy for this role lacks
            // (policy/rules/iam.ts, SERVICE_ROLE_CONDITION_EXEMPTIONS).
            Resource: a.keyArn,
        },
    );
}

export interface RegistryArgs {
    /** Prefixes the key alias and the credential secrets (the stack's name). */
    readonly namePrefix: string;
    readonly region: string;
    readonly accountId: pulumi.Input<string>;
    readonly settings: AppDeliveryConfig["registry"];
    /** Credentials of the upstreams that need them, by cache prefix (plain here; made Pulumi secrets at use). */
    readonly credentials: PullThroughCacheCredentials;
    /** The nodes' role: it imports images through the caches on first pull. */
    readonly nodeRoleName: pulumi.Input<string>;
    /** Production: the key is protected and kept, the upstream credentials protected. */
    readonly protect: boolean;
}

/** What tenants need of the registry: the key their repositories are encrypted with and the lifecycle they follow. */
export interface RegistryRef {
    readonly keyArn: pulumi.Input<string>;
    readonly lifecyclePolicy: pulumi.Input<string>;
    /** `<account>.dkr.ecr.<region>.amazonaws.com`. */
    readonly host: pulumi.Input<string>;
    /** Image prefixes of the caches (`<host>/<prefix>`), for the registry allow-list. */
    readonly cacheRegistries: pulumi.Input<string[]>;
}

/**
 * The platform's registry: a KMS key for repositories, ECR pull-through caches of public registries (credentials in
 * Secrets Manager where the upstream needs them) encrypted with that key, and the nodes' right to fill them.
 */
export class Registry extends pulumi.ComponentResource implements RegistryRef {
    public readonly keyArn: pulumi.Output<string>;
    public readonly lifecyclePolicy: string;
    public readonly host: pulumi.Output<string>;
    public readonly cacheRegistries: pulumi.Output<string[]>;
    public readonly rules: aws.ecr.PullThroughCacheRule[];

    constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:registry:Registry", name, {}, opts);
        const protect = args.protect;
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Container images of ${args.namePrefix}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                // ECR uses the key through grants it creates as the caller; nodes pull without key permissions.
                policy: pulumi.all([args.accountId, partition]).apply(([account, p]) => JSON.stringify(policyDocument(accountKeyAdministration(p, account)))),
            },
            { parent: this, protect, retainOnDelete: protect },
        );
        new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${args.namePrefix}-images`, targetKeyId: key.keyId }, { parent: this });
        this.keyArn = key.arn;
        this.lifecyclePolicy = lifecyclePolicyText(args.settings.lifecycle);
        this.host = pulumi.interpolate`${args.accountId}.dkr.ecr.${args.region}.amazonaws.com`;
        const caches = args.settings.pullThroughCache;
        this.cacheRegistries = this.host.apply((h) => caches.map((c) => `${h}/${c.prefix}`));

        // ECR creates the caches' repositories as this role: the template's KMS encryption needs one (ECR's documented policy).
        const templateRole = caches.length > 0 ? this.templateRole(name, key.arn, args, partition) : undefined;
        this.rules = caches.map((c) => {
            const upstream = PULL_THROUGH_UPSTREAMS[c.upstream];
            const credential = upstream.credentials ? this.credential(`${name}-${c.prefix}`, `${args.namePrefix}-${c.prefix}`, args.credentials[c.prefix], protect) : undefined;
            // Repositories the cache creates: encrypted with the platform key and expiring like tenants' own.
            const template = new aws.ecr.RepositoryCreationTemplate(
                `${name}-${c.prefix}-template`,
                {
                    prefix: c.prefix,
                    appliedFors: ["PULL_THROUGH_CACHE"],
                    description: `Repositories of the ${c.upstream} cache`,
                    imageTagMutability: "MUTABLE", // a cache follows its upstream's tags
                    encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: key.arn }],
                    lifecyclePolicy: this.lifecyclePolicy,
                    customRoleArn: templateRole!.arn,
                },
                { parent: this, deleteBeforeReplace: true, dependsOn: [templateRole!.policy] },
            );
            return new aws.ecr.PullThroughCacheRule(
                `${name}-${c.prefix}`,
                { ecrRepositoryPrefix: c.prefix, upstreamRegistryUrl: upstream.url, credentialArn: credential?.arn },
                // The prefix and upstream force replacement: the new rule must not collide with the old one's prefix.
                { parent: this, deleteBeforeReplace: true, dependsOn: [template, ...(credential ? [credential.version] : [])] },
            );
        });
        if (caches.length > 0) {
            new aws.iam.RolePolicy(
                `${name}-node-pull-through`,
                {
                    role: args.nodeRoleName,
                    policy: pulumi
                        .all([partition, args.accountId])
                        .apply(([p, accountId]) => JSON.stringify(pullThroughNodePolicy({ partition: p, region: args.region, accountId, prefixes: caches.map((c) => c.prefix) }))),
                },
                { parent: this },
            );
        }
        this.registerOutputs({ keyArn: this.keyArn, rules: caches.map((c) => c.prefix) });
    }

    /** The upstream's credentials, where ECR looks for them (`ecr-pullthroughcache/…`), encrypted with the account's Secrets Manager key. */
    // ECR accepts only the aws/secretsmanager key here (a customer managed key is refused), hence no kmsKeyId.
    private credential(name: string, secretName: string, value: { username: string; accessToken: string } | undefined, protect: boolean) {
        if (value === undefined) throw new Error(`${name}: no credentials (the config check requires them)`);
        const secret = new aws.secretsmanager.Secret(
            `${name}-credentials`,
            {
                name: `${PULL_THROUGH_SECRET_PREFIX}${secretName}`,
                description: `Pull-through cache credentials (${secretName})`,
                // A copy of the stack's config under the one name ECR reads, so never kept: a destroy deletes it at once
                // (ForceDeleteWithoutRecovery) and frees the name for the rebuild, which writes it again. Kept, or in a
                // recovery window, it would hold the name, and it cannot be adopted by it: its import id is its ARN,
                // which ends in random characters (terraform-provider-aws internal/service/secretsmanager/secret.go).
                recoveryWindowInDays: 0,
            },
            { parent: this, protect },
        );
        const version = new aws.secretsmanager.SecretVersion(`${name}-credentials-value`, { secretId: secret.id, secretString: pulumi.secret(JSON.stringify(value)) }, { parent: this });
        return { arn: secret.arn, version };
    }

    /** The role ECR creates cached repositories as: create them, and use the platform key through grants. */
    private templateRole(name: string, keyArn: pulumi.Output<string>, args: RegistryArgs, partition: pulumi.Output<string>) {
        const accountId = args.accountId;
        const prefixes = args.settings.pullThroughCache.map((c) => c.prefix);
        const role = new aws.iam.Role(
            `${name}-template-role`,
            // AWS's documented trust (repository-creation-templates-create-iam.html): no aws:SourceAccount, which
            // nothing shows ECR supplies when it assumes a template's role.
            { description: "ECR repository creation templates of the pull-through caches", assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ecr.amazonaws.com")) },
            { parent: this },
        );
        const policy = new aws.iam.RolePolicy(
            `${name}-template-role-policy`,
            {
                role: role.id,
                policy: pulumi.all([keyArn, accountId, partition]).apply(([k, a, p]) => JSON.stringify(repositoryTemplatePolicy({ keyArn: k, accountId: a, partition: p, region: args.region, prefixes }))),
            },
            { parent: this },
        );
        return { arn: role.arn, policy };
    }
}
