import * as pulumi from "@pulumi/pulumi";
import { tenantCiStoreName } from "./vault-policies";
import { placeChart } from "../shared/placement";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterRef } from "../cluster/cluster-ref";
import { finalizerCleanup } from "../shared/finalizer-cleanup";
import { NAMESPACE_ROLE_LABEL, platformNamespace } from "../shared/namespaces";
import { NetworkContext, platformNetworkPolicies } from "../shared/network-policies";
import { VAULT_ACTIVE_SERVICE, VAULT_API_PORT, VAULT_TLS_SECRET } from "./constants";
import type { VaultConfiguration } from "./vault-config";

export const EXTERNAL_SECRETS_CHART_REPOSITORY = "https://charts.external-secrets.io";
export const EXTERNAL_SECRETS_SERVICE_ACCOUNT = "external-secrets";
/** The platform's store: reads `platform/…` of the KV mount. Tenant stores come with the tenants layer. */
export const PLATFORM_SECRET_STORE = "platform-vault";

export interface ExternalSecretsValuesArgs {
    readonly replicas: number;
    readonly zoneSpread: "DoNotSchedule" | "ScheduleAnyway";
}

/** Controller, webhook and cert controller with the same replica count; HA (leader election, budgets) above one. */
export function externalSecretsValues(a: ExternalSecretsValuesArgs) {
    const ha = a.replicas > 1;
    const spread = (component: string) => [
        {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: a.zoneSpread,
            labelSelector: { matchLabels: { "app.kubernetes.io/name": component, "app.kubernetes.io/instance": "external-secrets" } },
        },
    ];
    const budget = { enabled: ha, minAvailable: 1 };
    return {
        installCRDs: true,
        crds: { annotations: { "helm.sh/resource-policy": "keep" } },
        replicaCount: a.replicas,
        leaderElect: ha,
        podDisruptionBudget: budget,
        topologySpreadConstraints: spread("external-secrets"),
        serviceAccount: { create: true, name: EXTERNAL_SECRETS_SERVICE_ACCOUNT },
        // Not into edit and admin: whoever holds them could create a SecretStore (or a generator) that logs in to Vault
        // with the controller's own token and reads the platform's secrets. Read access (view) stays.
        rbac: { aggregateToEdit: false, aggregateToAdmin: false },
        // A Service on the controller's metrics port for the observability layer's ServiceMonitor.
        metrics: { service: { enabled: true } },
        webhook: { replicaCount: a.replicas, podDisruptionBudget: budget, topologySpreadConstraints: spread("external-secrets-webhook") },
        certController: { replicaCount: a.replicas, podDisruptionBudget: budget, topologySpreadConstraints: spread("external-secrets-cert-controller") },
    };
}

/** The ClusterSecretStore reading the platform's KV prefix through Vault's Kubernetes auth (no Vault token anywhere). */
export function platformStoreSpec(a: { vaultNamespace: string; kvMount: string; role: string }) {
    return {
        apiVersion: "external-secrets.io/v1",
        kind: "ClusterSecretStore",
        metadata: { name: PLATFORM_SECRET_STORE },
        spec: {
            // Platform namespaces only: a tenant's ExternalSecret naming this store would read every platform secret.
            conditions: [{ namespaceSelector: { matchLabels: { [NAMESPACE_ROLE_LABEL]: "platform" } } }],
            provider: {
                vault: {
                    server: `https://${VAULT_ACTIVE_SERVICE}.${a.vaultNamespace}.svc:${VAULT_API_PORT}`,
                    path: a.kvMount,
                    version: "v2",
                    caProvider: { type: "Secret", name: VAULT_TLS_SECRET, key: "ca.crt", namespace: a.vaultNamespace },
                    // No serviceAccountRef: the controller logs in with its own account (in a ClusterSecretStore a
                    // ref's namespace would default to each ExternalSecret's namespace).
                    auth: { kubernetes: { mountPath: "kubernetes", role: a.role } },
                },
            },
        },
    };
}

/**
 * A tenant's store: cluster-scoped (a namespaced store could not read Vault's CA from the vault namespace) but usable
 * only from the tenant's namespaces, logging in as each namespace's own service account to the tenant's Vault role.
 */
export function tenantStoreSpec(a: { tenant: string; tenantLabel: string; labelValue: string; vaultNamespace: string; kvMount: string; role: string; serviceAccount: string }) {
    const store = platformStoreSpec({ vaultNamespace: a.vaultNamespace, kvMount: a.kvMount, role: a.role });
    return {
        ...store,
        metadata: { name: `tenant-${a.tenant}` },
        spec: {
            conditions: [{ namespaceSelector: { matchLabels: { [a.tenantLabel]: a.labelValue } } }],
            provider: {
                vault: {
                    ...store.spec.provider.vault,
                    // No namespace: the ExternalSecret's own (only the tenant's, by the conditions above).
                    auth: { kubernetes: { mountPath: "kubernetes", role: a.role, serviceAccountRef: { name: a.serviceAccount } } },
                },
            },
        },
    };
}

/**
 * A tenant's CI store (`ci-tenant-<tenant>`): usable only from its CI namespace, by name (the API server sets
 * `kubernetes.io/metadata.name`, nobody relabels it), logging in as that namespace's account to the CI's Vault role,
 * which reads `tenants/<tenant>/ci/` only. The members' store cannot read there.
 */
export function tenantCiStoreSpec(a: { tenant: string; namespace: string; vaultNamespace: string; kvMount: string; role: string; serviceAccount: string }) {
    const store = platformStoreSpec({ vaultNamespace: a.vaultNamespace, kvMount: a.kvMount, role: a.role });
    return {
        ...store,
        metadata: { name: tenantCiStoreName(a.tenant) },
        spec: {
            conditions: [{ namespaces: [a.namespace] }],
            provider: { vault: { ...store.spec.provider.vault, auth: { kubernetes: { mountPath: "kubernetes", role: a.role, serviceAccountRef: { name: a.serviceAccount } } } } },
        },
    };
}

/** An ExternalSecret copying one key of a KV entry into a Secret it owns, kept if the ExternalSecret goes. */
export function generatedSecretSpec(a: { namespace: string; secretName: string; key: string; remoteKey: string; store: string }) {
    return {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: { name: a.secretName, namespace: a.namespace, annotations: { "pulumi.com/waitFor": "condition=Ready" } },
        spec: {
            refreshInterval: "1h",
            secretStoreRef: { kind: "ClusterSecretStore", name: a.store },
            // The Secret goes with its ExternalSecret; the value stays in Vault, so a rebuilt consumer gets the same one.
            target: { name: a.secretName, creationPolicy: "Owner" },
            data: [{ secretKey: a.key, remoteRef: { key: a.remoteKey, property: a.key } }],
        },
    };
}

export interface ExternalSecretsArgs {
    /** What the platform namespaces' NetworkPolicies admit by address (the control plane, the NLB). */
    readonly network: NetworkContext;
    readonly cluster: ClusterRef;
    readonly namespace: string;
    readonly chartVersion: string;
    readonly replicas: number;
    readonly vaultNamespace: string;
    readonly configuration: VaultConfiguration;
    /** How the replicas spread over zones. */
    readonly zoneSpread: "DoNotSchedule" | "ScheduleAnyway";
}

/** External Secrets Operator and the platform's ClusterSecretStore on Vault. */
export class ExternalSecrets extends pulumi.ComponentResource {
    public readonly storeName = PLATFORM_SECRET_STORE;
    public readonly release: k8s.helm.v3.Release;
    /** What an ExternalSecret on the platform store waits for. */
    public readonly store: k8s.apiextensions.CustomResource;

    constructor(name: string, args: ExternalSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:secrets:ExternalSecrets", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        const namespace = platformNamespace(`${name}-namespace`, args.namespace, "restricted", k8sOpts);
        platformNetworkPolicies(name, args.namespace, args.network, { ...k8sOpts, dependsOn: [namespace] });
        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: "external-secrets",
                chart: "external-secrets",
                version: args.chartVersion,
                repositoryOpts: { repo: EXTERNAL_SECRETS_CHART_REPOSITORY },
                namespace: args.namespace,
                maxHistory: 5,
                // Helm waits for the webhook: stores created before it serves would be refused.
                values: placeChart("external-secrets", externalSecretsValues({ replicas: args.replicas, zoneSpread: args.zoneSpread }), args.cluster.platformPods),
            },
            { ...k8sOpts, dependsOn: [namespace] },
        );
        const cleanup = finalizerCleanup(
            `${name}-finalizer-cleanup`,
            { controllerChart: "external-secrets", namespace: args.namespace, kubernetesVersion: args.cluster.kubernetesVersion, timeout: "5m" },
            { ...k8sOpts, dependsOn: [this.release] },
        );
        const reader = args.configuration.platformReader("platform-external-secrets", { namespace: args.namespace, serviceAccount: EXTERNAL_SECRETS_SERVICE_ACCOUNT });
        this.store = new k8s.apiextensions.CustomResource(
            `${name}-platform-store`,
            platformStoreSpec({ vaultNamespace: args.vaultNamespace, kvMount: args.configuration.kvMount, role: "platform-external-secrets" }),
            { ...k8sOpts, dependsOn: [this.release, cleanup, reader.role] },
        );
        this.registerOutputs({ storeName: this.storeName });
    }
}
