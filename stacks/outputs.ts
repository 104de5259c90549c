// The stack outputs contract: what application stacks read through StackReference.
// Bump OUTPUTS_CONTRACT_VERSION on any breaking change (rename, removal, type change).
import * as pulumi from "@pulumi/pulumi";
import type { Platform } from "../components/platform/platform";
import { AWS_AUTH_PATH, DEPLOYER_ROLE } from "../components/secrets/bootstrap-job";
import { tokenTtlSeconds } from "../components/secrets/vault-config";
import type { PlatformConfig } from "./schema";
import { tenantSettingsDigest } from "./settings-digest";
import type { TenantPlacement } from "./schema-tenants";

// Additions are not breaking. 2: the admin passwords (ssoAdminPassword, grafanaAdminPassword) left the contract, a
// security fix: whoever may read the platform stack may show its secret outputs; their secrets' ARNs replace them.
export const OUTPUTS_CONTRACT_VERSION = 2;

/**
 * The project that republishes the contract (contract/Pulumi.yaml), a stack per platform stack: what application
 * teams read. The platform stack's state holds every secret input in the clear to a reader (stack:export, decrypt).
 */
export const CONTRACT_PROJECT = "platform-contract";

export interface PlatformOutputs {
    /** Version of this contract; consumers should check it. */
    readonly contractVersion: number;
    readonly environment: string;
    readonly region: string;
    readonly vpcId: pulumi.Output<string>;
    readonly vpcCidr: pulumi.Output<string>;
    readonly availabilityZones: pulumi.Output<string[]>;
    readonly publicSubnetIds: pulumi.Output<string[]>;
    readonly privateSubnetIds: pulumi.Output<string[]>;
    /** Empty when the stack has no isolated tier. */
    readonly isolatedSubnetIds: pulumi.Output<string[]>;
    readonly publicRouteTableIds: pulumi.Output<string[]>;
    readonly privateRouteTableIds: pulumi.Output<string[]>;
    readonly isolatedRouteTableIds: pulumi.Output<string[]>;
    /** Egress IPs to allow-list at partners; empty with natGateways None. */
    readonly natGatewayPublicIps: pulumi.Output<string[]>;
    readonly clusterName: pulumi.Output<string>;
    readonly clusterEndpoint: pulumi.Output<string>;
    /** Base64 PEM of the cluster CA. */
    readonly clusterCertificateAuthority: pulumi.Output<string>;
    readonly clusterOidcIssuerUrl: pulumi.Output<string>;
    readonly clusterOidcProviderArn: pulumi.Output<string>;
    /** Uses `aws eks get-token`; the caller needs an access entry. Secret. */
    readonly kubeconfig: pulumi.Output<string>;
    readonly nodeRoleArn: pulumi.Output<string>;
    /** The EKS cluster security group (control plane and managed nodes). */
    readonly clusterSecurityGroupId: pulumi.Output<string>;
    /** The default StorageClass (gp3, encrypted with the platform EBS key). */
    readonly defaultStorageClass: pulumi.Output<string>;
    /** StorageClass for stateful services: gp3-retain where volumes outlive claims, else gp3. */
    readonly statefulStorageClass: string;
    /** ReadWriteMany StorageClass; empty when EFS is off. */
    readonly efsStorageClass: pulumi.Output<string>;
    readonly volumeSnapshotClass: pulumi.Output<string>;
    /** Key of the platform's buckets (grant kms:Decrypt on it to readers of platform data). */
    readonly objectsKmsKeyArn: pulumi.Output<string>;
    /** Velero's bucket; empty when backups are off. */
    readonly backupBucketName: pulumi.Output<string>;
    /** Cross-region copy of the backup bucket; empty without backup.replicaRegion. */
    readonly backupReplicaBucketName: pulumi.Output<string>;
    /** Managed policy to attach to a recovery cluster's Velero role to restore from the copy; empty without one. */
    readonly backupReplicaAccessPolicyArn: pulumi.Output<string>;
    /** Services are published as https://<name>.<domain>. */
    readonly domain: string;
    readonly hostedZoneId: pulumi.Output<string>;
    /** Name servers to delegate to when the zone was created here; empty for an existing zone. */
    readonly hostedZoneNameServers: pulumi.Output<string[]>;
    /** The shared Gateway HTTPRoutes attach to (sectionName "https"). */
    readonly gatewayName: string;
    readonly gatewayNamespace: string;
    /** DNS name of the gateway's NLB (known after the first `pulumi up`). */
    readonly loadBalancerHostname: pulumi.Output<string>;
    /** Vault's API (https, verified with the platform's private CA inside the cluster, the public one at the gateway). */
    readonly vaultAddress: string;
    /** Secrets Manager secret holding Vault's recovery keys and initial root token (ARN only; readable by the admins). */
    readonly vaultBootstrapSecretArn: pulumi.Output<string>;
    /** KV v2 mount of platform (`platform/…`) and tenant (`tenants/<name>/…`) secrets. */
    readonly vaultKvMount: string;
    /** ClusterSecretStore of the platform's secrets (`platform/…` of the KV mount); tenants get stores of their own. */
    readonly clusterSecretStoreName: string;
    /** Keycloak's public base URL (https://sso.<domain>); its admin console is under /admin. */
    readonly ssoUrl: string;
    /** The platform realm's issuer: what OIDC clients (and the EKS identity provider) are configured with. */
    readonly ssoIssuerUrl: string;
    /** The public client kubectl's oidc-login uses (PKCE, no secret). */
    readonly kubectlOidcClientId: string;
    /** Keycloak's bootstrap administrator of the master realm. */
    readonly ssoAdminUsername: string;
    /** Secrets Manager secret of its generated password (ARN only; readable by the cluster admins alone). */
    readonly ssoAdminSecretArn: pulumi.Output<string>;
    /** Grafana (login through SSO). */
    readonly grafanaUrl: string;
    /** Secrets Manager secret of Grafana's local (break-glass) `admin` password (ARN only; readable by the cluster admins alone). */
    readonly grafanaAdminSecretArn: pulumi.Output<string>;
    /** In-cluster OTLP endpoints of the OpenTelemetry gateway: traces, metrics and logs from applications. */
    readonly otlpGrpcEndpoint: string;
    readonly otlpHttpEndpoint: string;
    /** In-cluster Prometheus remote-write receiver. */
    readonly prometheusRemoteWriteUrl: string;
    /** In-cluster Loki push API. */
    readonly lokiPushUrl: string;
    /**
     * Each tenant, by name: its namespaces, secret store, repository URL (empty without one), Argo CD project, and
     * runner scale set (what `runs-on:` names; empty without CI).
     */
    readonly tenants: pulumi.Output<Record<string, TenantOutputs>>;
    /** What the admission policies do in tenant namespaces: Audit or Enforce. */
    readonly admissionPolicyAction: string;
    /** Argo CD (login through SSO); each tenant's project is named after the tenant. */
    readonly argocdUrl: string;
    /** What the image signature policy does in tenant namespaces: Audit or Enforce. */
    readonly imageSignatureAction: string;
    /** What a tenant stack (the tenant/ project) builds its tenant with: see TenantStackOutputs. */
    readonly tenantStack: pulumi.Output<TenantStackOutputs>;
}

/**
 * What the platform built that a tenant stack needs and cannot know from the platform's stack file: the account and
 * the cluster (Pod Identity), the AWS tags, the registry, the access-log bucket, the Vault and Keycloak logins (the Keycloak password it reads from Secrets Manager: ssoAdminSecretArn), the
 * signature verifier. Its settings (tier, delivery, policy) it reads from the stack file of the same commit.
 */
export interface TenantStackOutputs {
    /** Where tenants live: a tenant stack refuses a platform that creates them itself (PlatformStack). */
    readonly placement: TenantPlacement;
    readonly accountId: string;
    readonly partition: string;
    /** The EKS cluster's ARN (Pod Identity trust policies name it). */
    readonly clusterArn: string;
    /** The platform provider's default tags: tenants' AWS resources are tagged as they were in the platform stack. */
    readonly awsTags: Record<string, string>;
    readonly registry: { readonly host: string; readonly keyArn: string; readonly cacheRegistries: string[]; readonly lifecyclePolicy: string };
    /** The access-log bucket tenants' buckets log to; empty without one. */
    readonly accessLogsBucket: string;
    /** Vault's AWS IAM login of the deployer (role, mount, signed header) and the token lifetimes of its roles (seconds). */
    readonly vault: { readonly login: { readonly role: string; readonly mount: string; readonly headerValue: string }; readonly tokenTtl: { readonly default: number; readonly max: number } };
    /** Where the Keycloak provider logs in (the admin name) and the realm tenants' groups go to. */
    readonly sso: { readonly adminUrl: string; readonly realmId: string };
    /** The admission controller's role that reads tenants' signing keys (TenantKmsKeys); empty otherwise. */
    readonly signatureReaderRoleArn: string;
    /** The permissions boundary of every tenant workload identity (the tenants' deploy role creates roles only with it). */
    readonly workloadBoundaryArn: string;
    /**
     * The digest of the settings the platform stack was last updated with (tenantSettingsDigest): a tenant stack reads
     * its settings from the stack file of its own commit, and refuses to run on a platform updated from other ones.
     */
    readonly settingsDigest: string;
}

export interface TenantOutputs {
    readonly namespaces: string[];
    readonly secretStore: string;
    readonly repositoryUrl: string;
    readonly argocdProject: string;
    readonly runnerScaleSet: string;
}

export function platformOutputs(config: PlatformConfig, platform: Platform): PlatformOutputs {
    const net = platform.network;
    return {
        contractVersion: OUTPUTS_CONTRACT_VERSION,
        environment: config.environment,
        region: config.region,
        vpcId: net.vpcId,
        vpcCidr: net.cidr,
        availabilityZones: net.availabilityZones,
        publicSubnetIds: net.publicSubnetIds,
        privateSubnetIds: net.privateSubnetIds,
        isolatedSubnetIds: net.isolatedSubnetIds,
        publicRouteTableIds: net.publicRouteTableIds,
        privateRouteTableIds: net.privateRouteTableIds,
        isolatedRouteTableIds: net.isolatedRouteTableIds,
        natGatewayPublicIps: net.natGatewayPublicIps,
        clusterName: platform.cluster.name,
        clusterEndpoint: platform.cluster.endpoint,
        clusterCertificateAuthority: platform.cluster.certificateAuthority,
        clusterOidcIssuerUrl: platform.cluster.oidcIssuerUrl,
        clusterOidcProviderArn: platform.cluster.oidcProviderArn,
        kubeconfig: platform.cluster.kubeconfig,
        nodeRoleArn: platform.cluster.nodeRoleArn,
        clusterSecurityGroupId: platform.cluster.nodeSecurityGroupId,
        defaultStorageClass: platform.storage.defaultStorageClass,
        statefulStorageClass: platform.storage.statefulStorageClass,
        efsStorageClass: platform.storage.sharedFileSystem?.storageClassName ?? pulumi.output(""),
        volumeSnapshotClass: platform.storage.snapshotClass,
        objectsKmsKeyArn: platform.storage.objectsKmsKeyArn,
        backupBucketName: platform.backup?.bucketName ?? pulumi.output(""),
        backupReplicaBucketName: platform.backup?.bucket.replica?.bucketName ?? pulumi.output(""),
        backupReplicaAccessPolicyArn: platform.backup?.bucket.replicaAccessPolicyArn ?? pulumi.output(""),
        domain: platform.ingress.domain,
        hostedZoneId: platform.ingress.hostedZoneId,
        hostedZoneNameServers: platform.ingress.nameServers,
        gatewayName: platform.ingress.gatewayName,
        gatewayNamespace: platform.ingress.gatewayNamespace,
        loadBalancerHostname: platform.ingress.loadBalancerHostname,
        vaultAddress: platform.secrets.vault.address,
        vaultBootstrapSecretArn: platform.secrets.bootstrap.secretArn,
        vaultKvMount: platform.secrets.configuration.kvMount,
        clusterSecretStoreName: platform.secrets.externalSecrets.storeName,
        ssoUrl: platform.sso.keycloak.publicUrl,
        ssoIssuerUrl: platform.sso.issuerUrl,
        kubectlOidcClientId: platform.sso.kubernetesClient.clientId,
        ssoAdminUsername: platform.sso.keycloak.adminUsername,
        ssoAdminSecretArn: platform.adminCredentials.secretArns.keycloak,
        grafanaUrl: platform.observability.grafanaUrl,
        grafanaAdminSecretArn: platform.adminCredentials.secretArns.grafana,
        otlpGrpcEndpoint: platform.observability.otlpGrpcEndpoint,
        otlpHttpEndpoint: platform.observability.otlpHttpEndpoint,
        prometheusRemoteWriteUrl: platform.observability.prometheusRemoteWriteUrl,
        lokiPushUrl: platform.observability.lokiPushUrl,
        tenants: pulumi.all(
            [...platform.tenants.tenants.entries()].map(([name, t]) => {
                const delivery = platform.delivery.tenants.get(name);
                return (t.repository?.repositoryUrl ?? pulumi.output("")).apply(
                    (repositoryUrl) =>
                        [name, { namespaces: t.namespaces, secretStore: t.secretStoreName, repositoryUrl, argocdProject: delivery?.project ?? "", runnerScaleSet: delivery?.runnerScaleSet ?? "" }] as const,
                );
            }),
        ).apply((entries) => Object.fromEntries(entries)),
        admissionPolicyAction: config.policy.action,
        argocdUrl: platform.delivery.argocdUrl,
        imageSignatureAction: config.appDelivery.signatures.action,
        tenantStack: tenantStackOutputs(config, platform),
    };
}

function tenantStackOutputs(config: PlatformConfig, platform: Platform): pulumi.Output<TenantStackOutputs> {
    const r = platform.registry;
    return pulumi.output({
        placement: config.tenants.placement,
        accountId: platform.cluster.identity.accountId,
        partition: platform.partition,
        clusterArn: platform.cluster.identity.arn,
        awsTags: platform.awsTags,
        registry: { host: r.host, keyArn: r.keyArn, cacheRegistries: r.cacheRegistries, lifecyclePolicy: r.lifecyclePolicy },
        accessLogsBucket: platform.storage.accessLogsBucket?.bucketName ?? "",
        vault: { login: { role: DEPLOYER_ROLE, mount: AWS_AUTH_PATH, headerValue: new URL(platform.secrets.vault.address).hostname }, tokenTtl: tokenTtlSeconds(config.secrets.vault.tokenTtl) },
        sso: { adminUrl: platform.sso.keycloak.adminUrl, realmId: platform.sso.realm.realm.id },
        signatureReaderRoleArn: platform.policy.signatureReaderRoleArn ?? "",
        workloadBoundaryArn: platform.tenants.workloadBoundaryArn,
        settingsDigest: tenantSettingsDigest(config),
    });
}
