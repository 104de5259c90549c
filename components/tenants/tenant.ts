import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { PolicyConfig, TenantConfig } from "../../stacks/schema-tenants";
import { clusterPolicySpec, ownRepositoryPolicy } from "../policy/admission-policies";
import { tenantCiNamespace, tenantDataName, tenantNamespaces } from "../../stacks/schema-tenants";
import type { ClusterRef } from "../cluster/cluster-ref";
import type { TenantSecretStores } from "../secrets/secrets";
import { tenantCiStoreName } from "../secrets/vault-policies";
import type { TenantGroups } from "../sso/realm";
import type { StorageRef } from "../storage/storage-ref";
import type { Bucket } from "../storage/bucket";
import type { RegistryRef } from "../registry/registry";
import {
    CI_SERVICE_ACCOUNT,
    ciNamespaceSpec,
    ciNetworkPolicySpecs,
    ciRoleBindingSpec,
    limitRangeSpec,
    priorityQuotaSpec,
    crossNamespaceAffinityQuotaSpec,
    namespaceSpec,
    networkPolicySpecs,
    resourceQuotaSpec,
    roleBindingSpecs,
    SECRET_STORE_SERVICE_ACCOUNT,
    TENANT_LABEL,
} from "./tenant-objects";

export interface TenantArgs {
    readonly tenant: TenantConfig;
    readonly cluster: Pick<ClusterRef, "k8sProvider">;
    readonly secrets: TenantSecretStores;
    readonly sso: TenantGroups;
    readonly storage: Pick<StorageRef, "createBucket">;
    /** The registry's key (repositories are encrypted with it), lifecycle policy, host and caches (what the tenant may pull). */
    readonly registry: Pick<RegistryRef, "keyArn" | "lifecyclePolicy" | "host" | "cacheRegistries">;
    /** The admission policies: the namespaces are created after them, so nothing slips in unchecked. */
    readonly policies: pulumi.Resource[];
    /** The stack's admission action (the tenant's registry boundary is enforced whatever it says). */
    readonly policyAction: PolicyConfig["action"];
    /** Production: the tenant's data (bucket, repository) is protected and kept on destroy. */
    readonly protect: boolean;
    /** The tenant roles its bindings name (tenantClusterRoleSpecs, written once by the tenants layer). */
    readonly roles: pulumi.Resource[];
}

/**
 * One team on the platform: its namespaces (labels, quota, defaults, network policies, role bindings, a CI account),
 * its SSO group, its own Vault path behind its own secret store, and optional registry and bucket.
 */
export class Tenant extends pulumi.ComponentResource {
    public readonly config: TenantConfig;
    public readonly namespaces: string[];
    /** Where its runners run (CI only): a namespace of their own, the tenant's pods and rights kept out. */
    public readonly ciNamespace: string | undefined;
    /** The Keycloak group of its members (what Kubernetes, Vault and Argo CD grant). */
    public readonly ssoGroup: string;
    /** Its namespaces and secret store: what objects in them wait for. */
    public readonly ready: pulumi.Resource[];
    /** The ClusterSecretStore its ExternalSecrets name (`tenant-<data name>`). */
    public readonly secretStoreName: string;
    /** Its CI namespace's store (`ci-tenant-<data name>`, the GitHub App's key), with CI. */
    public readonly ciSecretStoreName: string | undefined;
    public readonly repository: aws.ecr.Repository | undefined;
    public readonly bucket: Bucket | undefined;

    constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
        const t = args.tenant;
        // A rename keeps every resource (children inherit the alias through their name prefix).
        const aliases = t.previousName ? [{ name: `tenant-${t.previousName}` }] : [];
        super("platform:tenants:Tenant", name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), ...aliases] });
        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        this.config = t;
        this.namespaces = tenantNamespaces(t);
        const group = args.sso.tenantGroup(t.name, t.ssoGroup, { parent: this, name });
        this.ssoGroup = group.name;

        // Its registry boundary: its own repository and the caches, never another tenant's (the nodes could pull it).
        const own = pulumi
            .all([args.registry.host, args.registry.cacheRegistries])
            .apply(([host, caches]) => clusterPolicySpec(ownRepositoryPolicy({ host, caches, tenant: t.name, repository: t.ecrRepository ? `${tenantDataName(t)}/apps` : undefined }), args.policyAction));
        const ownRepository = new k8s.apiextensions.CustomResource(
            `${name}-own-repository`,
            { apiVersion: "kyverno.io/v1", kind: "ClusterPolicy", metadata: own.metadata, spec: own.spec },
            // After Kyverno (as the shared policies are), so deleted before it.
            { ...k8sOpts, dependsOn: args.policies },
        );
        const policies = [...args.policies, ownRepository];
        const namespaces = this.namespaces.map((ns) => {
            const namespace = new k8s.core.v1.Namespace(`${name}-${ns}`, namespaceSpec(t, ns, t.costCentre), { ...k8sOpts, dependsOn: policies });
            const inNs = { ...k8sOpts, dependsOn: [namespace] };
            new k8s.core.v1.ResourceQuota(`${name}-${ns}-quota`, resourceQuotaSpec(t, ns), inNs);
            new k8s.core.v1.ResourceQuota(`${name}-${ns}-priority-quota`, priorityQuotaSpec(ns), inNs);
            new k8s.core.v1.ResourceQuota(`${name}-${ns}-affinity-quota`, crossNamespaceAffinityQuotaSpec(ns), inNs);
            new k8s.core.v1.LimitRange(`${name}-${ns}-limits`, limitRangeSpec(t, ns), inNs);
            networkPolicySpecs(t, ns).forEach((p) => new k8s.networking.v1.NetworkPolicy(`${name}-${ns}-${p.metadata.name}`, p, inNs));
            roleBindingSpecs(t, ns, group.name).forEach((b) => new k8s.rbac.v1.RoleBinding(`${name}-${ns}-${b.metadata.name}`, b, { ...inNs, dependsOn: [namespace, ...args.roles] }));
            for (const sa of [CI_SERVICE_ACCOUNT, SECRET_STORE_SERVICE_ACCOUNT]) new k8s.core.v1.ServiceAccount(`${name}-${ns}-${sa}`, { metadata: { name: sa, namespace: ns } }, inNs);
            return namespace;
        });
        // The runners' namespace: their service account has a Pod Identity (push, sign), and whoever creates a pod in a
        // namespace may name any of its accounts, so the team only reads here. Same quota and defaults as its own.
        this.ciNamespace = t.ci.enabled ? tenantCiNamespace(t) : undefined;
        if (this.ciNamespace !== undefined) {
            const ns = this.ciNamespace;
            const namespace = new k8s.core.v1.Namespace(`${name}-ci`, ciNamespaceSpec(t, ns, t.costCentre), { ...k8sOpts, dependsOn: policies });
            const inNs = { ...k8sOpts, dependsOn: [namespace] };
            new k8s.core.v1.ResourceQuota(`${name}-ci-quota`, resourceQuotaSpec(t, ns), inNs);
            new k8s.core.v1.ResourceQuota(`${name}-ci-priority-quota`, priorityQuotaSpec(ns), inNs);
            new k8s.core.v1.LimitRange(`${name}-ci-limits`, limitRangeSpec(t, ns), inNs);
            ciNetworkPolicySpecs(t, ns).forEach((p) => new k8s.networking.v1.NetworkPolicy(`${name}-ci-${p.metadata.name}`, p, inNs));
            new k8s.rbac.v1.RoleBinding(`${name}-ci-viewers`, ciRoleBindingSpec(t, ns, group.name), { ...inNs, dependsOn: [namespace, ...args.roles] });
            // The GitHub App's ExternalSecret logs in to the tenant's store as this account.
            new k8s.core.v1.ServiceAccount(`${name}-ci-${SECRET_STORE_SERVICE_ACCOUNT}`, { metadata: { name: SECRET_STORE_SERVICE_ACCOUNT, namespace: ns } }, inNs);
            namespaces.push(namespace);
        }
        // What holds data keeps the name it was created under across a rename: the Vault path, the repository, the bucket.
        const stableName = tenantDataName(t);
        this.secretStoreName = `tenant-${stableName}`;
        // Its members' store: its own namespaces (not the CI namespace, whose GitHub App key is the runners' alone).
        const store = args.secrets.tenantStore(
            stableName,
            { namespaces: this.namespaces, tenantLabel: TENANT_LABEL, labelValue: t.name, serviceAccount: SECRET_STORE_SERVICE_ACCOUNT, dependsOn: namespaces },
            { parent: this, name },
        );
        const ciStore = this.ciNamespace
            ? args.secrets.tenantCiStore(stableName, { namespace: this.ciNamespace, serviceAccount: SECRET_STORE_SERVICE_ACCOUNT, dependsOn: namespaces }, { parent: this, name })
            : undefined;
        this.ciSecretStoreName = ciStore ? tenantCiStoreName(stableName) : undefined;

        // Images are data, kept like a bucket's objects: production protects the repository and a destroy leaves it
        // (adopted by name on a rebuild); elsewhere a destroy deletes it with its images, as ECR refuses to delete a
        // repository holding images without force (terraform-provider-aws internal/service/ecr/repository.go).
        this.repository = t.ecrRepository
            ? new aws.ecr.Repository(
                  `${name}-repository`,
                  {
                      name: `${stableName}/apps`,
                      imageTagMutability: "IMMUTABLE",
                      imageScanningConfiguration: { scanOnPush: true },
                      encryptionConfigurations: [t.repositoryEncryption === "Kms" ? { encryptionType: "KMS", kmsKey: args.registry.keyArn } : { encryptionType: "AES256" }],
                      forceDelete: !args.protect,
                      tags: { tenant: t.name, "cost-centre": t.costCentre },
                  },
                  {
                      parent: this,
                      protect: args.protect,
                      retainOnDelete: args.protect,
                      // ECR fixes a repository's key at creation (a change replaces it with its images): a new registry
                      // key, as a rebuild after destroy creates, is for new repositories only.
                      ignoreChanges: ["encryptionConfigurations[0].kmsKey"],
                  },
              )
            : undefined;
        if (this.repository) {
            new aws.ecr.LifecyclePolicy(
                `${name}-repository-lifecycle`,
                { repository: this.repository.name, policy: args.registry.lifecyclePolicy },
                // A kept repository keeps expiring its images.
                { parent: this, retainOnDelete: args.protect },
            );
        }
        this.ready = [...namespaces, store, ...(ciStore ? [ciStore] : [])];
        this.bucket = t.bucket ? args.storage.createBucket(`${name}-bucket`, { purpose: `t-${stableName}` }, { parent: this }) : undefined;
        this.registerOutputs({ namespaces: this.namespaces, ciNamespace: this.ciNamespace });
    }
}
