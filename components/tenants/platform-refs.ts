import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as keycloak from "@pulumi/keycloak";
import * as vault from "@pulumi/vault";
import type { PlatformOutputs, TenantStackOutputs } from "../../stacks/outputs";
import { tenantSettingsDigest } from "../../stacks/settings-digest";
import type { PlatformConfig } from "../../stacks/schema";
import { awsProviderArgs } from "../shared/tags";
import type { ClusterRef, IdentityCluster } from "../cluster/cluster-ref";
import { WorkloadIdentity } from "../cluster/identity";
import { tenantCiSecretStore, tenantSecretStore, TenantSecretStores } from "../secrets/secrets";
import { tenantCiVaultReader, tenantVaultReader, vaultProviderArgs } from "../secrets/vault-config";
import { ownedTenantGroup, TenantGroups } from "../sso/realm";
import { createPlatformBucket } from "../storage/storage";
import type { StorageRef } from "../storage/storage-ref";
import type { RegistryRef } from "../registry/registry";
import { PLATFORM_NAMESPACES } from "../shared/namespaces";

/** What a tenant stack reads the platform with: its outputs, typed (PlatformReference), and the reference itself. */
export interface PlatformSource {
    output<K extends keyof PlatformOutputs>(key: K): pulumi.Output<pulumi.Unwrap<PlatformOutputs[K]>>;
    readonly stackReference: pulumi.Resource;
}

/** The platform's layers as the tenant components take them, built from its outputs (and its settings). */
export interface PlatformRefs {
    readonly aws: aws.Provider;
    readonly cluster: Pick<ClusterRef, "k8sProvider" | "workloadIdentity">;
    readonly secrets: TenantSecretStores;
    readonly sso: TenantGroups;
    readonly storage: Pick<StorageRef, "createBucket">;
    readonly registry: Pick<RegistryRef, "keyArn" | "lifecyclePolicy" | "host" | "cacheRegistries">;
    readonly accountId: pulumi.Output<string>;
    readonly partition: pulumi.Output<string>;
    readonly signatureReaderRoleArn: pulumi.Output<string>;
    /** What stands for the platform's releases (Argo CD, the runner controller) in dependsOn: they exist once its outputs do. */
    readonly ready: pulumi.Resource;
}

/** The refusal of a platform stack that still creates its tenants (both stacks would own the same objects). */
export function placementProblem(platformStack: string, placement: string): string | undefined {
    if (placement === "OwnStacks") return undefined;
    return `${platformStack}: platform:tenants.placement is ${placement}: the platform stack creates its tenants itself, and this stack would own the same objects; set OwnStacks there (after moving the tenant's state: docs/tenants.md) first`;
}

/**
 * Why a tenant stack must not run on its platform's outputs, if it must not: the platform stack was last updated from
 * other settings than this commit's stack file holds (or before it published them), so what it built and what this
 * stack follows may differ (Deployments starts both on one push, in no order).
 */
export function settingsProblem(platformStack: string, published: string | undefined, own: string): string | undefined {
    if (published === own) return undefined;
    const when = published === undefined ? "before platform stacks published their settings' digest" : "from other settings than this commit's stack file";
    return `${platformStack}: its last update was ${when}: update the platform stack to this commit first (or wait for its deployment to finish), then this tenant stack`;
}

/**
 * The providers (AWS, Kubernetes, Vault, Keycloak) and layer references of a tenant stack, children of `parent`
 * named `${name}-<role>`. Every value waits for the placement and settings checks (a platform that creates its tenants, or
 * that runs other settings than this commit's, is refused).
 */
export function platformRefs(name: string, source: PlatformSource, settings: PlatformConfig, platformStack: string, parent: pulumi.Resource, previousName?: string): PlatformRefs {
    const own = tenantSettingsDigest(settings);
    const ts: pulumi.Output<TenantStackOutputs> = source.output("tenantStack").apply((t) => {
        const problem = placementProblem(platformStack, t.placement);
        if (problem) throw new Error(problem);
        // A pull request's preview runs on the platform as deployed (from the target branch): it may change settings
        // the platform gets only once merged, so it warns; an update refuses.
        const stale = settingsProblem(platformStack, (t as Partial<TenantStackOutputs>).settingsDigest, own);
        if (stale && !pulumi.runtime.isDryRun()) throw new Error(stale);
        if (stale) void pulumi.log.warn(`${stale} (this preview shows the tenant on the platform as deployed)`);
        return t as TenantStackOutputs;
    });
    const checked = <T>(value: pulumi.Output<T>): pulumi.Output<T> => pulumi.all([ts, value]).apply(([, v]) => v as T);
    // A renamed tenant's stack keeps its providers (a new provider would be a new identity for every resource on it).
    const opts = (role: string) => ({ parent, aliases: previousName ? [{ name: `${previousName}-${role}` }] : [] });
    const awsProvider = new aws.Provider(`${name}-aws`, awsProviderArgs(settings, ts.awsTags), opts("aws"));
    const k8sProvider = new k8s.Provider(`${name}-k8s`, { kubeconfig: checked(source.output("kubeconfig")), enableServerSideApply: true }, opts("k8s"));
    const vaultProvider = new vault.Provider(
        `${name}-vault`,
        vaultProviderArgs(checked(source.output("vaultAddress")), { role: ts.vault.login.role, mount: ts.vault.login.mount, headerValue: ts.vault.login.headerValue, region: settings.region }),
        opts("vault"),
    );
    const adminUrl = ts.sso.adminUrl;
    // The master admin's password is no platform output (every reader of the platform stack could show it): the stack
    // reads it from its Secrets Manager secret as the deploy role, one of the cluster admins its policies admit.
    const adminPassword = aws.secretsmanager.getSecretVersionOutput({ secretId: checked(source.output("ssoAdminSecretArn")) }, { parent, provider: awsProvider }).secretString;
    const keycloakProvider = new keycloak.Provider(
        `${name}-keycloak`,
        { url: adminUrl, adminUrl, realm: "master", clientId: "admin-cli", username: source.output("ssoAdminUsername"), password: pulumi.secret(adminPassword) },
        opts("keycloak"),
    );
    const identity: IdentityCluster = {
        name: checked(source.output("clusterName")),
        arn: ts.clusterArn,
        accountId: ts.accountId,
        oidcProviderArn: source.output("clusterOidcProviderArn"),
        oidcIssuerUrl: source.output("clusterOidcIssuerUrl"),
    };
    const kvMount = settings.secrets.vault.kvMount;
    const ttl = { default: ts.vault.tokenTtl.default, max: ts.vault.tokenTtl.max };
    return {
        aws: awsProvider,
        cluster: {
            k8sProvider,
            // Every tenant identity within the platform's boundary (the tenants' deploy role may create none without it).
            workloadIdentity: (n, a, o) => new WorkloadIdentity(n, { ...a, cluster: identity, permissionsBoundary: ts.workloadBoundaryArn }, { parent, ...o }),
        },
        secrets: {
            tenantStore: (tenant, a, owner) => {
                const reader = tenantVaultReader(tenant, { kvMount, namespaces: a.namespaces, serviceAccount: a.serviceAccount, ttl }, owner, { provider: vaultProvider }, []);
                return tenantSecretStore(tenant, a, owner, reader, { k8sProvider, vaultNamespace: PLATFORM_NAMESPACES.secrets, kvMount, dependsOn: [] });
            },
            tenantCiStore: (tenant, a, owner) => {
                const reader = tenantCiVaultReader(tenant, { kvMount, namespace: a.namespace, serviceAccount: a.serviceAccount, ttl }, owner, { provider: vaultProvider }, []);
                return tenantCiSecretStore(tenant, a, owner, reader, { k8sProvider, vaultNamespace: PLATFORM_NAMESPACES.secrets, kvMount, dependsOn: [] });
            },
        },
        sso: {
            tenantGroup: (tenant, groupName = `tenant-${tenant}`, owner) => {
                if (owner === undefined) throw new Error(`tenant ${tenant}: a tenant stack's group needs its owner`);
                return ownedTenantGroup(ts.sso.realmId, groupName, owner, keycloakProvider);
            },
        },
        storage: {
            createBucket: (n, a, o) =>
                createPlatformBucket(
                    n,
                    a,
                    {
                        namePrefix: settings.name,
                        region: settings.region,
                        pinnedAccountId: settings.allowedAccountIds.length === 1 ? settings.allowedAccountIds[0] : undefined,
                        accountId: ts.accountId,
                        kmsKeyArn: source.output("objectsKmsKeyArn"),
                        accessLogsBucket: settings.storage.accessLogs.enabled ? ts.accessLogsBucket : undefined,
                        protect: settings.tier === "production",
                    },
                    o,
                ),
        },
        registry: { keyArn: ts.registry.keyArn, lifecyclePolicy: ts.registry.lifecyclePolicy, host: ts.registry.host, cacheRegistries: ts.registry.cacheRegistries },
        accountId: ts.accountId,
        partition: ts.partition,
        signatureReaderRoleArn: ts.signatureReaderRoleArn,
        ready: source.stackReference,
    };
}
