import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { PlatformConfig } from "../../stacks/schema";
import { subnetTiers } from "../../stacks/schema";
import { Cluster } from "../cluster/cluster";
import { Network } from "../network/network";
import { Storage } from "../storage/storage";
import { Backup } from "../backup/backup";
import { Ingress } from "../ingress/ingress";
import { Secrets } from "../secrets/secrets";
import { Sso } from "../sso/sso";
import { Observability } from "../observability/observability";
import { Policy } from "../policy/policy";
import { Tenants } from "../tenants/tenants";
import { Registry } from "../registry/registry";
import { AppDelivery } from "../delivery/delivery";
import { tenantSigningKeyAlias } from "../delivery/ci";
import { platformStackTenants, tenantDataName } from "../../stacks/schema-tenants";
import { PLATFORM_NAMESPACES } from "../shared/namespaces";
import type { NetworkContext } from "../shared/network-policies";
import { resolveAvailabilityZones } from "../network/zones";
import { loadBalancerAddresses } from "../network/cidr";
import { awsProviderArgs, platformTags } from "../shared/tags";
import { tenantSigners } from "../policy/admission-policies";
import { adoptRetained } from "./adopt";
import { AdminCredentials } from "../secrets/admin-credentials";

export interface PlatformArgs {
    /** Pulumi project name, tagged on every resource. */
    readonly project: string;
    /** The validated stack configuration. */
    readonly config: PlatformConfig;
}

/** The whole platform: one AWS provider and the layer components wired together. */
export class Platform extends pulumi.ComponentResource {
    public readonly awsProvider: aws.Provider;
    public readonly network: Network;
    public readonly cluster: Cluster;
    public readonly storage: Storage;
    public readonly ingress: Ingress;
    public readonly secrets: Secrets;
    public readonly sso: Sso;
    public readonly observability: Observability;
    public readonly policy: Policy;
    public readonly tenants: Tenants;
    public readonly registry: Registry;
    public readonly delivery: AppDelivery;
    /** Undefined when backup.enabled is false (never in production). */
    public readonly backup: Backup | undefined;
    /** The local administrators' passwords (Keycloak's master realm, Grafana), in Secrets Manager: never stack outputs. */
    public readonly adminCredentials: AdminCredentials;
    /** Whether stateful resources are protected/retained (production tier). */
    public readonly protectsData: boolean;
    public readonly partition: pulumi.Output<string>;
    /** The AWS provider's default tags (tenant stacks tag their resources with them too). */
    public readonly awsTags: Record<string, string>;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        const adopt = args.config.adoptRetained ? [adoptRetained] : [];
        super("platform:platform:Platform", name, {}, { ...opts, transformations: [...(opts?.transformations ?? []), ...adopt] });
        const cfg = args.config;
        this.protectsData = cfg.tier === "production";

        this.awsTags = platformTags({ project: args.project, environment: cfg.environment, tier: cfg.tier, owner: cfg.owner, costCentre: cfg.costCentre, extra: cfg.tags });
        this.awsProvider = new aws.Provider(`${name}-aws`, awsProviderArgs(cfg, this.awsTags), { parent: this });
        const layer = { parent: this, providers: { aws: this.awsProvider } };

        const zones = resolveAvailabilityZones(cfg.region, cfg.network.azCount, cfg.network.availabilityZones);
        this.network = new Network(
            `${name}-network`,
            {
                namePrefix: cfg.name,
                clusterName: cfg.name,
                region: cfg.region,
                cidr: cfg.network.cidr,
                availabilityZones: zones,
                tiers: subnetTiers(cfg.network),
                azSlots: cfg.network.subnets.azSlots,
                natGateways: cfg.network.natGateways,
                natKind: cfg.network.natKind,
                interfaceEndpoints: cfg.network.interfaceEndpoints,
                flowLogs: cfg.network.flowLogs,
                retainAuditData: this.protectsData,
            },
            layer,
        );

        // Platform namespaces admit the control plane (webhooks) by the VPC's range, Envoy's listeners only the NLB: its
        // public subnets, or an internal NLB's pinned addresses (reserved in the private subnets the pods share). Without
        // PROXY protocol the NLB keeps the client's address (no header to forge, but no NLB address to admit either).
        const lb = cfg.ingress.loadBalancer;
        const podNetwork: NetworkContext = {
            vpcCidr: cfg.network.cidr,
            loadBalancerSourceCidrs: !lb.proxyProtocol
                ? ["0.0.0.0/0"]
                : lb.scheme === "internet-facing"
                  ? this.network.subnetCidrs.public
                  : loadBalancerAddresses(this.network.subnetCidrs.private).map((a) => `${a.address}/32`),
        };
        this.cluster = new Cluster(
            `${name}-cluster`,
            {
                network: podNetwork,
                clusterName: cfg.name,
                region: cfg.region,
                privateSubnets: this.network.privateSubnets,
                settings: cfg.cluster,
                configKey: `${args.project}:cluster`,
                protect: this.protectsData,
            },
            layer,
        );

        this.storage = new Storage(
            `${name}-storage`,
            {
                cluster: this.cluster,
                namePrefix: cfg.name,
                region: cfg.region,
                accountId: cfg.allowedAccountIds.length === 1 ? cfg.allowedAccountIds[0] : undefined,
                settings: cfg.storage,
                network: { vpcId: this.network.vpcId, privateSubnetIds: this.network.privateSubnetIds, subnetCount: zones.length },
                protect: this.protectsData,
            },
            layer,
        );

        this.ingress = new Ingress(
            `${name}-ingress`,
            {
                network: podNetwork,
                cluster: this.cluster,
                clusterName: cfg.name,
                region: cfg.region,
                vpcId: this.network.vpcId,
                publicSubnetIds: this.network.publicSubnetIds,
                privateSubnetIds: this.network.privateSubnetIds,
                privateSubnetCidrs: this.network.subnetCidrs.private,
                settings: cfg.ingress,
                configKey: `${args.project}:ingress`,
                // Unique per stack: dev and prod may share a parent zone but never each other's records.
                dnsOwnerId: cfg.name,
                protect: this.protectsData,
            },
            layer,
        );

        this.secrets = new Secrets(
            `${name}-secrets`,
            {
                network: podNetwork,
                cluster: this.cluster,
                ingress: this.ingress,
                certificates: this.ingress.certificates,
                storageClass: this.storage.statefulStorageClass,
                region: cfg.region,
                namePrefix: cfg.name,
                namespace: PLATFORM_NAMESPACES.secrets,
                externalSecretsNamespace: PLATFORM_NAMESPACES.externalSecrets,
                settings: cfg.secrets,
                admins: cfg.cluster.admins,
                protect: this.protectsData,
            },
            layer,
        );

        this.sso = new Sso(
            `${name}-sso`,
            {
                network: podNetwork,
                namePrefix: cfg.name,
                vpcId: this.network.vpcId,
                // The database tier when the network has one.
                subnetIds: cfg.network.subnets.isolatedPrefixLength !== undefined ? this.network.isolatedSubnetIds : this.network.privateSubnetIds,
                nodeSecurityGroupId: this.cluster.nodeSecurityGroupId,
                accountId: this.cluster.identity.accountId,
                settings: cfg.sso,
                brokerSecrets: cfg.ssoBrokerSecrets ?? {},
                cluster: this.cluster,
                ingress: this.ingress,
                certificates: this.ingress.certificates,
                namespace: PLATFORM_NAMESPACES.sso,
                vault: { address: this.secrets.vault.address, login: this.secrets.configuration },
                protect: this.protectsData,
            },
            layer,
        );

        if (cfg.backup.enabled) {
            this.backup = new Backup(
                `${name}-backup`,
                {
                    network: podNetwork,
                    cluster: this.cluster,
                    storage: this.storage,
                    secretStore: this.secrets,
                    region: cfg.region,
                    settings: cfg.backup,
                    namespace: PLATFORM_NAMESPACES.backup,
                    platformNamespaces: Object.values(PLATFORM_NAMESPACES),
                },
                layer,
            );
        }

        this.registry = new Registry(
            `${name}-registry`,
            {
                namePrefix: cfg.name,
                region: cfg.region,
                accountId: this.cluster.identity.accountId,
                settings: cfg.appDelivery.registry,
                credentials: cfg.pullThroughCacheCredentials ?? {},
                nodeRoleName: this.cluster.nodeRoleName,
                protect: this.protectsData,
            },
            layer,
        );
        const host = this.registry.host;
        const partition = aws.getPartitionOutput({}, { parent: this, provider: this.awsProvider }).partition;
        this.partition = partition;
        // The tenants this stack creates: none when each has a stack of its own (the tenant/ project).
        const tenants = platformStackTenants(cfg.tenants);
        // Its tenants' signers, one signature rule each (a tenant stack holds its tenant's rule itself).
        const perTenantKeys = cfg.appDelivery.signatures.verifier?.type === "TenantKmsKeys";
        const signers = tenantSigners(cfg.appDelivery.signatures, tenants, (t) => tenantSigningKeyAlias(cfg.name, tenantDataName(t)));
        this.policy = new Policy(
            `${name}-policy`,
            {
                network: podNetwork,
                cluster: this.cluster,
                namespace: PLATFORM_NAMESPACES.policy,
                settings: cfg.policy,
                region: cfg.region,
                // Every tenant's repository (<data name>/apps, by tag or digest) without naming tenants: onboarding changes no policy.
                platformImages: pulumi.all([host, this.registry.cacheRegistries]).apply(([h, caches]) => [`${h}/*/apps:*`, `${h}/*/apps@*`, ...caches.map((c) => `${c}/*`)]),
                signatures: {
                    settings: cfg.appDelivery.signatures,
                    // Default: the tenants' own repositories (<data name>/apps).
                    imageReferences: cfg.appDelivery.signatures.imageReferences ?? host.apply((h) => [`${h}/*/apps:*`, `${h}/*/apps@*`]),
                    // The tenants' repositories, unless other images are checked too.
                    repositoriesArn: pulumi.interpolate`arn:${partition}:ecr:${cfg.region}:${this.cluster.identity.accountId}:repository/${cfg.appDelivery.signatures.imageReferences ? "*" : "*/apps"}`,
                    // The delivery layer creates each key (its policy names the tenant's CI role); the policy names it by alias.
                    ...signers,
                },
            },
            layer,
        );

        this.tenants = new Tenants(
            `${name}-tenants`,
            {
                tenants,
                cluster: this.cluster,
                secrets: this.secrets,
                sso: this.sso,
                storage: this.storage,
                policies: this.policy.policies,
                policyAction: cfg.policy.action,
                registry: this.registry,
                protect: this.protectsData,
                workloadBoundary: { partition, region: cfg.region, accountId: this.cluster.identity.accountId, cachePrefixes: cfg.appDelivery.registry.pullThroughCache.map((c) => c.prefix) },
            },
            layer,
        );

        this.delivery = new AppDelivery(
            `${name}-delivery`,
            {
                network: podNetwork,
                cluster: this.cluster,
                ingress: this.ingress,
                secretStore: { name: this.secrets.externalSecrets.storeName, ready: this.secrets.externalSecrets.store },
                sso: { client: this.sso.argocdClient, groups: { admins: "platform-admins", viewers: "platform-viewers" } },
                tenants: [...this.tenants.tenants.values()],
                tenantWorkloadBoundaryArn: this.tenants.workloadBoundaryArn,
                settings: cfg.appDelivery,
                namespaces: { argocd: PLATFORM_NAMESPACES.gitops, runners: PLATFORM_NAMESPACES.ciRunners },
                requiredLabels: cfg.policy.requiredLabels,
                vpcCidr: cfg.network.cidr,
                kubernetesVersion: this.cluster.kubernetesVersion,
                environment: cfg.environment,
                signing:
                    perTenantKeys && this.policy.signatureReaderRoleArn
                        ? { namePrefix: cfg.name, accountId: this.cluster.identity.accountId, partition, verifierRoleArn: this.policy.signatureReaderRoleArn, protect: this.protectsData }
                        : undefined,
            },
            layer,
        );

        // The layers whose namespaces the monitors go to (kube-system, of Karpenter and the LB controller, always exists).
        const scraped = [this.ingress, this.secrets, this.sso, this.policy, this.delivery.argocd, this.delivery.runnerController, ...(this.backup ? [this.backup] : [])];
        this.observability = new Observability(
            `${name}-observability`,
            {
                network: podNetwork,
                cluster: this.cluster,
                storage: this.storage,
                ingress: this.ingress,
                grafanaClient: this.sso.grafanaClient,
                region: cfg.region,
                zones,
                namespace: PLATFORM_NAMESPACES.monitoring,
                settings: cfg.observability,
                receiverSecret: cfg.alertReceiverSecret,
                runs: { backup: cfg.backup.enabled, nodeAgent: cfg.backup.fileSystemBackup, karpenter: cfg.cluster.karpenter.enabled },
                scrapedLayers: scraped,
            },
            layer,
        );

        this.adminCredentials = new AdminCredentials(
            `${name}-admin-credentials`,
            {
                namePrefix: cfg.name,
                kmsKeyArn: this.secrets.bootstrap.keyArn,
                readers: cfg.cluster.admins,
                passwords: { keycloak: this.sso.keycloak.adminPassword, grafana: this.observability.grafanaAdminPassword },
                protect: this.protectsData,
            },
            layer,
        );

        this.registerOutputs({ vpcId: this.network.vpcId, clusterName: this.cluster.name });
    }
}
