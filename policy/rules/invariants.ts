// Whole-platform invariants over every resource: encryption and rotation, production data protection, bucket baseline,
// node metadata and disks, pinned charts that keep their CRDs, the cluster's provider, and prerequisites created first.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { asArray, isTenantStack, jsonProp, TENANT_STACK_TYPE } from "./support";

const isType = (type: string) => (r: PolicyResource) => r.type === type;
const dependsOn = (r: PolicyResource, pred: (d: PolicyResource) => boolean) => r.dependencies.some(pred);

export const kmsKeyRotationPolicy: StackValidationPolicy = {
    name: "kms-key-rotation",
    description: "Every customer-managed symmetric KMS key rotates yearly or more often.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const key of resources.filter(isType("aws:kms/key:Key"))) {
            const symmetric = (key.props.customerMasterKeySpec ?? key.props.keySpec ?? "SYMMETRIC_DEFAULT") === "SYMMETRIC_DEFAULT";
            if (symmetric && key.props.enableKeyRotation !== true) report(`${key.name}: key rotation is off`, key.urn);
        }
    },
};

/** Types whose deletion loses data (or the keys to it, or the audit trail). */
export const DATA_TYPES: ReadonlySet<string> = new Set([
    "aws:kms/key:Key", "aws:s3/bucket:Bucket", "aws:cloudwatch/logGroup:LogGroup", "aws:efs/fileSystem:FileSystem", "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster", "aws:ebs/volume:Volume", "aws:dynamodb/table:Table", "aws:secretsmanager/secret:Secret", "aws:route53/zone:Zone",
    "aws:ecr/repository:Repository",
]);

/**
 * A Secrets Manager secret holding only what the stack writes from its config: deleted at once (recovery window 0)
 * and written again by a rebuild, so nothing is lost when a destroy deletes it. Each of its versions is a
 * SecretVersion of the stack that depends on nothing but the secret (no generated value, nothing read from elsewhere).
 */
export function recreatedFromConfig(r: PolicyResource, resources: readonly PolicyResource[]): boolean {
    if (r.type !== "aws:secretsmanager/secret:Secret" || r.props.recoveryWindowInDays !== 0) return false;
    const versions = resources.filter((v) => v.type === "aws:secretsmanager/secretVersion:SecretVersion" && v.dependencies.includes(r));
    return versions.length > 0 && versions.every((v) => v.dependencies.every((d) => d === r));
}

/**
 * An RDS instance whose delete takes a final snapshot: the provider passes finalSnapshotIdentifier to
 * DeleteDBInstance unless skipFinalSnapshot (internal/service/rds/instance.go), and DeleteDBInstance keeps manual
 * snapshots, so the data outlives the stack without the instance being kept (which would hold its subnets).
 */
export function leavesFinalSnapshot(r: Pick<PolicyResource, "type" | "props">): boolean {
    return r.type === "aws:rds/instance:Instance" && r.props.skipFinalSnapshot !== true && typeof r.props.finalSnapshotIdentifier === "string";
}

/** The stack's tier, from the `tier` tag every AWS resource gets through the provider's default tags. */
export function stackTier(resources: readonly PolicyResource[]): string | undefined {
    for (const provider of resources.filter(isType("pulumi:providers:aws"))) {
        // Provider inputs reach the engine JSON-encoded.
        const tags = (jsonProp(provider.props.defaultTags) as { tags?: Record<string, unknown> } | undefined)?.tags;
        if (typeof tags?.tier === "string") return tags.tier;
    }
    return undefined;
}

export const productionDataPolicy: StackValidationPolicy = {
    name: "production-data-protected",
    description:
        "In production every resource that holds data (keys, buckets, log groups, file systems, databases, volumes, zones, repositories, secrets) is protected, and kept on delete unless the stack re-creates its content from config or, for an RDS instance, its delete takes a final snapshot.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        if (stackTier(resources) !== "production") return;
        for (const r of resources.filter((x) => DATA_TYPES.has(x.type))) {
            if (!r.opts.protect) report(`${r.type} ${r.name} is not protected in production`, r.urn);
            // retainOnDelete is visible to the offline plan's runner only (CrossGuard does not pass it).
            const retain = (r.opts as { retainOnDelete?: boolean }).retainOnDelete;
            if (retain === false && !recreatedFromConfig(r, resources) && !leavesFinalSnapshot(r)) report(`${r.type} ${r.name} is not retained on delete in production`, r.urn);
        }
    },
};

interface TransportStatement {
    readonly Effect?: string;
    readonly Principal?: unknown;
    readonly Action?: unknown;
    readonly Resource?: unknown;
    readonly Condition?: { readonly Bool?: Record<string, unknown> };
}

/** Deny, to every principal, every S3 action on the bucket and its objects, when the request is not over TLS. */
function deniesPlainHttp(s: TransportStatement, bucketName: unknown): boolean {
    const everyone = s.Principal === "*" || (typeof s.Principal === "object" && s.Principal !== null && (s.Principal as { AWS?: unknown }).AWS === "*");
    const resources = asArray(s.Resource as string[] | string | undefined).map(String);
    // A name still unknown at preview time cannot be matched; the rest of the statement still is.
    const covers = (suffix: string) => typeof bucketName !== "string" || resources.some((r) => r.endsWith(`:s3:::${bucketName}${suffix}`) || r === "*");
    return (
        s.Effect === "Deny" &&
        everyone &&
        asArray(s.Action as string[] | string | undefined).includes("s3:*") &&
        covers("") &&
        covers("/*") &&
        String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false"
    );
}

export const s3BucketBaselinePolicy: StackValidationPolicy = {
    name: "s3-bucket-baseline",
    description: "Every bucket blocks public access, is encrypted (KMS, or SSE-S3 only where it receives access logs), refuses non-TLS access, and its policy waits for the public-access block.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        // Each bucket's settings (whatever depends on it; read by type below), indexed once: linear in the stack.
        const buckets = new Set(resources.filter(isType("aws:s3/bucket:Bucket")));
        const settingsOf = new Map<PolicyResource, PolicyResource[]>();
        for (const r of resources) {
            for (const d of r.dependencies) if (buckets.has(d)) (settingsOf.get(d) ?? settingsOf.set(d, []).get(d)!).push(r);
        }
        for (const bucket of buckets) {
            const settings = (type: string) => (settingsOf.get(bucket) ?? []).filter((r) => r.type === type);
            const block = settings("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0];
            const all = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
            if (!block || !all.every((k) => block.props[k] === true)) report(`${bucket.name}: public access is not fully blocked`, bucket.urn);
            const sse = settings("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0];
            const rule = asArray(sse?.props.rules)[0]?.applyServerSideEncryptionByDefault;
            const receivesLogs = settings("aws:s3/bucketLogging:BucketLogging").some((r) => r.props.bucket !== bucket.props.bucket && r.props.targetBucket === bucket.props.bucket);
            const kms = rule?.sseAlgorithm === "aws:kms" && typeof rule.kmsMasterKeyId === "string" && rule.kmsMasterKeyId.length > 0;
            if (!kms && !(receivesLogs && rule?.sseAlgorithm === "AES256")) report(`${bucket.name}: not encrypted with a platform KMS key`, bucket.urn);
            const policy = settings("aws:s3/bucketPolicy:BucketPolicy")[0];
            const statements = asArray(jsonProp(policy?.props.policy)?.Statement as TransportStatement[] | undefined);
            if (!statements.some((s) => deniesPlainHttp(s, bucket.props.bucket))) {
                report(`${bucket.name}: no policy denying non-TLS access to everyone, for every S3 action on the bucket and its objects`, bucket.urn);
            }
            if (policy && block && !dependsOn(policy, (d) => d === block)) report(`${bucket.name}: its policy does not wait for the public-access block (PutBucketPolicy may be refused)`, policy.urn);
        }
    },
};

/** IMDSv2 only with one hop (pods must not reach the node role), and encrypted disks. */
const metadataProblems = (m: Record<string, unknown> | undefined) => [
    ...(m?.httpTokens === "required" ? [] : ["IMDSv2 not required"]),
    ...(m?.httpPutResponseHopLimit === 1 ? [] : [`hop limit ${String(m?.httpPutResponseHopLimit)} (expected 1)`]),
];

export const nodeBaselinePolicy: StackValidationPolicy = {
    name: "node-baseline",
    description: "Every managed node group runs on a launch template, and every launch template, EC2 instance (the NAT instances) and Karpenter node class requires IMDSv2 with one hop and encrypts its volumes; no SSH key.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        const templates = resources.filter(isType("aws:ec2/launchTemplate:LaunchTemplate"));
        for (const lt of templates) {
            const problems = metadataProblems(lt.props.metadataOptions);
            const disks = asArray(lt.props.blockDeviceMappings as { ebs?: { encrypted?: unknown; kmsKeyId?: unknown } }[]);
            if (disks.length === 0 || !disks.every((d) => String(d.ebs?.encrypted) === "true" && d.ebs?.kmsKeyId)) problems.push("a volume without KMS encryption");
            if (lt.props.keyName) problems.push("an SSH key");
            for (const p of problems) report(`${lt.name}: ${p}`, lt.urn);
        }
        for (const group of resources.filter(isType("aws:eks/nodeGroup:NodeGroup"))) {
            if (!group.props.launchTemplate || !dependsOn(group, (d) => templates.includes(d))) report(`${group.name}: no launch template (IMDS, disk encryption and SSH are then EKS defaults)`, group.urn);
        }
        for (const vm of resources.filter(isType("aws:ec2/instance:Instance"))) {
            const problems = metadataProblems(vm.props.metadataOptions);
            const root = vm.props.rootBlockDevice as { encrypted?: unknown; kmsKeyId?: unknown } | undefined;
            const extra = asArray(vm.props.ebsBlockDevices as { encrypted?: unknown; kmsKeyId?: unknown }[] | undefined);
            if (![root, ...extra].every((d) => d?.encrypted === true && d.kmsKeyId)) problems.push("a volume without KMS encryption");
            if (vm.props.keyName) problems.push("an SSH key");
            for (const p of problems) report(`${vm.name}: ${p}`, vm.urn);
        }
        for (const nc of resources.filter(isType("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"))) {
            const problems = metadataProblems(nc.props.spec?.metadataOptions);
            const disks = asArray(nc.props.spec?.blockDeviceMappings as { ebs?: { encrypted?: unknown; kmsKeyID?: unknown } }[]);
            if (disks.length === 0 || !disks.every((d) => d.ebs?.encrypted === true && d.ebs.kmsKeyID)) problems.push("a volume without KMS encryption");
            for (const p of problems) report(`${nc.name}: ${p}`, nc.urn);
        }
    },
};

/** Per chart, a values path and the value that keeps CRDs (and so user data such as backups) on uninstall. */
export const CRD_KEEPING_VALUES: Readonly<Record<string, readonly [path: readonly string[], value: unknown]>> = {
    velero: [["cleanUpCRDs"], false],
    "cert-manager": [["crds", "keep"], true],
    "cert-manager-approver-policy": [["crds", "keep"], true],
    // Its CRDs are chart templates: Helm's keep annotation leaves them (and every ExternalSecret) on uninstall.
    "external-secrets": [["crds", "annotations", "helm.sh/resource-policy"], "keep"],
};
const PINNED = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const valueAt = (values: unknown, path: readonly string[]) => path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), values);

export const helmReleasePolicy: StackValidationPolicy = {
    name: "helm-release-baseline",
    description: "Every Helm chart is pinned to an exact version (or is the repository's own local chart), and charts that can delete their CRDs on uninstall keep them.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const r of resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release" || x.type === "kubernetes:helm.sh/v4:Chart")) {
            const chart = String(r.props.chart ?? "");
            const local = chart.startsWith("charts/");
            if (!local && !PINNED.test(String(r.props.version))) report(`${r.name}: chart ${chart} not pinned to an exact version (${JSON.stringify(r.props.version)})`, r.urn);
            const keep = CRD_KEEPING_VALUES[chart.split("/").pop()!];
            if (keep) {
                const actual = valueAt(r.props.values, keep[0]);
                // An unset value means the chart default, which is checked here too: only the safe value passes.
                if (actual !== keep[1]) report(`${r.name}: ${keep[0].join(".")} must be ${JSON.stringify(keep[1])} (uninstall would delete CRDs and the objects in them)`, r.urn);
            }
        }
    },
};

export const kubernetesProviderPolicy: StackValidationPolicy = {
    name: "kubernetes-through-cluster-provider",
    description: "Every Kubernetes object goes through an explicit cluster provider (never the ambient kubeconfig) that waits for the cluster's access grants.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        const byUrn = new Map(resources.map((r) => [r.urn, r]));
        // A tenant stack's cluster and grants are the platform stack's, applied before it: its provider is its root's own.
        const grantsElsewhere = isTenantStack(resources) && !resources.some(isType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation"));
        for (const r of resources.filter((x) => x.type.startsWith("kubernetes:"))) {
            const provider = r.provider ? byUrn.get(r.provider.urn) : undefined;
            if (!provider || provider.type !== "pulumi:providers:kubernetes" || provider.name.startsWith("default")) {
                report(`${r.type} ${r.name} does not go through the cluster's explicit provider`, r.urn);
            } else if (grantsElsewhere) {
                if (provider.parent?.type !== TENANT_STACK_TYPE) report(`provider ${provider.name} is not the tenant stack's own (built from the platform's kubeconfig output)`, provider.urn);
            } else if (!dependsOn(provider, isType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation"))) {
                report(`provider ${provider.name} does not wait for the cluster's access grants (the first calls would be refused)`, provider.urn);
            }
        }
    },
};

export const prerequisiteOrderPolicy: StackValidationPolicy = {
    name: "prerequisites-created-first",
    description: "Resources that need another to exist first depend on it: flow logs on their log group, the EKS cluster on its control-plane log group, an EKS identity provider on its realm.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        const groups = resources.filter(isType("aws:cloudwatch/logGroup:LogGroup"));
        for (const fl of resources.filter(isType("aws:ec2/flowLog:FlowLog"))) {
            if (fl.props.logDestinationType === "cloud-watch-logs" && !dependsOn(fl, (d) => groups.includes(d))) report(`${fl.name}: does not wait for its log group`, fl.urn);
        }
        // EKS fetches the issuer's discovery document when it associates the provider: the realm must serve it.
        for (const idp of resources.filter(isType("aws:eks/identityProviderConfig:IdentityProviderConfig"))) {
            if (!dependsOn(idp, isType("keycloak:index/realm:Realm"))) report(`${idp.name}: does not wait for the realm its issuer URL names`, idp.urn);
        }
        for (const eks of resources.filter(isType("aws:eks/cluster:Cluster"))) {
            const name = `/aws/eks/${eks.props.name}/cluster`;
            const group = groups.find((g) => g.props.name === name);
            // Without it EKS creates the group itself, with no retention and no KMS key.
            if (asArray(eks.props.enabledClusterLogTypes).length > 0 && (!group || !dependsOn(eks, (d) => d === group))) {
                report(`${eks.name}: control-plane logs go to ${name}, which the cluster does not wait for (EKS would create it with unbounded retention)`, eks.urn);
            }
        }
    },
};

/** Types a replacement must delete first (AWS refuses a second one under the same name), and why. */
export const DELETE_FIRST_TYPES: Readonly<Record<string, string>> = {
    "aws:eks/identityProviderConfig:IdentityProviderConfig": "EKS refuses a second identity provider config with the same name or issuer",
};

export const deleteBeforeReplacePolicy: StackValidationPolicy = {
    name: "unique-names-delete-before-replace",
    description: "Resources whose name AWS keeps unique and whose fields force replacement are deleted before their replacement is created.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const r of resources.filter((x) => x.type in DELETE_FIRST_TYPES)) {
            if (r.opts.deleteBeforeReplace !== true) report(`${r.type} ${r.name}: needs deleteBeforeReplace (${DELETE_FIRST_TYPES[r.type]})`, r.urn);
        }
    },
};

/** The one component at the stack's root (the Platform, or a tenant stack's TenantStack); everything else is below it. */
const ROOT_COMPONENT_TYPES = new Set(["platform:platform:Platform", TENANT_STACK_TYPE]);
const isStackUrn = (urn: string | undefined) => urn === undefined || urn.includes("::pulumi:pulumi:Stack::");

export const resourceTreePolicy: StackValidationPolicy = {
    name: "resources-under-their-layer",
    description:
        "Only the Platform component (a tenant stack: its TenantStack) sits at the stack's root; every other resource is registered under a layer's component, so its URN follows the code's structure (moving it later is a replacement or an alias) and the layer owns it.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const r of resources) {
            // The stack itself and the providers Pulumi creates by default have no component to belong to.
            if (r.type === "pulumi:pulumi:Stack" || (r.type.startsWith("pulumi:providers:") && r.name.startsWith("default"))) continue;
            const root = ROOT_COMPONENT_TYPES.has(r.type);
            if (root ? !isStackUrn(r.opts.parent) : isStackUrn(r.opts.parent)) {
                report(
                    root ? `${r.name}: the ${r.type.split(":").pop()} belongs at the stack's root` : `${r.type} ${r.name} is registered at the stack's root, outside every layer (no parent)`,
                    r.urn,
                );
            }
        }
    },
};
