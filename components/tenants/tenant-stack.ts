import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { PlatformConfig } from "../../stacks/schema";
import type { AppDeliveryConfig } from "../../stacks/schema-delivery";
import type { TenantConfig } from "../../stacks/schema-tenants";
import { tenantDataName } from "../../stacks/schema-tenants";
import { signaturePolicySpec, tenantSigners, TenantSigners } from "../policy/admission-policies";
import { tenantSigningKeyAlias } from "../delivery/ci";
import { ARC_CONTROLLER_SERVICE_ACCOUNT } from "../delivery/delivery";
import { TenantDelivery } from "../delivery/tenant-delivery";
import { PLATFORM_NAMESPACES } from "../shared/namespaces";
import { Tenant } from "./tenant";
import { adoptRetained } from "../platform/adopt";
import { platformRefs, PlatformSource } from "./platform-refs";


/**
 * Where a tenant's two components sat in the platform stack (their parents' qualified types and names, as index.ts and
 * the Platform name them). `pulumi state move` keeps a moved resource's URN but for its stack and project, and puts it
 * at the destination's root: these aliases find each moved resource under its new parent (children follow theirs).
 */
export const PLATFORM_STACK_PARENTS = {
    tenant: "platform:platform:Platform$platform:tenants:Tenants::platform-tenants",
    delivery: "platform:platform:Platform$platform:delivery:AppDelivery::platform-delivery",
} as const;

/** The parent URN an alias names, in this (the destination) stack and project. */
export const movedParentUrn = (stack: string, project: string, parent: string): string => `urn:pulumi:${stack}::${project}::${parent}`;

/** The root component's name of a tenant's stack (tenant/program.ts): its providers are named after it. */
export const tenantStackRoot = (tenant: string): string => `tenant-${tenant}-stack`;

/** What a tenant stack exports: the platform's `tenants` entry for it, now the tenant stack's own. */
export interface TenantStackExports {
    readonly tenant: string;
    readonly namespaces: string[];
    readonly secretStore: string;
    readonly repositoryUrl: pulumi.Output<string>;
    readonly argocdProject: string;
    readonly runnerScaleSet: string;
}

/**
 * A tenant's own signature policy (its KMS key, or its repositories' keyless workflows): the one rule the shared
 * policy held for it, under a name of its own (`tenant-verify-image-signatures-<tenant>`), so onboarding changes no
 * shared object. Undefined without a rule (no verifier, no repository with TenantKmsKeys, no signing repository).
 */
export function tenantSignaturePolicySpec(s: AppDeliveryConfig["signatures"], imageReferences: readonly string[], tenant: string, signers: TenantSigners) {
    const spec = signaturePolicySpec(s, imageReferences, signers.tenantKeys, signers.tenantWorkflows);
    return spec && { ...spec, metadata: { ...spec.metadata, name: `${spec.metadata.name}-${tenant}` } };
}

export interface TenantStackArgs {
    readonly tenant: TenantConfig;
    /** The platform's settings, from its stack file (the tenant follows them). */
    readonly settings: PlatformConfig;
    /** The platform's outputs (PlatformReference). */
    readonly platform: PlatformSource;
    /** `<organization>/<project>/<stack>` of the platform, for messages. */
    readonly platformStack: string;
}

/**
 * One tenant in a stack of its own (the tenant/ project): the same Tenant and TenantDelivery components, under the
 * same names, as the platform stack builds with `tenants.placement: PlatformStack`, on providers and layer references
 * built from the platform's outputs, and its own signature policy (its rule of the shared one).
 */
export class TenantStack extends pulumi.ComponentResource {
    public readonly tenant: Tenant;
    public readonly delivery: TenantDelivery;
    public readonly exports: TenantStackExports;

    constructor(name: string, args: TenantStackArgs, opts?: pulumi.ComponentResourceOptions) {
        // A rebuild after destroy adopts what the tenant's stack retained under fixed names (its repository, its
        // bucket), as the platform stack does for its own, when the platform's settings say so (adoptRetained).
        const adopt = args.settings.adoptRetained ? [adoptRetained] : [];
        // Renamed (previousName, its stack renamed too): its root, providers and signature policy keep their identity,
        // as its Tenant and TenantDelivery do.
        const previous = args.tenant.previousName ? tenantStackRoot(args.tenant.previousName) : undefined;
        const renamed = previous ? [{ name: previous }] : [];
        super("platform:tenants:TenantStack", name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), ...renamed], transformations: [...(opts?.transformations ?? []), ...adopt] });
        const s = args.settings;
        const t = args.tenant;
        const refs = platformRefs(name, args.platform, s, args.platformStack, this, previous);
        const protect = s.tier === "production";
        // As the platform's layers are: children get the AWS provider from here, Kubernetes, Vault and Keycloak explicitly.
        const layer = { parent: this, providers: { aws: refs.aws } };
        const perTenantKeys = s.appDelivery.signatures.verifier?.type === "TenantKmsKeys";
        const signers = tenantSigners(s.appDelivery.signatures, [t], (x) => tenantSigningKeyAlias(s.name, tenantDataName(x)));
        // Its rule, in a policy of its own: the platform's shared policy holds no tenant of another stack.
        const signatures = signers.tenantKeys.length + signers.tenantWorkflows.length > 0 ? [this.signaturePolicy(t, s, signers, pulumi.output(refs.registry.host), refs.cluster.k8sProvider)] : [];
        this.tenant = new Tenant(
            `tenant-${t.name}`,
            {
                tenant: t,
                cluster: refs.cluster,
                secrets: refs.secrets,
                sso: refs.sso,
                storage: refs.storage,
                registry: refs.registry,
                // Its namespaces wait for its own signature policy; the shared ones and the tenant roles are the platform's, in place.
                policies: signatures,
                policyAction: s.policy.action,
                protect,
                roles: [],
            },
            { ...layer, aliases: [{ parent: movedParentUrn(pulumi.getStack(), pulumi.getProject(), PLATFORM_STACK_PARENTS.tenant) }] },
        );
        this.delivery = new TenantDelivery(
            `tenant-${t.name}-delivery`,
            {
                tenant: this.tenant,
                cluster: refs.cluster,
                settings: s.appDelivery,
                argocd: { namespace: PLATFORM_NAMESPACES.gitops, release: refs.ready },
                runners: { namespace: PLATFORM_NAMESPACES.ciRunners, serviceAccount: ARC_CONTROLLER_SERVICE_ACCOUNT, release: refs.ready },
                requiredLabels: s.policy.requiredLabels,
                vpcCidr: s.network.cidr,
                environment: s.environment,
                signing: perTenantKeys ? { namePrefix: s.name, accountId: refs.accountId, partition: refs.partition, verifierRoleArn: refs.signatureReaderRoleArn, protect } : undefined,
            },
            { ...layer, aliases: [{ parent: movedParentUrn(pulumi.getStack(), pulumi.getProject(), PLATFORM_STACK_PARENTS.delivery) }] },
        );
        this.exports = {
            tenant: t.name,
            namespaces: this.tenant.namespaces,
            secretStore: this.tenant.secretStoreName,
            repositoryUrl: this.tenant.repository?.repositoryUrl ?? pulumi.output(""),
            argocdProject: this.delivery.project,
            runnerScaleSet: this.delivery.runnerScaleSet ?? "",
        };
        this.registerOutputs({ ...this.exports });
    }

    /** Its images verified against its own signers (the tenants' repositories, unless the stack names other images). */
    private signaturePolicy(t: TenantConfig, s: PlatformConfig, signers: TenantSigners, host: pulumi.Output<string>, provider: k8s.Provider): k8s.apiextensions.CustomResource {
        const images = s.appDelivery.signatures.imageReferences ? pulumi.output([...s.appDelivery.signatures.imageReferences]) : host.apply((h) => [`${h}/*/apps:*`, `${h}/*/apps@*`]);
        const spec = images.apply((refs) => tenantSignaturePolicySpec(s.appDelivery.signatures, refs, t.name, signers)!);
        return new k8s.apiextensions.CustomResource(
            `tenant-${t.name}-verify-image-signatures`,
            { apiVersion: "kyverno.io/v1", kind: "ClusterPolicy", metadata: spec.metadata, spec: spec.spec },
            { parent: this, provider, aliases: t.previousName ? [{ name: `tenant-${t.previousName}-verify-image-signatures` }] : [] },
        );
    }
}
