import { boundedIdentities } from "../tenants/workload-boundary";
import * as pulumi from "@pulumi/pulumi";
import { placeChart } from "../shared/placement";
import * as k8s from "@pulumi/kubernetes";
import type { AppDeliveryConfig } from "../../stacks/schema-delivery";
import type { ClusterRef } from "../cluster/cluster-ref";
import type { IngressRef } from "../ingress/ingress";
import type { OidcClient } from "../sso/realm";
import { platformNamespace } from "../shared/namespaces";
import { NetworkContext, platformNetworkPolicies } from "../shared/network-policies";
import { finalizerCleanup } from "../shared/finalizer-cleanup";
import { ARGOCD_RELEASE, ARGOCD_REPOSITORY, ARGOCD_SERVER_SERVICE, argocdValues } from "./argocd-values";
import { ARC_CHARTS, DeliveredTenant, TenantDelivery, TenantDeliveryArgs } from "./tenant-delivery";

export const ARC_RELEASE = "arc";
/** The controller chart's service account for release `arc` (its fullname). */
export const ARC_CONTROLLER_SERVICE_ACCOUNT = `${ARC_RELEASE}-gha-rs-controller`;
/** Vault path (below `platform/`) of Argo CD's repository credentials, one entry per credential name. */
export const ARGOCD_CREDENTIALS_PATH = "delivery/argocd";

/** An ExternalSecret building one Argo CD credential template (repo-creds) from Vault: the URL and ids from config, the key from Vault. */
export function repositoryCredentialSpec(c: AppDeliveryConfig["argocd"]["repositoryCredentials"][number], a: { readonly namespace: string; readonly store: string }) {
    const key = c.type === "GithubApp" ? "githubAppPrivateKey" : "sshPrivateKey";
    const ids = c.githubApp ? { githubAppID: String(c.githubApp.appId), githubAppInstallationID: String(c.githubApp.installationId) } : {};
    return {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        // Not awaited: platform admins write the key to Vault (docs/architecture.md, "Application delivery"); Argo CD picks the Secret up when it appears.
        metadata: { name: `repo-creds-${c.name}`, namespace: a.namespace, annotations: { "pulumi.com/skipAwait": "true" } },
        spec: {
            refreshInterval: "1h",
            secretStoreRef: { kind: "ClusterSecretStore", name: a.store },
            target: {
                name: `repo-creds-${c.name}`,
                creationPolicy: "Owner",
                template: {
                    engineVersion: "v2",
                    metadata: { labels: { "argocd.argoproj.io/secret-type": "repo-creds", "app.kubernetes.io/part-of": "argocd" } },
                    data: { type: "git", url: c.urlPrefix, ...ids, [key]: `{{ .${key} }}` },
                },
            },
            data: [{ secretKey: key, remoteRef: { key: `platform/${ARGOCD_CREDENTIALS_PATH}/${c.name}`, property: key } }],
        },
    };
}

export interface AppDeliveryArgs {
    /** What the platform namespaces' NetworkPolicies admit by address (the control plane, the NLB). */
    readonly network: NetworkContext;
    /** The stack's environment (dev, prod): tenants' runner scale sets are named after it. */
    readonly environment: string;
    readonly cluster: Pick<ClusterRef, "k8sProvider" | "workloadIdentity" | "platformPods">;
    /** Publishes argocd.<domain>. */
    readonly ingress: Pick<IngressRef, "domain" | "publishService">;
    /** The platform's ClusterSecretStore (Argo CD's repository credentials come from Vault through it). */
    readonly secretStore: { readonly name: string; readonly ready: pulumi.Resource };
    /** Argo CD's SSO client and the platform groups its RBAC maps. */
    readonly sso: { readonly client: OidcClient; readonly groups: { readonly admins: string; readonly viewers: string } };
    readonly tenants: readonly DeliveredTenant[];
    /** The permissions boundary every tenant workload identity gets (Tenants.workloadBoundaryArn). */
    readonly tenantWorkloadBoundaryArn: pulumi.Input<string>;
    readonly settings: AppDeliveryConfig;
    readonly namespaces: { readonly argocd: string; readonly runners: string };
    /** Labels the admission policy requires on tenant pods (the runners carry them). */
    readonly requiredLabels: readonly string[];
    /** The VPC's CIDR: AWS's interface endpoints answer there. */
    readonly vpcCidr: string;
    /** The Kubernetes minor version (the finalizer clean-ups' kubectl is pinned to it). */
    readonly kubernetesVersion: string;
    /** Per-tenant signing keys (signatures.verifier TenantKmsKeys): their names, account and verifier (see TenantDelivery). */
    readonly signing?: TenantDeliveryArgs["signing"];
}

/** Application delivery: Argo CD on SSO, the GitHub Actions runner controller, and each tenant's project and runners (each job with its own builder). */
export class AppDelivery extends pulumi.ComponentResource {
    public readonly argocdUrl: string;
    public readonly argocd: k8s.helm.v3.Release;
    public readonly runnerController: k8s.helm.v3.Release;
    public readonly tenants: ReadonlyMap<string, TenantDelivery>;

    constructor(name: string, args: AppDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:delivery:AppDelivery", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        const host = `argocd.${args.ingress.domain}`;
        this.argocdUrl = `https://${host}`;

        const argoNs = platformNamespace(`${name}-argocd-namespace`, args.namespaces.argocd, "restricted", k8sOpts);
        platformNetworkPolicies(`${name}-argocd`, args.namespaces.argocd, args.network, { ...k8sOpts, dependsOn: [argoNs] });
        this.argocd = new k8s.helm.v3.Release(
            `${name}-argocd`,
            {
                name: ARGOCD_RELEASE,
                chart: "argo-cd",
                version: args.settings.argocd.chartVersion,
                repositoryOpts: { repo: ARGOCD_REPOSITORY },
                namespace: args.namespaces.argocd,
                maxHistory: 5,
                values: placeChart("argo-cd", argocdValues({ settings: args.settings.argocd, host, oidc: { issuer: args.sso.client.issuerUrl, clientId: args.sso.client.clientId }, groups: args.sso.groups }), args.cluster.platformPods),
            },
            { ...k8sOpts, dependsOn: [argoNs] },
        );
        // Argo CD polls the repositories; its webhook receiver (no login, no rate limit without a secret) is not published.
        args.ingress.publishService(
            { name: "argocd", namespace: args.namespaces.argocd, serviceName: ARGOCD_SERVER_SERVICE, servicePort: 80, blockedPaths: ["/api/webhook"] },
            { parent: this, dependsOn: [this.argocd] },
        );
        for (const c of args.settings.argocd.repositoryCredentials) {
            new k8s.apiextensions.CustomResource(`${name}-repo-creds-${c.name}`, repositoryCredentialSpec(c, { namespace: args.namespaces.argocd, store: args.secretStore.name }), {
                ...k8sOpts,
                dependsOn: [argoNs, args.secretStore.ready],
            });
        }

        // Its listeners run here too; they are created by the controller with its own pod spec, hence baseline.
        const runnersNs = platformNamespace(`${name}-runners-namespace`, args.namespaces.runners, "baseline", k8sOpts);
        platformNetworkPolicies(`${name}-runners`, args.namespaces.runners, args.network, { ...k8sOpts, dependsOn: [runnersNs] });
        this.runnerController = new k8s.helm.v3.Release(
            `${name}-runner-controller`,
            {
                name: ARC_RELEASE,
                chart: `${ARC_CHARTS}/gha-runner-scale-set-controller`,
                version: args.settings.runners.chartVersion,
                namespace: args.namespaces.runners,
                maxHistory: 5,
                values: placeChart("gha-runner-scale-set-controller", runnerControllerValues(args.settings.runners), args.cluster.platformPods),
            },
            { ...k8sOpts, dependsOn: [runnersNs] },
        );

        this.tenants = new Map(
            args.tenants.map((t) => [
                t.config.name,
                // Named like the tenant's own resources (tenant-<name>-…): one prefix holds everything a tenant owns.
                new TenantDelivery(
                    `tenant-${t.config.name}-delivery`,
                    {
                        tenant: t,
                        cluster: boundedIdentities(args.cluster, args.tenantWorkloadBoundaryArn),
                        settings: args.settings,
                        argocd: { namespace: args.namespaces.argocd, release: this.argocd },
                        runners: { namespace: args.namespaces.runners, serviceAccount: ARC_CONTROLLER_SERVICE_ACCOUNT, release: this.runnerController },
                        requiredLabels: args.requiredLabels,
                        vpcCidr: args.vpcCidr,
                        signing: args.signing,
                        environment: args.environment,
                    },
                    { parent: this },
                ),
            ]),
        );
        // On destroy, first: Applications and ApplicationSets (tenants' own may carry the resources finalizer) are
        // deleted while Argo CD and every project still exist to finalize them; runner sets while their controller
        // still clears theirs. Created after every tenant's objects, so removed before them.
        const delivered = [...this.tenants.values()];
        finalizerCleanup(
            `${name}-argocd-finalizer-cleanup`,
            { controllerChart: "argo-cd", namespace: args.namespaces.argocd, kubernetesVersion: args.kubernetesVersion, timeout: "10m" },
            { ...k8sOpts, dependsOn: [this.argocd, ...delivered.flatMap((t) => t.controlled.argocd)] },
        );
        finalizerCleanup(
            `${name}-runner-finalizer-cleanup`,
            { controllerChart: "gha-runner-scale-set-controller", namespace: args.namespaces.runners, kubernetesVersion: args.kubernetesVersion, timeout: "10m" },
            { ...k8sOpts, dependsOn: [this.runnerController, ...delivered.flatMap((t) => t.controlled.runners)] },
        );
        this.registerOutputs({ argocdUrl: this.argocdUrl, projects: [...this.tenants.keys()] });
    }
}

/** The runner controller: HA by config (leader election comes with replicas > 1), metrics on for the controller and listeners. */
export function runnerControllerValues(r: AppDeliveryConfig["runners"]) {
    return {
        replicaCount: r.controllerReplicas,
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000 },
        metrics: { controllerManagerAddr: ":8080", listenerAddr: ":8080", listenerEndpoint: "/metrics" },
        flags: { logLevel: "info", logFormat: "json" },
    };
}
