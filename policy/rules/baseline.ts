// Per-type baselines for what the platform creates: exposure (security groups, the EKS endpoint), the control plane's
// logs and secret encryption, databases, log retention, registries, tags, Kubernetes Secrets and namespaces.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { asArray, jsonProp } from "./support";
import { stackTier } from "./invariants";

const ofType = (resources: readonly PolicyResource[], type: string) => resources.filter((r) => r.type === type);
const OPEN = ["0.0.0.0/0", "::/0"];

export const securityGroupExposurePolicy: StackValidationPolicy = {
    name: "security-groups-not-open-to-the-internet",
    description: "No security group rule admits the whole internet (the gateway's NLB is the only public entry, and it has no security group rule of ours).",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const r of ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
            const open = [r.props.cidrIpv4, r.props.cidrIpv6].find((c) => OPEN.includes(c));
            if (open) report(`${r.name}: ingress from ${open}`, r.urn);
        }
        for (const r of ofType(resources, "aws:ec2/securityGroup:SecurityGroup")) {
            for (const rule of asArray(r.props.ingress as Record<string, unknown>[] | undefined)) {
                if ([...asArray(rule.cidrBlocks as string[]), ...asArray(rule.ipv6CidrBlocks as string[])].some((c) => OPEN.includes(c))) report(`${r.name}: inline ingress from the internet`, r.urn);
            }
        }
    },
};

export const eksEndpointExposurePolicy: StackValidationPolicy = {
    name: "eks-endpoint-not-open",
    description: "The EKS API's private endpoint is on; in production its public endpoint is off or limited to named CIDRs (never 0.0.0.0/0).",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        const production = stackTier(resources) === "production";
        for (const r of ofType(resources, "aws:eks/cluster:Cluster")) {
            const vpc = (r.props.vpcConfig ?? {}) as { endpointPrivateAccess?: boolean; endpointPublicAccess?: boolean; publicAccessCidrs?: string[] };
            if (vpc.endpointPrivateAccess !== true) report(`${r.name}: private endpoint access is off (nodes would reach the API over the internet)`, r.urn);
            const cidrs = asArray(vpc.publicAccessCidrs);
            if (production && vpc.endpointPublicAccess !== false && (cidrs.length === 0 || cidrs.some((c) => OPEN.includes(c)))) {
                report(`${r.name}: public endpoint open to the internet in production`, r.urn);
            }
        }
    },
};

export const eksControlPlanePolicy: StackValidationPolicy = {
    name: "eks-control-plane-logged-and-encrypted",
    description: "Every EKS cluster sends its api, audit and authenticator logs to CloudWatch and encrypts Secrets with a KMS key.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const r of ofType(resources, "aws:eks/cluster:Cluster")) {
            const logs = asArray(r.props.enabledClusterLogTypes as string[] | undefined);
            const missing = ["api", "audit", "authenticator"].filter((t) => !logs.includes(t));
            if (missing.length) report(`${r.name}: control-plane logs ${missing.join(", ")} off`, r.urn);
            const enc = r.props.encryptionConfig as { resources?: string[]; provider?: { keyArn?: string } } | undefined;
            if (!enc?.resources?.includes("secrets") || !enc.provider?.keyArn) report(`${r.name}: Kubernetes Secrets not encrypted with a KMS key`, r.urn);
        }
    },
};

export const databaseBaselinePolicy: StackValidationPolicy = {
    name: "database-baseline",
    description: "Every RDS instance is encrypted with a KMS key, private, on minor upgrades; in production Multi-AZ, deletion-protected, with at least 7 days of backups.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        const production = stackTier(resources) === "production";
        for (const r of ofType(resources, "aws:rds/instance:Instance")) {
            const p = r.props;
            if (p.storageEncrypted !== true || !p.kmsKeyId) report(`${r.name}: storage not encrypted with a KMS key`, r.urn);
            if (p.publiclyAccessible === true) report(`${r.name}: publicly accessible`, r.urn);
            if (p.autoMinorVersionUpgrade === false) report(`${r.name}: minor version upgrades off`, r.urn);
            if (production) {
                if (p.multiAz !== true) report(`${r.name}: single-AZ in production`, r.urn);
                if (p.deletionProtection !== true) report(`${r.name}: no deletion protection in production`, r.urn);
                if (typeof p.backupRetentionPeriod !== "number" || p.backupRetentionPeriod < 7) report(`${r.name}: backups kept under 7 days in production`, r.urn);
            }
        }
    },
};

export const logRetentionPolicy: StackValidationPolicy = {
    name: "log-groups-have-retention",
    description: "Every CloudWatch log group has a retention (none means forever, and a bill that only grows).",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const r of ofType(resources, "aws:cloudwatch/logGroup:LogGroup")) {
            if (typeof r.props.retentionInDays !== "number" || r.props.retentionInDays <= 0) report(`${r.name}: no retention`, r.urn);
        }
    },
};

export const registryBaselinePolicy: StackValidationPolicy = {
    name: "registry-baseline",
    // Whether a destroy may delete a repository with its images is the teardown rule's (policy/rules/teardown.ts).
    description: "Every ECR repository scans on push and has immutable tags.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const r of ofType(resources, "aws:ecr/repository:Repository")) {
            if ((r.props.imageScanningConfiguration as { scanOnPush?: boolean } | undefined)?.scanOnPush !== true) report(`${r.name}: no scan on push`, r.urn);
            if (r.props.imageTagMutability !== "IMMUTABLE") report(`${r.name}: mutable tags`, r.urn);
        }
    },
};

/** Tags every AWS resource carries through the provider's default tags (cost reports, ownership, environments). */
export const REQUIRED_TAGS = ["project", "environment", "tier", "owner", "cost-centre", "managed-by"] as const;

export const requiredTagsPolicy: StackValidationPolicy = {
    name: "required-tags",
    description: "Every AWS provider tags what it creates with the platform's required tags (default tags).",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const p of ofType(resources, "pulumi:providers:aws")) {
            const tags = (jsonProp(p.props.defaultTags) as { tags?: Record<string, unknown> } | undefined)?.tags ?? {};
            const missing = REQUIRED_TAGS.filter((t) => typeof tags[t] !== "string" || tags[t] === "");
            if (missing.length) report(`${p.name}: default tags lack ${missing.join(", ")}`, p.urn);
        }
    },
};

/** Keys that hold credentials when they appear in Helm values or a Secret's plaintext. */
const CREDENTIAL_KEY = /(password|passwd|secret|token|api[_-]?key|private[_-]?key|credentials?)$/i;
/** Values that are references, not credentials: Grafana's file/env expansion, Vault/ESO names, empty, masked. */
const REFERENCE = /^(\$__(file|env)\{.*\}|\[secret\]|)$/;
/**
 * Keys whose value is the name of a Kubernetes Secret, not a credential: the charts' `existing...Secret` and ARC's
 * `githubConfigSecret`. Any other key ending in "Secret" (`clientSecret`, `adminSecret`) holds one.
 */
const SECRET_NAME_KEY = /^(existing\w*Secret|githubConfigSecret)$/;

/** Paths of credential-like keys in `value` holding a literal string. */
export function plaintextCredentials(value: unknown, at = ""): string[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => plaintextCredentials(v, `${at}[${i}]`));
    if (value === null || typeof value !== "object") return [];
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
        const path = at ? `${at}.${k}` : k;
        if (typeof v === "string" && CREDENTIAL_KEY.test(k) && !REFERENCE.test(v) && !SECRET_NAME_KEY.test(k)) return [path];
        return plaintextCredentials(v, path);
    });
}

export const noPlaintextSecretsPolicy: StackValidationPolicy = {
    name: "no-plaintext-secrets-in-kubernetes",
    description: "No Helm value holds a literal credential (passwords, tokens, client secrets come from Secrets or files), and every Kubernetes Secret's data is a Pulumi secret.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const r of resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release" || x.type === "kubernetes:helm.sh/v4:Chart")) {
            for (const path of plaintextCredentials(r.props.values)) report(`${r.name}: values.${path} holds a literal credential`, r.urn);
        }
        for (const r of ofType(resources, "kubernetes:core/v1:Secret")) {
            for (const key of ["data", "stringData"]) {
                const v = r.props[key];
                // The offline plan shows secrets as "[secret]"; a map means its values reached the engine in plaintext.
                if (v !== null && typeof v === "object" && Object.keys(v as object).length > 0) report(`${r.name}: ${key} is not a Pulumi secret`, r.urn);
            }
        }
    },
};

export const namespaceBaselinePolicy: StackValidationPolicy = {
    name: "namespaces-labelled",
    description: "Every namespace the platform creates enforces a Pod Security level and names its role (platform, tenant, or a tenant's CI runners); tenant namespaces enforce restricted (CI namespaces, where only the platform creates pods, admit each job's unconfined builder).",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const r of ofType(resources, "kubernetes:core/v1:Namespace")) {
            const labels = ((r.props.metadata ?? {}) as { labels?: Record<string, string> }).labels ?? {};
            const role = labels["platform.io/namespace-role"];
            const level = labels["pod-security.kubernetes.io/enforce"];
            if (role !== "platform" && role !== "tenant" && role !== "ci") report(`${r.name}: no platform.io/namespace-role (platform, tenant or ci)`, r.urn);
            if (!["restricted", "baseline", "privileged"].includes(level)) report(`${r.name}: no Pod Security level enforced`, r.urn);
            if (role === "tenant" && level !== "restricted") report(`${r.name}: a ${role} namespace enforcing ${level}, not restricted`, r.urn);
        }
    },
};

export const kmsKeyDeletionWindowPolicy: StackValidationPolicy = {
    name: "kms-key-deletion-window",
    description: "Every KMS key waits at least 30 days before deletion (the longest AWS allows): a mistaken destroy can be undone.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const r of ofType(resources, "aws:kms/key:Key")) {
            if (r.props.deletionWindowInDays !== 30) report(`${r.name}: deletion window ${r.props.deletionWindowInDays ?? "7 (default)"} days`, r.urn);
        }
    },
};
