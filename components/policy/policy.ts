import * as pulumi from "@pulumi/pulumi";
import { placeChart } from "../shared/placement";
import * as k8s from "@pulumi/kubernetes";
import type { PolicyConfig } from "../../stacks/schema-tenants";
import type { ClusterRef } from "../cluster/cluster-ref";
import type { AppDeliveryConfig } from "../../stacks/schema-delivery";
import { policyDocument, PolicyDocument } from "../shared/iam";
import { NAMESPACE_ROLE_LABEL, platformNamespace } from "../shared/namespaces";
import { NetworkContext, platformNetworkPolicies } from "../shared/network-policies";
import { admissionPolicies, clusterPolicySpec, signaturePolicySpec, TenantKey, TenantWorkflows } from "./admission-policies";

export const KYVERNO_REPOSITORY = "https://kyverno.github.io/kyverno/";

/** Kyverno's admission controller service account (chart 3.9.0): where its AWS identity goes. */
export const KYVERNO_ADMISSION_SERVICE_ACCOUNT = "kyverno-admission-controller";

/** What signature checks need: signatures read from the account's repositories (the tenants' keys name this role in their policies). */
export function signatureReaderPolicy(a: { readonly repositoriesArn: string }): PolicyDocument {
    return policyDocument(
        { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        { Sid: "ReadSignatures", Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], Resource: a.repositoriesArn },
    );
}

/** Kyverno's values: webhooks that only ever see tenant namespaces, HA by config, the chart's uninstall hooks kept. */
export function kyvernoValues(p: PolicyConfig, region?: string) {
    const others = Math.min(2, p.replicas);
    const spread = (component: string) => [
        { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: p.zoneSpread, labelSelector: { matchLabels: { "app.kubernetes.io/component": component, "app.kubernetes.io/instance": "kyverno" } } },
    ];
    const controller = (component: string, replicas: number) => ({ replicas, topologySpreadConstraints: spread(component), podDisruptionBudget: { enabled: replicas > 1 } });
    return {
        admissionController: {
            ...controller("admission-controller", p.replicas),
            // The AWS SDK of its signature checks (KMS keys, ECR) needs the region.
            ...(region ? { container: { extraEnvVars: [{ name: "AWS_REGION", value: region }, { name: "AWS_DEFAULT_REGION", value: region }] } } : {}),
        },
        backgroundController: controller("background-controller", others),
        cleanupController: controller("cleanup-controller", others),
        reportsController: controller("reports-controller", others),
        // Its policies, exceptions and reports aggregated into Kubernetes' admin would let whoever holds admin in a
        // namespace write policies and PolicyExceptions there; tenants hold the platform's roles, and nobody admin.
        rbac: { roles: { aggregate: { admin: false } } },
        // The hooks' image, pinned: the chart defaults the pre-delete hooks to its appVersion and the test pods to latest;
        // a fixed tag is one whose arm64 build docs/operations.md can cite (these pods run on the System nodes).
        webhooksCleanup: { image: { tag: p.hookImageTag } },
        test: { image: { tag: p.hookImageTag } },
        // The webhooks select tenant namespaces only: a Kyverno outage (or a webhook left behind) never blocks the platform.
        config: { webhooks: { namespaceSelector: { matchExpressions: [{ key: NAMESPACE_ROLE_LABEL, operator: "In", values: ["tenant"] }] } } },
    };
}

export interface PolicyArgs {
    /** What the platform namespaces' NetworkPolicies admit by address (the control plane, the NLB). */
    readonly network: NetworkContext;
    readonly cluster: Pick<ClusterRef, "k8sProvider" | "workloadIdentity" | "platformPods">;
    readonly namespace: string;
    readonly settings: PolicyConfig;
    readonly region: string;
    /** Image patterns of the platform's registry tenants may pull besides the configured list (their repositories, the caches). */
    readonly platformImages: pulumi.Input<string[]>;
    /** Image signatures: the settings, the images they cover, and the ARN of the account's repositories (signatures live there). */
    readonly signatures: {
        readonly settings: AppDeliveryConfig["signatures"];
        readonly imageReferences: pulumi.Input<string[]>;
        readonly repositoriesArn: pulumi.Input<string>;
        /** With TenantKmsKeys: each tenant's key, by alias (the delivery layer creates the keys, after this layer). */
        readonly tenantKeys: readonly TenantKey[];
        /** With Keyless: each tenant's signing repositories and refs. */
        readonly tenantWorkflows: readonly TenantWorkflows[];
    };
}

/** Kyverno (pinned, HA in production) and the tenant baseline policies as code, audited or enforced per stack. */
export class Policy extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly policies: k8s.apiextensions.CustomResource[];
    /** The admission controller's role, when signatures are checked: the tenants' signing keys let it read their public half. */
    public readonly signatureReaderRoleArn: pulumi.Output<string> | undefined;

    constructor(name: string, args: PolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:policy:Policy", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        const namespace = platformNamespace(`${name}-namespace`, args.namespace, "baseline", k8sOpts);
        platformNetworkPolicies(name, args.namespace, args.network, { ...k8sOpts, dependsOn: [namespace] });
        const sig = args.signatures;
        const verifier = sig.settings.verifier;
        // Before the release: the admission controller starts with its identity (Pod Identity is read at start).
        const identity =
            verifier === undefined
                ? []
                : [
                      args.cluster.workloadIdentity(
                          `${name}-signature-reader`,
                          {
                              namespace: args.namespace,
                              serviceAccount: KYVERNO_ADMISSION_SERVICE_ACCOUNT,
                              policy: pulumi.output(sig.repositoriesArn).apply((repositoriesArn) => signatureReaderPolicy({ repositoriesArn })),
                          },
                          { parent: this },
                      ),
                  ];
        this.signatureReaderRoleArn = identity[0]?.roleArn;
        this.release = new k8s.helm.v3.Release(
            `${name}-kyverno`,
            {
                name: "kyverno",
                chart: "kyverno",
                version: args.settings.chartVersion,
                repositoryOpts: { repo: KYVERNO_REPOSITORY },
                namespace: args.namespace,
                maxHistory: 5,
                values: placeChart("kyverno", kyvernoValues(args.settings, args.region), args.cluster.platformPods),
            },
            { ...k8sOpts, dependsOn: [namespace, ...identity] },
        );
        // Deleted before Kyverno on destroy, so Kyverno removes their webhook rules while it still runs.
        const afterKyverno = { ...k8sOpts, dependsOn: [this.release] };
        const registries = pulumi.output(args.platformImages);
        this.policies = admissionPolicies(args.settings).map((p, i) => {
            const spec = registries.apply((r) => clusterPolicySpec(admissionPolicies(args.settings, r)[i], args.settings.action));
            return new k8s.apiextensions.CustomResource(`${name}-${p.name}`, { apiVersion: "kyverno.io/v1", kind: "ClusterPolicy", metadata: spec.metadata, spec: spec.spec }, afterKyverno);
        });
        const signatures = pulumi.output(sig.imageReferences).apply((refs) => signaturePolicySpec(sig.settings, refs, sig.tenantKeys, sig.tenantWorkflows));
        // No tenant with a key or signing repositories: nothing to verify against (and nothing signed).
        if (verifier !== undefined && (verifier.type === "TenantKmsKeys" ? sig.tenantKeys : sig.tenantWorkflows).length > 0) {
            this.policies.push(
                new k8s.apiextensions.CustomResource(
                    `${name}-tenant-verify-image-signatures`,
                    { apiVersion: "kyverno.io/v1", kind: "ClusterPolicy", metadata: signatures.apply((s) => s!.metadata), spec: signatures.apply((s) => s!.spec) },
                    afterKyverno,
                ),
            );
        }
        this.registerOutputs({ policies: this.policies.map((p) => p.metadata.name) });
    }
}
