import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { durationHours } from "../shared/duration";
import { VAULT_AUDIT_LOG } from "./constants";
import { stsEndpoint } from "./bootstrap-job";
import { aclPolicy, auditorRules, AclRule, PLATFORM_ADMIN_POLICY, platformAdminRules, PLATFORM_PREFIX, prefixReaderRules, tenantCiRules, tenantCiStoreName, tenantRules } from "./vault-policies";

export const KUBERNETES_AUTH_PATH = "kubernetes";
/** People log in here (`vault login -method=oidc`); the UI's callback path names it. */
export const OIDC_AUTH_PATH = "oidc";

export interface VaultConfigurationArgs {
    /** Where `pulumi up` reaches Vault (the published hostname by default), resolved once Vault answers there. */
    readonly address: pulumi.Input<string>;
    /**
     * The deployer's AWS IAM login (configured by the init Job): the role, known once the Job has labelled its work
     * done; the signed header value (Vault's hostname); the region whose STS endpoint Vault forwards logins to.
     */
    readonly login: { readonly role: pulumi.Input<string>; readonly mount: string; readonly headerValue: string; readonly region: string };
    readonly kvMount: string;
    readonly tokenTtl: { readonly default: string; readonly max: string };
    /** The cluster's service-account token issuer (EKS OIDC issuer URL): Vault accepts only tokens it issued. */
    readonly issuer: pulumi.Input<string>;
    /** What must have happened first (the init Job, the route to Vault). */
    readonly dependsOn: pulumi.Resource[];
    /** Production: the KV mount and the auth mount are protected (replacing a mount wipes what is in it). */
    readonly protect: boolean;
}

/** People who log in to Vault through an OIDC provider: the client, and which group gets which policies. */
export interface OidcLoginArgs {
    readonly issuerUrl: pulumi.Input<string>;
    readonly clientId: string;
    /** A Pulumi secret. */
    readonly clientSecret: pulumi.Input<string>;
    readonly groupsClaim: string;
    /** Vault's UI callback and the CLI's local one. */
    readonly redirectUris: readonly string[];
    /** One Vault role per group; the first is the default role, so there is at least one. */
    readonly roles: readonly [OidcRole, ...OidcRole[]];
    /** Vault fetches the issuer's discovery document when the backend is written: the realm and client exist first. */
    readonly dependsOn: pulumi.Resource[];
}

/** The Vault role people of one SSO group log in as, and its policies. */
export interface OidcRole {
    readonly roleName: string;
    readonly group: string;
    readonly policies: readonly string[];
}

/** A Kubernetes service account that may log in to Vault, and what it gets. */
export interface VaultReader {
    readonly policy: vault.Policy;
    readonly role: vault.kubernetes.AuthBackendRole;
}

const seconds = (duration: string) => Math.round((durationHours(duration) ?? 0) * 3600);

/** The deployer's AWS IAM login to Vault: its role, the auth mount, the signed header value, the region of its STS. */
export interface VaultAwsLogin {
    readonly role: pulumi.Input<string>;
    readonly mount: pulumi.Input<string>;
    readonly headerValue: pulumi.Input<string>;
    readonly region: string;
}

/**
 * The Vault provider's arguments (the platform's configuration, and tenant stacks from the platform's outputs). The
 * login's token is used as is (a child token would outlive nothing). The provider (terraform-provider-vault 5.8.0)
 * presigns GetCallerIdentity for the region's default STS host (sts.<region>.amazonaws.com), the endpoint the init
 * Job points Vault at; awsStsEndpoint only steers the provider's own credential calls.
 */
export function vaultProviderArgs(address: pulumi.Input<string>, login: VaultAwsLogin): vault.ProviderArgs {
    return {
        address,
        skipChildToken: true,
        authLoginAws: { role: login.role, mount: login.mount, headerValue: login.headerValue, awsRegion: login.region, awsStsEndpoint: stsEndpoint(login.region) },
    };
}

/** A role's token lifetimes in seconds (known here, or read from the platform's outputs). */
export interface TokenTtl {
    readonly default: pulumi.Input<number>;
    readonly max: pulumi.Input<number>;
}

/** Token lifetimes in seconds, as Vault roles take them. */
export const tokenTtlSeconds = (t: { readonly default: string; readonly max: string }) => ({ default: seconds(t.default), max: seconds(t.max) });

/**
 * A reader: the ACL policy `name` and a Kubernetes auth role of the same name bound to these service accounts of
 * these namespaces. `opts` carries the Vault provider and parent; the role waits for `roleDependsOn` and the policy.
 */
export function vaultReader(
    prefix: string,
    a: { readonly name: string; readonly rules: readonly AclRule[]; readonly namespaces: readonly string[]; readonly serviceAccounts: readonly string[]; readonly ttl: TokenTtl },
    opts: pulumi.CustomResourceOptions,
    roleDependsOn: pulumi.Resource[],
): VaultReader {
    const policy = new vault.Policy(`${prefix}-policy`, { name: a.name, policy: aclPolicy(a.rules) }, opts);
    const role = new vault.kubernetes.AuthBackendRole(
        `${prefix}-role`,
        {
            backend: KUBERNETES_AUTH_PATH,
            roleName: a.name,
            boundServiceAccountNames: [...a.serviceAccounts],
            boundServiceAccountNamespaces: [...a.namespaces],
            tokenPolicies: [a.name],
            tokenTtl: a.ttl.default,
            tokenMaxTtl: a.ttl.max,
        },
        { ...opts, dependsOn: [...roleDependsOn, policy] },
    );
    return { policy, role };
}

/** A tenant's reader (`tenant-<tenant>`): its own KV prefix only, owned by the tenant's component and named after it. */
export function tenantVaultReader(
    tenant: string,
    a: { readonly kvMount: string; readonly namespaces: readonly string[]; readonly serviceAccount: string; readonly ttl: TokenTtl },
    owner: { readonly parent: pulumi.Resource; readonly name: string },
    opts: pulumi.CustomResourceOptions,
    roleDependsOn: pulumi.Resource[],
): VaultReader {
    const name = `tenant-${tenant}`;
    return vaultReader(`${owner.name}-vault`, { name, rules: tenantRules(a.kvMount, tenant), namespaces: a.namespaces, serviceAccounts: [a.serviceAccount], ttl: a.ttl }, { ...opts, parent: owner.parent }, roleDependsOn);
}

/**
 * A tenant's CI reader (`ci-tenant-<tenant>`: no tenant's own name, all `tenant-…`, can be it): the values below its
 * `ci/` path only, for one account of its CI namespace (where the team only reads pods and logs), owned by the
 * tenant's component.
 */
export function tenantCiVaultReader(
    tenant: string,
    a: { readonly kvMount: string; readonly namespace: string; readonly serviceAccount: string; readonly ttl: TokenTtl },
    owner: { readonly parent: pulumi.Resource; readonly name: string },
    opts: pulumi.CustomResourceOptions,
    roleDependsOn: pulumi.Resource[],
): VaultReader {
    const name = tenantCiStoreName(tenant);
    // `-vault-ci-…`: no other tenant's `<its name>-vault-…` resource ends so.
    return vaultReader(`${owner.name}-vault-ci`, { name, rules: tenantCiRules(a.kvMount, tenant), namespaces: [a.namespace], serviceAccounts: [a.serviceAccount], ttl: a.ttl }, { ...opts, parent: owner.parent }, roleDependsOn);
}

/**
 * Vault's configuration as code: the file audit device, the platform's KV v2 mount, Kubernetes auth bound to this
 * cluster, the platform-admin and auditor policies, and readers per component or tenant (`tenantSecrets`).
 */
export class VaultConfiguration extends pulumi.ComponentResource {
    /** The Vault provider, for layers that add their own Vault objects (the SSO layer's OIDC auth). */
    public readonly provider: vault.Provider;
    public readonly kvMount: string;
    public readonly kubernetesAuthPath = KUBERNETES_AUTH_PATH;
    private readonly name: string;
    private readonly opts: pulumi.CustomResourceOptions;
    private readonly auth: vault.kubernetes.AuthBackendConfig;
    private readonly ttl: { readonly default: number; readonly max: number };

    constructor(name: string, args: VaultConfigurationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:secrets:VaultConfiguration", name, {}, opts);
        this.name = name;
        this.kvMount = args.kvMount;
        this.ttl = tokenTtlSeconds(args.tokenTtl);
        this.provider = new vault.Provider(`${name}-provider`, vaultProviderArgs(args.address, args.login), { parent: this, dependsOn: args.dependsOn });
        this.opts = { parent: this, provider: this.provider, dependsOn: args.dependsOn };

        new vault.Audit(`${name}-audit-file`, { type: "file", path: "file", options: { file_path: VAULT_AUDIT_LOG } }, this.opts);
        // A second copy on stdout: the log collector ships it with the pod's logs (the file stays the local record).
        new vault.Audit(`${name}-audit-stdout`, { type: "file", path: "stdout", options: { file_path: "stdout" } }, this.opts);
        const protect = args.protect;
        const kv = new vault.Mount(
            `${name}-kv`,
            { path: args.kvMount, type: "kv", options: { version: "2" }, description: "Platform and tenant secrets (KV v2)" },
            { ...this.opts, protect },
        );
        const backend = new vault.AuthBackend(
            `${name}-kubernetes`,
            {
                type: "kubernetes",
                path: KUBERNETES_AUTH_PATH,
                description: "Service accounts of this cluster",
                tune: { defaultLeaseTtl: args.tokenTtl.default, maxLeaseTtl: args.tokenTtl.max },
            },
            { ...this.opts, protect },
        );
        // In the cluster Vault reviews tokens with its own service account and CA (the chart binds system:auth-delegator).
        this.auth = new vault.kubernetes.AuthBackendConfig(
            `${name}-kubernetes-config`,
            { backend: backend.path, kubernetesHost: "https://kubernetes.default.svc", issuer: args.issuer, disableIssValidation: false },
            this.opts,
        );
        for (const [policy, rules] of [
            // People with platform-admin log in through the OIDC mount: its roles and config are the program's only.
            [PLATFORM_ADMIN_POLICY, platformAdminRules(args.kvMount, [OIDC_AUTH_PATH])],
            ["auditor", auditorRules(args.kvMount)],
        ] as const) {
            new vault.Policy(`${name}-policy-${policy}`, { name: policy, policy: aclPolicy(rules) }, { ...this.opts, dependsOn: [...args.dependsOn, kv] });
        }
        this.registerOutputs({ kvMount: this.kvMount });
    }

    /** An `oidc` auth mount on the issuer, with a role per group (the SSO layer's login for people). */
    public oidcLogin(name: string, a: OidcLoginArgs, parent: pulumi.Resource): { backend: vault.jwt.AuthBackend; roles: vault.jwt.AuthBackendRole[] } {
        // Parented by the caller: what waits for this configuration does not wait for the caller's layer too.
        const dependsOn = [...(this.opts.dependsOn as pulumi.Resource[]), ...a.dependsOn];
        const opts = { parent, provider: this.provider };
        const backend = new vault.jwt.AuthBackend(
            `${this.name}-${name}`,
            {
                type: "oidc",
                path: OIDC_AUTH_PATH,
                description: "People, through the platform's SSO",
                oidcDiscoveryUrl: a.issuerUrl,
                boundIssuer: a.issuerUrl,
                oidcClientId: a.clientId,
                oidcClientSecret: pulumi.secret(a.clientSecret),
                defaultRole: a.roles[0].roleName,
                tune: { listingVisibility: "unauth", defaultLeaseTtl: `${this.ttl.default}s`, maxLeaseTtl: `${this.ttl.max}s`, tokenType: "default-service" },
            },
            { ...opts, dependsOn },
        );
        const roles = a.roles.map(
            (r) =>
                new vault.jwt.AuthBackendRole(
                    `${this.name}-${name}-role-${r.roleName}`,
                    {
                        backend: OIDC_AUTH_PATH,
                        roleName: r.roleName,
                        roleType: "oidc",
                        userClaim: "sub",
                        groupsClaim: a.groupsClaim,
                        boundAudiences: [a.clientId],
                        boundClaims: { [a.groupsClaim]: r.group },
                        allowedRedirectUris: [...a.redirectUris],
                        tokenPolicies: [...r.policies],
                        tokenTtl: this.ttl.default,
                        tokenMaxTtl: this.ttl.max,
                    },
                    { ...opts, dependsOn: [...dependsOn, backend] },
                ),
        );
        return { backend, roles };
    }

    /** A platform component's reader of everything below the platform prefix, logging in as one service account. */
    public platformReader(name: string, a: { readonly namespace: string; readonly serviceAccount: string }): VaultReader {
        return this.reader(name, prefixReaderRules(this.kvMount, PLATFORM_PREFIX), [a.namespace], [a.serviceAccount]);
    }

    /**
     * What the tenants layer calls per tenant: its own KV prefix only (`tenants/<name>/`), and a Kubernetes auth role
     * bound to its namespaces' `serviceAccount` (its SecretStores log in as that account).
     */
    public tenantSecrets(tenant: string, namespaces: readonly string[], serviceAccount = "vault-secret-store", owner?: { parent: pulumi.Resource; name: string }): VaultReader {
        const dependsOn = [...(this.opts.dependsOn as pulumi.Resource[]), this.auth];
        if (owner) return tenantVaultReader(tenant, { kvMount: this.kvMount, namespaces, serviceAccount, ttl: this.ttl }, owner, this.opts, dependsOn);
        return this.reader(`tenant-${tenant}`, tenantRules(this.kvMount, tenant), namespaces, [serviceAccount]);
    }

    /** A tenant's CI reader (its `ci/` path), owned by the tenant's component. */
    public tenantCiSecrets(tenant: string, namespace: string, serviceAccount: string, owner: { parent: pulumi.Resource; name: string }): VaultReader {
        return tenantCiVaultReader(tenant, { kvMount: this.kvMount, namespace, serviceAccount, ttl: this.ttl }, owner, this.opts, [...(this.opts.dependsOn as pulumi.Resource[]), this.auth]);
    }

    /** Readers the configuration owns (named after it); tenants' are owned by the tenant's component (tenantVaultReader). */
    private reader(name: string, rules: readonly AclRule[], namespaces: readonly string[], serviceAccounts: readonly string[]): VaultReader {
        return vaultReader(`${this.name}-${name}`, { name, rules, namespaces, serviceAccounts, ttl: this.ttl }, { ...this.opts, parent: this }, [...(this.opts.dependsOn as pulumi.Resource[]), this.auth]);
    }
}
