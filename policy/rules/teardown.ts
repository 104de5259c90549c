// The teardown and rebuild of docs/operations.md, walked over a plan. Teardown: turn the cluster's deletion protection off,
// `pulumi state unprotect --all`, `pulumi destroy`: every resource is then deleted (from the state's inputs) unless
// it is retainOnDelete. Rebuild: `pulumi up` with adoptRetained. Where production must keep data at all is the
// production-data-protected rule's (invariants.ts); this one checks that each step can complete.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ADOPTABLE_NAME_INPUT } from "../../components/platform/adopt";
import { NAME_LIMITS } from "./names";
import { leavesFinalSnapshot, stackTier } from "./invariants";

/** retainOnDelete as the offline plan shows it; undefined under CrossGuard, which does not pass it (nothing to walk). */
const retained = (r: PolicyResource): boolean | undefined => (r.opts as { retainOnDelete?: boolean }).retainOnDelete;

/** The physical name a resource is given in its inputs (not generated from a prefix or its logical name). */
export function fixedName(r: Pick<PolicyResource, "type" | "props">): string | undefined {
    const rule = NAME_LIMITS[r.type];
    const name = rule ? r.props[rule.property] : undefined;
    return typeof name === "string" ? name : undefined;
}

/**
 * Types kept under a fixed name the rebuild does not adopt, and why its create still goes through: the name is not
 * unique in AWS.
 */
export const NOT_ADOPTED: Readonly<Record<string, string>> = {
    // CreateHostedZone refuses only a repeated CallerReference (the provider generates one); a zone's id is random.
    "aws:route53/zone:Zone": "Route 53 lets zones share a name: the rebuild creates a new zone, with new name servers to delegate, beside the kept one",
};

export const retainedAdoptablePolicy: StackValidationPolicy = {
    name: "retained-resources-adoptable",
    description:
        "Every resource a destroy keeps (retainOnDelete) under a fixed physical name can be adopted by the rebuild (adoptRetained): its type's import id is that name (ADOPTABLE_NAME_INPUT), else the rebuild's create finds the name taken, unless AWS lets the name repeat (NOT_ADOPTED).",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const r of resources) {
            const name = fixedName(r);
            if (retained(r) !== true || name === undefined || r.type in NOT_ADOPTED) continue;
            if (ADOPTABLE_NAME_INPUT[r.type] !== NAME_LIMITS[r.type].property) {
                report(
                    `${r.type} ${r.name} is kept on destroy under the fixed name ${JSON.stringify(name)}, which the rebuild cannot adopt (no row in ADOPTABLE_NAME_INPUT, components/platform/adopt.ts): its create would find the name taken. Adopt it, generate its name, or do not keep it.`,
                    r.urn,
                );
            }
        }
    },
};

interface DeleteRule {
    /** Whether the delete goes through, given the inputs the state holds. */
    readonly deletes: (p: Record<string, unknown>) => boolean;
    readonly refusal: string;
}

/**
 * Deletes AWS (or the provider) refuses while the resource holds data, unless an input says to delete the data too.
 * Deletion protection (the EKS cluster's, the RDS instance's) has no row: the first teardown step of docs/operations.md turns it
 * off in AWS, and the provider's delete then goes through whatever the state says (internal/service/rds/instance.go
 * calls DeleteDBInstance as is).
 */
export const DELETE_REFUSALS: Readonly<Record<string, DeleteRule>> = {
    // forceDestroy: the provider empties the bucket (every object version) before DeleteBucket.
    "aws:s3/bucket:Bucket": { deletes: (p) => p.forceDestroy === true, refusal: "S3 refuses to delete a bucket holding objects (BucketNotEmpty) unless forceDestroy" },
    // internal/service/ecr/repository.go: DeleteRepository with Force = force_delete.
    "aws:ecr/repository:Repository": { deletes: (p) => p.forceDelete === true, refusal: "ECR refuses to delete a repository holding images (RepositoryNotEmptyException) unless forceDelete" },
    // ExternalDNS and cert-manager write records the stack does not own.
    "aws:route53/zone:Zone": { deletes: (p) => p.forceDestroy === true, refusal: "Route 53 refuses to delete a zone holding records the stack does not own (HostedZoneNotEmpty) unless forceDestroy" },
    // internal/service/rds/instance.go: no final snapshot name and no skip is refused before DeleteDBInstance is called.
    "aws:rds/instance:Instance": {
        deletes: (p) => p.skipFinalSnapshot === true || typeof p.finalSnapshotIdentifier === "string",
        refusal: "the provider refuses to delete an instance with neither skipFinalSnapshot nor a finalSnapshotIdentifier",
    },
};

/**
 * Names a deleted resource keeps for a while: the rebuild's create under the same fixed name is refused. A Secrets
 * Manager secret keeps its name for its recovery window (the provider's default: 30 days); with 0 the provider
 * deletes it without recovery (internal/service/secretsmanager/secret.go) and retries a create while it goes.
 */
export const NAME_HELD_AFTER_DELETE: Readonly<Record<string, (p: Record<string, unknown>) => number>> = {
    "aws:secretsmanager/secret:Secret": (p) => (typeof p.recoveryWindowInDays === "number" ? p.recoveryWindowInDays : 30),
};

/**
 * What the destroy deletes that AWS refuses to delete while a resource the destroy keeps is still in it: a kept
 * resource that names one of these (its subnet group, parameter group, security groups, subnets, VPC) places itself
 * there, and its network interfaces stay. The destroy stops at the first refusal, leaving the rest of the stack.
 */
export const IN_USE_BY_KEPT: Readonly<Record<string, string>> = {
    // RDS API reference, DeleteDBSubnetGroup and DeleteDBParameterGroup: neither may be associated with an instance.
    "aws:rds/subnetGroup:SubnetGroup": "RDS refuses to delete a DB subnet group an instance is in (InvalidDBSubnetGroupStateFault)",
    "aws:rds/parameterGroup:ParameterGroup": "RDS refuses to delete a DB parameter group an instance uses (InvalidDBParameterGroupState)",
    // EC2 answers DependencyViolation while a network interface uses or sits in them; for a security group the provider
    // retries DependencyViolation until its delete timeout, then fails (internal/service/ec2/vpc_security_group.go).
    "aws:ec2/securityGroup:SecurityGroup": "EC2 refuses to delete a security group a network interface still uses (DependencyViolation)",
    "aws:ec2/subnet:Subnet": "EC2 refuses to delete a subnet holding network interfaces (DependencyViolation)",
    "aws:ec2/vpc:Vpc": "EC2 refuses to delete a VPC that still holds network interfaces (DependencyViolation)",
};

/** A value the stack generates once and keeps in its state: each generation of the stack (after a destroy) has its own. */
const generatedPerGeneration = (d: PolicyResource) => d.type.startsWith("random:");

const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";

/** StorageClass names a Kubernetes resource (a chart's values, a StatefulSet, a claim) claims volumes from. */
export function claimedStorageClasses(value: unknown): string[] {
    if (Array.isArray(value)) return value.flatMap(claimedStorageClasses);
    if (value === null || typeof value !== "object") return [];
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
        (k === "storageClass" || k === "storageClassName") && typeof v === "string" && v !== "" ? [v] : claimedStorageClasses(v),
    );
}

export const teardownPolicy: StackValidationPolicy = {
    name: "teardown-completes",
    description:
        "The documented teardown (docs/operations.md: deletion protection off, unprotect --all, destroy) completes and the rebuild can create what it deleted: no delete AWS refuses for the data it still holds, nothing deleted that a kept resource is still in, no fixed name still held (a final snapshot's included), no kept data left with a key scheduled for deletion, and in production the platform's volumes on a StorageClass that keeps them.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const r of resources) {
            const kept = retained(r);
            if (kept === false) {
                const rule = DELETE_REFUSALS[r.type];
                if (rule && !rule.deletes(r.props)) report(`${r.type} ${r.name}: the teardown's destroy is refused: ${rule.refusal}. Keep it (retainOnDelete) or delete its data with it.`, r.urn);
                const held = NAME_HELD_AFTER_DELETE[r.type]?.(r.props) ?? 0;
                const name = fixedName(r);
                if (held > 0 && name !== undefined) {
                    report(`${r.type} ${r.name}: a destroy leaves the name ${JSON.stringify(name)} taken for ${held} days, so the rebuild's create is refused. Generate its name, or delete it at once where the stack re-creates its content.`, r.urn);
                }
                // The snapshot outlives the stack, so the next generation's teardown finds the name taken.
                const fromGenerated = (r.propertyDependencies.finalSnapshotIdentifier ?? []).some(generatedPerGeneration);
                if (leavesFinalSnapshot(r) && !fromGenerated) {
                    report(
                        `${r.type} ${r.name}: every generation of the stack names its final snapshot ${JSON.stringify(r.props.finalSnapshotIdentifier)}, so the second teardown's DeleteDBInstance is refused (DBSnapshotAlreadyExists: the first teardown's snapshot is kept). Name it after a value generated once per generation (random.RandomId).`,
                        r.urn,
                    );
                }
            }
            if (kept === true) {
                for (const used of r.dependencies.filter((d) => d.type in IN_USE_BY_KEPT && retained(d) === false)) {
                    report(
                        `${r.type} ${r.name} is kept on destroy but still in ${used.type} ${used.name}, which the destroy deletes: ${IN_USE_BY_KEPT[used.type]}, so the destroy stops there. Keep its data another way (an RDS instance: a final snapshot) or keep what it is in.`,
                        r.urn,
                    );
                }
            }
            // Kept data encrypted with a key the destroy schedules for deletion is unreadable once the window ends.
            const keeps = kept === true ? "is kept on destroy" : kept === false && leavesFinalSnapshot(r) ? "leaves a final snapshot on destroy" : undefined;
            for (const key of keeps ? r.dependencies.filter((d) => d.type === "aws:kms/key:Key" && retained(d) === false) : []) {
                report(`${r.type} ${r.name} ${keeps}, but ${key.name}, which it depends on, is scheduled for deletion: keep the key too.`, r.urn);
            }
        }
        if (stackTier(resources) !== "production") return;
        // A destroy deletes the namespaces, so their claims: a class with reclaimPolicy Delete deletes the volumes too.
        const classes = new Map(resources.filter((r) => r.type === STORAGE_CLASS).map((c) => [c.props.metadata?.name as unknown, c]));
        for (const r of resources.filter((x) => x.type.startsWith("kubernetes:") && x.type !== STORAGE_CLASS)) {
            for (const name of new Set(claimedStorageClasses(r.props))) {
                const reclaim = classes.get(name)?.props.reclaimPolicy;
                if (reclaim !== "Retain") {
                    report(`${r.type} ${r.name} claims volumes from StorageClass ${name}, ${reclaim ? `whose reclaimPolicy is ${reclaim}` : "which the stack does not create"}: in production a destroy would delete them.`, r.urn);
                }
            }
        }
    },
};
