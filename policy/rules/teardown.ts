// The README's teardown and rebuild, walked over a plan. Teardown: turn the cluster's deletion protection off,
// `pulumi state unprotect --all`, `pulumi destroy`: every resource is then deleted (from the state's inputs) unless
// it is retainOnDelete. Rebuild: `pulumi up` with adoptRetained. Where production must keep data at all is the
// production-data-protected rule's (invariants.ts); this one checks that each step can complete.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { ADOPTABLE_NAME_INPUT } from "../../components/platform/adopt";
import { NAME_LIMITS } from "./names";
import { stackTier } from "./invariants";

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
 * The EKS cluster's deletion protection has no row: the README's first teardown step turns it off.
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
        deletes: (p) => p.deletionProtection !== true && (p.skipFinalSnapshot === true || typeof p.finalSnapshotIdentifier === "string"),
        refusal: "RDS refuses to delete an instance with deletion protection, and the provider one with neither skipFinalSnapshot nor a finalSnapshotIdentifier",
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
        "The README's teardown (deletion protection off, unprotect --all, destroy) completes and the rebuild can create what it deleted: no delete AWS refuses for the data it still holds, no fixed name still held, no kept resource left with a key scheduled for deletion, and in production the platform's volumes on a StorageClass that keeps them.",
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
            }
            if (kept === true) {
                // A kept resource encrypted with a key the destroy schedules for deletion is unreadable once the window ends.
                for (const key of r.dependencies.filter((d) => d.type === "aws:kms/key:Key" && retained(d) === false)) {
                    report(`${r.type} ${r.name} is kept on destroy, but ${key.name}, which it depends on, is scheduled for deletion: keep the key too.`, r.urn);
                }
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
