import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import * as vault from "@pulumi/vault";
import { PLATFORM_PREFIX, tenantCiStoreName } from "./vault-policies";
import { generatedSecretSpec, tenantCiStoreSpec, tenantStoreSpec } from "./external-secrets";
import type { SecretsConfig } from "../../stacks/schema-secrets";
import { VaultBootstrap } from "./bootstrap";
import { Vault, VaultArgs } from "./vault";
import { VaultConfiguration, type VaultReader } from "./vault-config";
import { aclPolicy, deployerRules } from "./vault-policies";
import { AWS_AUTH_PATH, DEPLOYER_ROLE, DEPLOYER_ROLE_PATH, deployerBindingProblem, rootTokenStep } from "./bootstrap-job";
import { ExternalSecrets } from "./external-secrets";
import { VAULT_IMAGE_REPOSITORY } from "./vault-values";
import { urlGate } from "../shared/readiness";

/** What Vault needs (its settings aside), plus the layer's own settings and namespaces. */
export interface SecretsArgs extends Omit<VaultArgs, "settings" | "zoneSpread"> {
    /** Namespace of External Secrets Operator. */
    readonly externalSecretsNamespace: string;
    readonly settings: SecretsConfig;
    /** IAM principals that may read Vault's bootstrap material: the cluster admins (the deployer is one). */
    readonly admins: readonly string[];
}

/** A credential the platform generates, keeps in Vault and delivers to a namespace as a Kubernetes Secret. */
export interface GeneratedSecret {
    /** Below `platform/` of the KV mount. */
    readonly path: string;
    readonly namespace: string;
    readonly secretName: string;
    readonly key: string;
    /** What the ExternalSecret waits for (the namespace). */
    readonly dependsOn: pulumi.Resource[];
}

/** What a layer needs to get a generated credential: the narrow view of the secrets layer. */
export interface PlatformSecretStore {
    generatedSecret(name: string, a: GeneratedSecret, parent: pulumi.Resource): k8s.apiextensions.CustomResource;
}

/** What the tenants layer needs: a tenant's own Vault path and role, and a secret store only its namespaces can use. */
export interface TenantSecretStores {
    tenantStore(tenant: string, a: TenantStoreArgs, owner: { readonly parent: pulumi.Resource; readonly name: string }): k8s.apiextensions.CustomResource;
    /** Its CI's store: `tenants/<tenant>/ci/` only, from its CI namespace only. */
    tenantCiStore(tenant: string, a: TenantCiStoreArgs, owner: { readonly parent: pulumi.Resource; readonly name: string }): k8s.apiextensions.CustomResource;
}

/** A tenant's CI store: its CI namespace, the account its store logs in as there, what it waits for. */
export interface TenantCiStoreArgs {
    readonly namespace: string;
    readonly serviceAccount: string;
    readonly dependsOn: pulumi.Resource[];
}

/** Where a tenant's stores go: the cluster, Vault's namespace and KV mount, and what every store waits for. */
export interface TenantStoreContext {
    readonly k8sProvider: k8s.Provider;
    readonly vaultNamespace: string;
    readonly kvMount: string;
    readonly dependsOn: pulumi.Resource[];
}

/** A tenant's ClusterSecretStore resource: a child of the tenant's component, after its reader's role and `waitFor`. */
function tenantStoreResource(name: string, spec: k8s.apiextensions.CustomResourceArgs, waitFor: readonly pulumi.Resource[], reader: { readonly role: pulumi.Resource }, owner: { readonly parent: pulumi.Resource }, ctx: TenantStoreContext) {
    return new k8s.apiextensions.CustomResource(name, spec, { parent: owner.parent, provider: ctx.k8sProvider, dependsOn: [...waitFor, reader.role, ...ctx.dependsOn] });
}

/** The tenant's CI ClusterSecretStore, owned by the tenant's component, logging in as the CI reader's role. */
export function tenantCiSecretStore(
    tenant: string,
    a: TenantCiStoreArgs,
    owner: { readonly parent: pulumi.Resource; readonly name: string },
    reader: VaultReader,
    ctx: TenantStoreContext,
): k8s.apiextensions.CustomResource {
    // `-secret-store-ci`: no other tenant's `<its name>-secret-store` ends so.
    const spec = tenantCiStoreSpec({ tenant, namespace: a.namespace, vaultNamespace: ctx.vaultNamespace, kvMount: ctx.kvMount, role: tenantCiStoreName(tenant), serviceAccount: a.serviceAccount });
    return tenantStoreResource(`${owner.name}-secret-store-ci`, spec, a.dependsOn, reader, owner, ctx);
}

/** A tenant's store: its namespaces, the label that admits them, the account its stores log in as, what it waits for. */
export interface TenantStoreArgs {
    readonly namespaces: readonly string[];
    readonly tenantLabel: string;
    readonly labelValue: string;
    readonly serviceAccount: string;
    readonly dependsOn: pulumi.Resource[];
}

/**
 * The tenant's ClusterSecretStore, owned by the tenant's component: it logs in as the reader's role, after it and
 * `ctx.dependsOn` (the platform's own store, when in the same stack: External Secrets' CRDs).
 */
export function tenantSecretStore(
    tenant: string,
    a: TenantStoreArgs,
    owner: { readonly parent: pulumi.Resource; readonly name: string },
    reader: { readonly role: pulumi.Resource },
    ctx: TenantStoreContext,
): k8s.apiextensions.CustomResource {
    const spec = tenantStoreSpec({ tenant, tenantLabel: a.tenantLabel, labelValue: a.labelValue, vaultNamespace: ctx.vaultNamespace, kvMount: ctx.kvMount, role: `tenant-${tenant}`, serviceAccount: a.serviceAccount });
    return tenantStoreResource(`${owner.name}-secret-store`, spec, a.dependsOn, reader, owner, ctx);
}

/** The secrets layer: Vault (initialised and configured as code) and External Secrets Operator with the platform's store. */
export class Secrets extends pulumi.ComponentResource implements PlatformSecretStore, TenantSecretStores {
    private readonly k8sProvider: k8s.Provider;
    public readonly vault: Vault;
    public readonly bootstrap: VaultBootstrap;
    /** Vault's configuration as code; `tenantSecrets` for the tenants layer, `provider` for the SSO layer. */
    public readonly configuration: VaultConfiguration;
    public readonly externalSecrets: ExternalSecrets;
    /** Whom Vault's deployer login binds, read back once the init Job completed: the cluster admins (else the run stops). */
    public readonly deployerPrincipals: pulumi.Output<string[]>;

    constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:secrets:Secrets", name, {}, opts);
        this.k8sProvider = args.cluster.k8sProvider;
        this.vault = new Vault(`${name}-vault`, { ...args, settings: args.settings.vault, zoneSpread: args.settings.zoneSpread }, { parent: this });
        const vaultHostname = new URL(this.vault.address).hostname;
        this.bootstrap = new VaultBootstrap(
            `${name}-bootstrap`,
            {
                cluster: args.cluster,
                namespace: args.namespace,
                region: args.region,
                namePrefix: args.namePrefix,
                vaultImage: `${VAULT_IMAGE_REPOSITORY}:${args.settings.vault.version}`,
                awsCliImage: args.settings.vault.awsCliImage,
                readers: args.admins,
                vault: [this.vault.release],
                replicas: args.settings.vault.replicas,
                protect: args.protect,
                vaultHostname,
                deployerPolicy: aclPolicy(deployerRules(args.settings.vault.kvMount, AWS_AUTH_PATH)),
            },
            { parent: this },
        );
        // Vault's health answers 200 only from an initialised, unsealed, active server, reached through vault.<domain>.
        const ready = urlGate(
            `${name}-vault-ready`,
            { url: `${this.vault.address}/v1/sys/health`, baseUrl: this.vault.address, dependsOn: [this.bootstrap.job, this.vault.route] },
            { parent: this },
        );
        this.configuration = new VaultConfiguration(
            `${name}-config`,
            {
                address: ready.url,
                login: { role: this.bootstrap.loginReady.apply(() => DEPLOYER_ROLE), mount: AWS_AUTH_PATH, headerValue: vaultHostname, region: args.region },
                kvMount: args.settings.vault.kvMount,
                tokenTtl: args.settings.vault.tokenTtl,
                issuer: args.cluster.oidcIssuerUrl,
                // Configured through vault.<domain>: after the route exists (and on destroy, removed before it).
                dependsOn: [this.bootstrap.job, this.vault.route, ready.gate],
                protect: args.protect,
            },
            { parent: this },
        );
        // The Job writes the deployer's role only with a root token: a change of cluster.admins without one leaves the
        // role as it was, and the Job succeeds. The role as Vault holds it, read with the deployer's login (its policy
        // reads auth/aws/*) once the Job completed and labelled its work (unknown in a preview that creates or replaces
        // the Job: on a first `up` the role exists only once the Job ran), must bind exactly the admins.
        const job = this.bootstrap.job;
        this.deployerPrincipals = pulumi.all([job.id, job.urn, this.bootstrap.loginReady]).apply(async ([, jobUrn]) => {
            const step = rootTokenStep(args.namespace, jobUrn);
            const role = await vault.generic.getSecret({ path: DEPLOYER_ROLE_PATH }, { parent: this, provider: this.configuration.provider }).catch((e: unknown) => {
                const reason = String(e instanceof Error ? e.message : e).split("\n")[0].trim();
                throw new pulumi.RunError(`cannot read Vault's deployer login role (${DEPLOYER_ROLE_PATH}) after the vault-init Job completed (${reason}): ${step}`);
            });
            // A preview whose Vault provider is not configured yet (its address or login changing) gets no answer: unknown.
            if (role.dataJson === undefined && pulumi.runtime.isDryRun()) return pulumi.unknown as unknown as string[];
            if (role.dataJson === undefined) throw new pulumi.RunError(`Vault answered nothing for ${DEPLOYER_ROLE_PATH} after the vault-init Job completed: ${step}`);
            const problem = deployerBindingProblem(JSON.parse(role.dataJson) as Record<string, unknown>, args.admins);
            if (problem !== undefined) throw new pulumi.RunError(`${problem}. To rewrite the role, ${step}`);
            return [...args.admins];
        });
        this.externalSecrets = new ExternalSecrets(
            `${name}-external-secrets`,
            {
                cluster: args.cluster,
                namespace: args.externalSecretsNamespace,
                chartVersion: args.settings.externalSecrets.chartVersion,
                replicas: args.settings.externalSecrets.replicas,
                vaultNamespace: args.namespace,
                network: args.network,
                configuration: this.configuration,
                zoneSpread: args.settings.zoneSpread,
            },
            { parent: this },
        );
        // The deployer's principals among the outputs: a role that binds others stops the run (preview and up).
        this.registerOutputs({ vaultAddress: this.vault.address, bootstrapSecretArn: this.bootstrap.secretArn, deployerPrincipals: this.deployerPrincipals });
    }

    /** `tenants/<tenant>/…` only (the Vault policy), read through a ClusterSecretStore limited to the tenant's namespaces. */
    public tenantStore(tenant: string, a: TenantStoreArgs, owner: { readonly parent: pulumi.Resource; readonly name: string }): k8s.apiextensions.CustomResource {
        const reader = this.configuration.tenantSecrets(tenant, a.namespaces, a.serviceAccount, owner);
        return tenantSecretStore(tenant, a, owner, reader, { k8sProvider: this.k8sProvider, vaultNamespace: this.vault.namespace, kvMount: this.configuration.kvMount, dependsOn: [this.externalSecrets.store] });
    }

    /** `tenants/<tenant>/ci/…` only, read through a ClusterSecretStore limited to the tenant's CI namespace. */
    public tenantCiStore(tenant: string, a: TenantCiStoreArgs, owner: { readonly parent: pulumi.Resource; readonly name: string }): k8s.apiextensions.CustomResource {
        const reader = this.configuration.tenantCiSecrets(tenant, a.namespace, a.serviceAccount, owner);
        return tenantCiSecretStore(tenant, a, owner, reader, { k8sProvider: this.k8sProvider, vaultNamespace: this.vault.namespace, kvMount: this.configuration.kvMount, dependsOn: [this.externalSecrets.store] });
    }

    /**
     * A random password, written to `platform/<path>` in Vault and delivered by External Secrets as `key` of
     * `namespace/secretName`. Pulumi waits until the ExternalSecret is Ready, so what reads the Secret can wait for it.
     */
    public generatedSecret(name: string, a: GeneratedSecret, parent: pulumi.Resource): k8s.apiextensions.CustomResource {
        const password = new random.RandomPassword(`${name}-password`, { length: 40, special: false }, { parent });
        const stored = new vault.kv.SecretV2(
            `${name}-vault`,
            { mount: this.configuration.kvMount, name: `${PLATFORM_PREFIX}/${a.path}`, dataJson: pulumi.secret(password.result.apply((p) => JSON.stringify({ [a.key]: p }))) },
            { parent, provider: this.configuration.provider, dependsOn: [this.configuration] },
        );
        return new k8s.apiextensions.CustomResource(
            `${name}-external-secret`,
            generatedSecretSpec({ ...a, remoteKey: `${PLATFORM_PREFIX}/${a.path}`, store: this.externalSecrets.storeName }),
            { parent, provider: this.k8sProvider, dependsOn: [...a.dependsOn, stored, this.externalSecrets.store] },
        );
    }
}
