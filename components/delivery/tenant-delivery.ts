import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { AppDeliveryConfig } from "../../stacks/schema-delivery";
import type { TenantConfig } from "../../stacks/schema-tenants";
import { tenantDataName } from "../../stacks/schema-tenants";
import type { ClusterRef } from "../cluster/cluster-ref";
import type { WorkloadIdentity } from "../cluster/identity";
import { applicationSpec, appProjectSpec } from "./app-projects";
import {
    ecrPushPolicy,
    signingKeyPolicy,
    signingPolicy,
    tenantSigningKeyAlias,
    githubAppSecretSpec,
    runnerAwsEgressSpec,
    RUNNER_SERVICE_ACCOUNT,
    runnerScaleSetName,
    scaleSetValues,
} from "./ci";

export const ARC_CHARTS = "oci://ghcr.io/actions/actions-runner-controller-charts";

/** What the delivery layer needs of a tenant (the tenants layer's Tenant). */
export interface DeliveredTenant {
    readonly config: TenantConfig;
    readonly ssoGroup: string;
    readonly secretStoreName: string;
    /** Its CI namespace's store (the GitHub App's key), with CI. */
    readonly ciSecretStoreName: string | undefined;
    readonly repository: { readonly arn: pulumi.Output<string>; readonly repositoryUrl: pulumi.Output<string> } | undefined;
    /** Where its runners run (the tenants layer creates it with CI). */
    readonly ciNamespace: string | undefined;
    /** Its namespaces and secret store: what its objects wait for. */
    readonly ready: pulumi.Resource[];
}

export interface TenantDeliveryArgs {
    readonly tenant: DeliveredTenant;
    readonly cluster: Pick<ClusterRef, "k8sProvider" | "workloadIdentity">;
    readonly settings: AppDeliveryConfig;
    /** Argo CD's namespace and release: projects and applications are its custom resources. */
    readonly argocd: { readonly namespace: string; readonly release: pulumi.Resource };
    /** The runner controller: the scale set names its service account (the chart's Helm lookup fails under Pulumi). */
    readonly runners: { readonly namespace: string; readonly serviceAccount: string; readonly release: pulumi.Resource };
    /** Labels the admission policy requires on tenant pods. */
    readonly requiredLabels: readonly string[];
    /** The VPC's CIDR: AWS's interface endpoints answer there. */
    readonly vpcCidr: string;
    /**
     * With per-tenant signing keys (signatures.verifier TenantKmsKeys): what the tenant's key is named after, the
     * account that administers it, the admission controller's role (reads its public key) and whether it is kept.
     */
    readonly signing?: {
        readonly namePrefix: string;
        readonly accountId: pulumi.Input<string>;
        readonly partition: pulumi.Input<string>;
        readonly verifierRoleArn: pulumi.Input<string>;
        readonly protect: boolean;
    };
    /** The stack's environment (dev, prod): runner scale set names carry it. */
    readonly environment: string;
}

/**
 * A tenant's delivery: its Argo CD project (and starting Application), and, when it opts in, a runner scale set in its
 * CI namespace with a push-only identity on its repository, each job with a rootless builder of its own.
 */
export class TenantDelivery extends pulumi.ComponentResource {
    public readonly project: string;
    /** Its Argo CD objects and runner set: the finalizer clean-ups are created after them (and so removed first). */
    public readonly controlled: { readonly argocd: pulumi.Resource[]; readonly runners: pulumi.Resource[] } = { argocd: [], runners: [] };
    /** Undefined without CI. */
    public readonly runnerScaleSet: string | undefined;
    /** The tenant's image signing key (per-tenant keys, with a repository). */
    public readonly signingKeyArn: pulumi.Output<string> | undefined;

    constructor(name: string, args: TenantDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
        const t = args.tenant.config;
        const aliases = t.previousName ? [{ name: `tenant-${t.previousName}-delivery` }] : [];
        super("platform:delivery:TenantDelivery", name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), ...aliases] });
        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        const afterArgo = { ...k8sOpts, dependsOn: [args.argocd.release, ...args.tenant.ready] };
        const project = new k8s.apiextensions.CustomResource(`${name}-project`, appProjectSpec(t, { namespace: args.argocd.namespace, ssoGroup: args.tenant.ssoGroup }), afterArgo);
        this.project = t.name;
        this.controlled.argocd.push(project);
        const app = applicationSpec(t, { namespace: args.argocd.namespace });
        if (app) this.controlled.argocd.push(new k8s.apiextensions.CustomResource(`${name}-application`, app, { ...afterArgo, dependsOn: [...afterArgo.dependsOn, project] }));

        const runner = t.ci.enabled ? this.ci(name, args) : undefined;
        this.runnerScaleSet = runner?.scaleSet;
        const key = args.signing && args.tenant.repository ? this.signingKey(name, t, args.signing, runner?.identity) : undefined;
        this.signingKeyArn = key?.arn;
        if (key && runner) {
            new aws.iam.RolePolicy(`${name}-runner-signing`, { role: runner.identity.roleName, policy: key.arn.apply((k) => JSON.stringify(signingPolicy(k))) }, { parent: this });
        }
        this.registerOutputs({ project: this.project, runnerScaleSet: this.runnerScaleSet });
    }

    /**
     * The tenant's own signing key (asymmetric, ECDSA P-256 as cosign signs): created after its CI role, which its
     * policy names. Kept like the repository it vouches for: a lost key leaves every signed image unverifiable.
     */
    private signingKey(name: string, t: TenantConfig, s: NonNullable<TenantDeliveryArgs["signing"]>, signer: WorkloadIdentity | undefined) {
        const key = new aws.kms.Key(
            `${name}-signing-key`,
            {
                description: `Image signatures of tenant ${t.name} (${s.namePrefix})`,
                keyUsage: "SIGN_VERIFY",
                customerMasterKeySpec: "ECC_NIST_P256",
                deletionWindowInDays: 30,
                policy: pulumi
                    .all([s.partition, s.accountId, signer?.roleArn, s.verifierRoleArn])
                    .apply(([partition, accountId, signerRoleArn, verifierRoleArn]) => JSON.stringify(signingKeyPolicy({ partition, accountId, signerRoleArn, verifierRoleArn }))),
            },
            { parent: this, protect: s.protect, retainOnDelete: s.protect },
        );
        new aws.kms.Alias(`${name}-signing-key-alias`, { name: tenantSigningKeyAlias(s.namePrefix, tenantDataName(t)), targetKeyId: key.keyId }, { parent: this });
        return key;
    }

    private ci(name: string, args: TenantDeliveryArgs): { scaleSet: string; identity: WorkloadIdentity } {
        const t = args.tenant.config;
        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        const repository = args.tenant.repository;
        if (repository === undefined || t.ci.githubApp === undefined) throw new Error(`tenant ${t.name}: CI without a repository or GitHub App (the config check requires both)`);
        const ciNamespace = args.tenant.ciNamespace;
        const ciStore = args.tenant.ciSecretStoreName;
        if (ciNamespace === undefined || ciStore === undefined) throw new Error(`tenant ${t.name}: CI without its CI namespace and store`);
        // Runners push to the tenant's repository and nothing else.
        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-runner-sa`, { metadata: { name: RUNNER_SERVICE_ACCOUNT, namespace: ciNamespace } }, { ...k8sOpts, dependsOn: args.tenant.ready });
        new k8s.networking.v1.NetworkPolicy(`${name}-runner-aws`, runnerAwsEgressSpec(ciNamespace, args.vpcCidr), { ...k8sOpts, dependsOn: args.tenant.ready });
        const identity = args.cluster.workloadIdentity(`${name}-runner`, { namespace: ciNamespace, serviceAccount: RUNNER_SERVICE_ACCOUNT, policy: repository.arn.apply((arn) => ecrPushPolicy(arn, args.settings.registry.pullThroughCache.map((c) => c.prefix))) }, { parent: this });
        const appSecret = new k8s.apiextensions.CustomResource(
            `${name}-github-app`,
            githubAppSecretSpec({ namespace: ciNamespace, store: ciStore, vaultPrefix: `tenants/${tenantDataName(t)}`, app: t.ci.githubApp }),
            { ...k8sOpts, dependsOn: args.tenant.ready },
        );
        const runners = new k8s.helm.v3.Release(
            `${name}-runners`,
            {
                name: `${t.name}-runners`,
                chart: `${ARC_CHARTS}/gha-runner-scale-set`,
                version: args.settings.runners.chartVersion,
                namespace: ciNamespace,
                maxHistory: 5,
                values: scaleSetValues({
                    tenant: t,
                    environment: args.environment,
                    runnerImage: args.settings.runners.runnerImage,
                    builder: args.settings.builder,
                    controller: { serviceAccount: args.runners.serviceAccount, namespace: args.runners.namespace },
                    requiredLabels: args.requiredLabels,
                }),
            },
            { ...k8sOpts, dependsOn: [args.runners.release, serviceAccount, identity, appSecret, ...args.tenant.ready] },
        );
        this.controlled.runners.push(runners);
        return { scaleSet: runnerScaleSetName(t.name, args.environment), identity };
    }
}
