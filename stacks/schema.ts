// The stack configuration schema: every `platform:*` key, its type, range, default and doc string.
// Components never see raw config; they receive the parsed `PlatformConfig` (or a slice of it).
import { z } from "zod";
import { AWS_REGION_PATTERN, INTERFACE_ENDPOINT_SERVICES, NAT_KINDS, NAT_STRATEGIES } from "../components/network/constants";
import { carveSubnets, cidrsOverlap, cidrWithin, parseIpv4Cidr, SubnetCarveError } from "../components/network/cidr";
import { Region as AwsRegion } from "@pulumi/aws/types/enums";
import { checkCluster, clusterSchema } from "./schema-cluster";
import { backupSchema, checkBackup, checkStorage, storageSchema } from "./schema-storage";
import { checkIngress, ingressSchema } from "./schema-ingress";
import { checkSecrets, secretsSchema } from "./schema-secrets";
import { checkSso, ssoBrokerSecretsSchema, ssoSchema } from "./schema-sso";
import { alertReceiverSecretSchema, checkObservability, observabilitySchema } from "./schema-observability";
import { checkPolicy, policySchema, tenantsSchema } from "./schema-tenants";
import { appDeliverySchema, pullThroughCacheCredentialsSchema } from "./schema-delivery";
import { cloudwatchRetention, ipv4Cidr } from "./schema-common";

/** How a config key is stored by Pulumi: `string` keys are taken verbatim, the others are JSON. */
export type PulumiConfigType = "string" | "integer" | "boolean" | "array" | "object";

const dnsLabel = (max: number) =>
    z
        .string()
        .regex(/^[a-z]([a-z0-9-]*[a-z0-9])?$/, `expected a lower-case DNS label (a-z, 0-9, '-'; starts with a letter)`)
        .max(max);


const vpcPrefixOk = (cidr: string) => {
    const prefix = parseIpv4Cidr(cidr).prefixLength ?? 0;
    return prefix >= 16 && prefix <= 24;
};

const accountId = z.string().regex(/^\d{12}$/, "expected a 12-digit AWS account id");

/** Characters AWS accepts in tag values (letters, spaces, numbers and _ . : / = + - @ in any script). */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const tagValue = z.string().max(256, "expected a tag value of at most 256 characters").regex(TAG_VALUE, "expected a tag value AWS accepts (letters, spaces, digits and _ . : / = + - @)");

/** Regions AWS has: the provider SDK's kept list. */
const AWS_REGIONS: readonly string[] = Object.values(AwsRegion);

/** Private (RFC 1918) and shared address space (RFC 6598): where a VPC belongs unless told otherwise. */
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];

const subnetPrefix = (what: string, max: number) =>
    z
        .number()
        .int("expected an integer prefix length")
        .min(16, `expected a prefix length between /16 and /${max} (AWS allows /16 at most)`)
        .max(max, `expected a prefix length between /16 and /${max} (${what})`);

export const subnetsSchema = z
    .strictObject({
        publicPrefixLength: subnetPrefix("public subnets hold load balancers and NAT gateways", 28)
            .default(24)
            .describe("Prefix length of each public subnet (load balancers, NAT gateways)."),
        privatePrefixLength: subnetPrefix("private subnets hold nodes and pods; smaller than /24 starves the VPC CNI", 24)
            .default(19)
            .describe("Prefix length of each private subnet (nodes and pods share it through the VPC CNI)."),
        isolatedPrefixLength: subnetPrefix("isolated subnets hold databases", 28)
            .optional()
            .describe("Prefix length of each isolated (database) subnet; omit for no isolated tier."),
        azSlots: z
            .number()
            .int()
            .min(1, "expected 1 to 6 slots")
            .max(6, "expected 1 to 6 slots")
            .optional()
            .describe(
                "AZ slots reserved per tier when carving (>= azCount). Reserving room lets azCount grow later without re-carving (and replacing) existing subnets. Defaults to azCount.",
            ),
    })
    .describe("Subnet sizes per tier.");

export const flowLogsSchema = z.strictObject({
    enabled: z.boolean().default(false).describe("Capture VPC flow logs to an encrypted CloudWatch log group."),
    retentionDays: cloudwatchRetention
        .default(90)
        .describe("Days flow-log records are kept."),
    trafficType: z.enum(["ALL", "ACCEPT", "REJECT"]).default("ALL").describe("Which traffic is logged."),
    aggregationIntervalSeconds: z
        .union([z.literal(60), z.literal(600)], { error: "expected 60 or 600 seconds" })
        .default(600)
        .describe("Maximum aggregation interval of a flow-log record."),
});

export const networkSchema = z.strictObject({
    allowPublicCidr: z.boolean().default(false).describe("Allow a VPC CIDR outside the private ranges (only for public space you own)."),
    cidr: ipv4Cidr
        .refine((cidr) => parseIpv4Cidr(cidr).error !== undefined || vpcPrefixOk(cidr), {
            message: "expected a VPC CIDR between /16 and /24 (AWS limits)",
        })
        .describe("IPv4 CIDR of the VPC, /16 to /24, network address (host bits zero)."),
    azCount: z
        .number()
        .int()
        .min(1, "expected 1 to 6 availability zones")
        .max(6, "expected 1 to 6 availability zones")
        .describe("Number of availability zones to spread subnets (and NAT gateways) over."),
    availabilityZones: z
        .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, "expected an availability zone name like eu-west-1a"))
        .optional()
        .describe("Explicit AZ names (length must equal azCount). Defaults to <region>a, <region>b, ..."),
    subnets: subnetsSchema.prefault({}),
    natGateways: z
        .enum(NAT_STRATEGIES)
        .default("OnePerAz")
        .describe("NAT strategy: None (no egress), Single (one shared gateway) or OnePerAz (zone-independent egress)."),
    natKind: z
        .enum(NAT_KINDS)
        .default("Gateway")
        .describe(
            "What runs where natGateways places a NAT: Gateway (AWS's managed NAT gateway) or Instance (a t4g.nano fck-nat instance: about a tenth of the hourly price and no per-GB charge, but one EC2 instance with 32 Mbps sustained; not in production).",
        ),
    interfaceEndpoints: z
        .array(
            z.enum(INTERFACE_ENDPOINT_SERVICES, {
                error: `expected a supported interface endpoint service: ${INTERFACE_ENDPOINT_SERVICES.join(", ")}`,
            }),
        )
        .default([])
        .describe("AWS services reached through interface VPC endpoints (the S3 gateway endpoint is always created); each costs about $8 a month per zone, so list one only where its traffic pays for it (docs/operations.md, What the platform costs at rest)."),
    reservedCidrs: z
        .array(ipv4Cidr)
        .default([])
        .describe("CIDRs used elsewhere (peered VPCs, on-premises, other environments) that the VPC must not overlap."),
    flowLogs: flowLogsSchema.prefault({}).describe("VPC flow logs to a KMS-encrypted CloudWatch log group."),
});

/** One entry per top-level `platform:<key>`; the Pulumi.yaml declarations are tested against this table. */
export const configKeys = {
    environment: {
        type: "string",
        schema: dnsLabel(16).describe("Environment name, e.g. dev or prod. Tags every resource and keys DNS ownership."),
    },
    tier: {
        type: "string",
        schema: z
            .enum(["development", "staging", "production"])
            .describe("Environment class. production protects stateful resources and enforces stricter rules (pinned account, admins)."),
    },
    name: {
        type: "string",
        schema: dnsLabel(24).describe("Name prefix for AWS resources and the EKS cluster, e.g. acme-dev."),
    },
    owner: {
        type: "string",
        schema: tagValue.min(3, "expected a team or e-mail address (3+ characters)").describe("Owning team, tagged on every resource."),
    },
    costCentre: {
        type: "string",
        schema: z
            .string()
            .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{1,31}$/, "expected a cost-centre code (2-32 letters, digits, '_', '.', '-')")
            .describe("Cost centre, tagged on every resource for chargeback."),
    },
    region: {
        type: "string",
        schema: z
            .string()
            .regex(AWS_REGION_PATTERN, "expected an AWS region like eu-west-1")
            .refine((r) => !AWS_REGION_PATTERN.test(r) || AWS_REGIONS.includes(r), { message: "expected a region AWS has (see the aws.Region list)" })
            .describe("AWS region of the platform."),
    },
    allowedAccountIds: {
        type: "array",
        schema: z
            .array(accountId)
            .default([])
            .describe("AWS accounts the provider may act in; a wrong credential then fails instead of deploying elsewhere."),
    },
    adoptRetained: {
        type: "boolean",
        schema: z
            .boolean()
            .default(false)
            .describe("Rebuild after destroy: adopt the retained log groups, buckets and tenant repositories (fixed names) instead of creating them. Turn off after that up."),
    },
    tags: {
        type: "object",
        schema: z
            .record(
                z.string().regex(/^(?!aws:)[\w .:/=+@-]{1,128}$/, "expected a tag key (1-128 characters, not starting with aws:)"),
                tagValue,
            )
            .default({})
            .describe("Extra tags added to every AWS resource."),
    },
    network: { type: "object", schema: networkSchema.describe("VPC layout: CIDR, AZs, subnet sizes, NAT, endpoints, flow logs.") },
    cluster: {
        type: "object",
        schema: clusterSchema.describe("EKS: version, endpoint access, logs, admins, node groups, Karpenter, add-on versions."),
    },
    storage: {
        type: "object",
        schema: storageSchema.prefault({}).describe("Volumes and object storage: retained stateful class, bucket access logs, optional EFS."),
    },
    ingress: {
        type: "object",
        schema: ingressSchema.describe("Gateway API ingress: domain, hosted zone, load balancer, ACME issuer, external-dns policy, gateway sizing, chart versions."),
    },
    secrets: {
        type: "object",
        schema: secretsSchema.describe("Vault (HA raft, KMS auto-unseal, TLS, audit, token TTLs, KV mount) and External Secrets Operator: chart versions and sizing."),
    },
    sso: {
        type: "object",
        schema: ssoSchema.describe("SSO: Keycloak (release, instances, zone spread), the realm's lifetimes and password policy, cluster login, brokered identity providers, and its RDS PostgreSQL database."),
    },
    ssoBrokerSecrets: {
        type: "object",
        secret: true,
        schema: ssoBrokerSecretsSchema.optional().describe("Secret: client secrets of the Oidc entries of sso.identityProviders, by alias."),
    },
    observability: {
        type: "object",
        schema: observabilitySchema.describe(
            "Observability: zoneSpread, charts{kubePrometheusStack, loki, tempo, grafana, alloy, otelCollector}, otelCollectorImage, prometheus, alertmanager{receiver}, loki, tempo, grafana, alloy, otelCollector sizing.",
        ),
    },
    alertReceiverSecret: {
        type: "string",
        secret: true,
        schema: alertReceiverSecretSchema.optional().describe("Secret: the alert receiver's webhook or Slack URL, or its SMTP password."),
    },
    policy: {
        type: "object",
        schema: policySchema.describe("Admission policy (Kyverno): chartVersion, hookImageTag, replicas, action (Audit|Enforce), allowedRegistries, requiredLabels."),
    },
    tenants: {
        type: "object",
        schema: tenantsSchema.describe("Tenants: list[{name, previousName, dataName, owners, ssoGroup, costCentre, namespaces, quota, containerDefaults, hostnames, internetEgress, ecrRepository, repositoryEncryption, bucket, gitops, ci}], directory (one YAML file per tenant), placement (PlatformStack|OwnStacks)."),
    },
    appDelivery: {
        type: "object",
        schema: appDeliverySchema.describe(
            "Application delivery: argocd{chartVersion, controllerReplicas, serverReplicas, repoServerReplicas, applicationSetReplicas, redisHa, zoneSpread, localAdmin, repositoryCredentials}, runners{chartVersion, controllerReplicas, runnerImage}, builder{image, requests, limits, cacheSize}, registry{pullThroughCache[{prefix, upstream}], lifecycle{untaggedExpireDays, keepImages}}, signatures{action, verifier, imageReferences}.",
        ),
    },
    pullThroughCacheCredentials: {
        type: "object",
        secret: true,
        schema: pullThroughCacheCredentialsSchema.optional().describe("Secret: {username, accessToken} of each pull-through cache whose upstream needs credentials, by prefix."),
    },
    backup: { type: "object", schema: backupSchema.describe("Velero: chart and plugin versions, schedules with TTLs, bucket lifecycle, cross-region copy.") },
} as const satisfies Record<string, { type: PulumiConfigType; schema: z.ZodType; secret?: true }>;

export type ConfigKey = keyof typeof configKeys;

const RESERVED_TAGS = ["project", "environment", "tier", "owner", "cost-centre", "managed-by"];

const shape = Object.fromEntries(Object.entries(configKeys).map(([k, v]) => [k, v.schema])) as {
    [K in ConfigKey]: (typeof configKeys)[K]["schema"];
};

/** Every key with its own rules, none across keys: what is checked while a key could not even be read. */
export const platformKeysSchema = z.strictObject(shape);

/**
 * The whole stack configuration with its cross-key rules. They run once every key is valid on its own, so a problem
 * is reported once: a bad CIDR or size is named by its key, not again by the rules that read it.
 */
export const platformConfigSchema = platformKeysSchema.superRefine((cfg, ctx) => {
    const net = cfg.network;
    const issue = (path: (string | number)[], message: string, input: unknown) =>
        ctx.addIssue({ code: "custom", path, message, input });

    if (cfg.adoptRetained && cfg.allowedAccountIds.length !== 1) {
        issue(["adoptRetained"], "expected allowedAccountIds to pin exactly one account (retained bucket names include it)", cfg.adoptRetained);
    }
    if (!net.allowPublicCidr && !PRIVATE_RANGES.some((r) => cidrWithin(net.cidr, r))) {
        issue(["network", "cidr"], `expected a private range (${PRIVATE_RANGES.join(", ")}), or network.allowPublicCidr: true for a public range you own`, net.cidr);
    }
    if (cfg.tier === "production") {
        if (!net.flowLogs.enabled) issue(["network", "flowLogs", "enabled"], "expected flow logs on in production", net.flowLogs.enabled);
        if (net.natGateways !== "OnePerAz") issue(["network", "natGateways"], "expected OnePerAz in production (a single NAT gateway is a zone-wide outage)", net.natGateways);
        if (net.natKind !== "Gateway") issue(["network", "natKind"], "expected Gateway in production (a NAT instance is one EC2 instance: no managed failover within the zone, 32 Mbps sustained on a t4g.nano, patched by us)", net.natKind);
        if (net.flowLogs.enabled && net.flowLogs.retentionDays < 90) issue(["network", "flowLogs", "retentionDays"], "expected at least 90 days of flow logs in production", net.flowLogs.retentionDays);
        if (cfg.cluster.logRetentionDays < 90) issue(["cluster", "logRetentionDays"], "expected at least 90 days of control-plane logs in production", cfg.cluster.logRetentionDays);
        cfg.cluster.nodeGroups.forEach((g, i) => {
            if (g.role === "System" && g.capacityType !== "ON_DEMAND") issue(["cluster", "nodeGroups", i, "capacityType"], "expected ON_DEMAND for the System group in production (spot reclaims take cluster add-ons down)", g.capacityType);
        });
    }
    if (cfg.tier === "production" && cfg.allowedAccountIds.length === 0) {
        issue(["allowedAccountIds"], "expected at least one account id for a production tier", cfg.allowedAccountIds);
    }
    for (const key of Object.keys(cfg.tags)) {
        if (RESERVED_TAGS.includes(key)) {
            issue(["tags", key], `expected a tag key other than the platform's own (${RESERVED_TAGS.join(", ")})`, key);
        }
    }
    if (net.availabilityZones) {
        if (net.availabilityZones.length !== net.azCount) {
            issue(["network", "availabilityZones"], `expected exactly azCount (${net.azCount}) zones`, net.availabilityZones);
        }
        if (new Set(net.availabilityZones).size !== net.availabilityZones.length) {
            issue(["network", "availabilityZones"], "expected distinct zones", net.availabilityZones);
        }
        net.availabilityZones.forEach((az, i) => {
            if (!az.startsWith(cfg.region)) issue(["network", "availabilityZones", i], `expected a zone of region ${cfg.region}`, az);
        });
    }
    if (net.natKind === "Instance" && net.natGateways === "None") {
        issue(["network", "natKind"], "expected Gateway (the default) with natGateways None: there is no NAT to run", net.natKind);
    }
    if (new Set(net.interfaceEndpoints).size !== net.interfaceEndpoints.length) {
        issue(["network", "interfaceEndpoints"], "expected each service once", net.interfaceEndpoints);
    }
    if (net.subnets.azSlots !== undefined && net.subnets.azSlots < net.azCount) {
        issue(["network", "subnets", "azSlots"], `expected at least azCount (${net.azCount}) slots`, net.subnets.azSlots);
    }
    const production = cfg.tier === "production";
    checkStorage(cfg.storage, { production }, issue);
    checkBackup(cfg.backup, { production, region: cfg.region, efs: cfg.storage.efs.enabled }, issue);
    checkIngress(cfg.ingress, { production }, issue);
    checkSecrets(cfg.secrets, { production }, issue);
    checkPolicy(cfg.policy, { production }, issue);
    checkObservability(cfg.observability, { production, receiverSecret: cfg.alertReceiverSecret !== undefined }, issue);
    checkSso(cfg.sso, { production, brokerSecrets: cfg.ssoBrokerSecrets ?? {}, ingress: { issuer: cfg.ingress.certificates.issuer, scheme: cfg.ingress.loadBalancer.scheme } }, issue);
    checkCluster(
        cfg.cluster,
        { production: cfg.tier === "production", zoneCount: net.azCount, vpcCidr: net.cidr, reservedCidrs: net.reservedCidrs, overlaps: cidrsOverlap },
        issue,
    );
    net.reservedCidrs.forEach((reserved, i) => {
        if (cidrsOverlap(net.cidr, reserved)) {
            issue(["network", "reservedCidrs", i], `expected a range outside the VPC CIDR ${net.cidr} (they overlap)`, reserved);
        }
    });
    try {
        carveSubnets(net.cidr, subnetTiers(net), net.subnets.azSlots ?? net.azCount);
    } catch (e) {
        if (!(e instanceof SubnetCarveError)) throw e;
        issue(["network", "subnets"], e.message, net.subnets);
    }
}, { when: (payload) => payload.issues.length === 0 });

export type PlatformConfig = z.infer<typeof platformConfigSchema>;
export type NetworkConfig = PlatformConfig["network"];

/** The subnet tiers a network config asks for, in carving order. */
export function subnetTiers(net: Pick<NetworkConfig, "subnets">) {
    const tiers = [
        { tier: "private" as const, prefixLength: net.subnets.privatePrefixLength },
        { tier: "public" as const, prefixLength: net.subnets.publicPrefixLength },
    ];
    return net.subnets.isolatedPrefixLength === undefined
        ? tiers
        : [...tiers, { tier: "isolated" as const, prefixLength: net.subnets.isolatedPrefixLength }];
}
