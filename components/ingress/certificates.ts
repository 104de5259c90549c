import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterRef } from "../cluster/cluster-ref";
import { NODE_ROLE_LABEL } from "../cluster/node-group";
import { finalizerCleanup, kubectlImage } from "../shared/finalizer-cleanup";
import {
    ACME_DNS01_SERVICE_ACCOUNT,
    acmeIssuerSpec,
    CertificatePolicyArgs,
    certificateRequestPolicySpec,
    policyUseRbac,
    tokenRequestRole,
} from "./certificate-policy";
import { ACME_ISSUER_NAMES, AcmeIssuerName, CHART_REPOSITORIES } from "./constants";
import { gatewayCertificateSpec } from "./gateway-objects";
import { certManagerPolicy } from "./policies";
import { approverPolicyValues, certManagerValues } from "./values";

export interface CertificatesArgs {
    readonly cluster: ClusterRef;
    readonly region: string;
    readonly domain: string;
    /** ACME account e-mail. */
    readonly email: string;
    /** The issuer the gateway's certificate comes from. */
    readonly gatewayIssuer: AcmeIssuerName;
    readonly zoneId: pulumi.Input<string>;
    readonly zoneArn: pulumi.Input<string>;
    /** cert-manager's namespace, created by the caller. */
    readonly certManagerNamespace: CreatedNamespace;
    /** The shared Gateway's namespace: the ACME issuers, their DNS-01 account and the certificate live there. */
    readonly gatewayNamespace: CreatedNamespace;
    readonly charts: { readonly certManager: string; readonly approverPolicy: string };
    readonly replicas: number;
    /** What cert-manager needs at start-up (the Gateway API CRDs, for its Gateway support). */
    readonly dependsOn: pulumi.Resource[];
}

/** A namespace the caller created: its name, and the resource to order after. */
export interface CreatedNamespace {
    readonly name: string;
    readonly resource: k8s.core.v1.Namespace;
}

const CERT_MANAGER_SERVICE_ACCOUNT = "cert-manager";

/**
 * cert-manager with approval by policy only: namespaced Let's Encrypt issuers in the gateway's namespace, DNS-01 through
 * a role only their own ServiceAccount's token can assume (cert-manager itself holds no AWS credentials), and the
 * gateway's wildcard certificate. No other namespace obtains a certificate unless `allowCertificates` names it.
 */
export class Certificates extends pulumi.ComponentResource {
    /** The shared Gateway's certificate (its listener's TLS secret). */
    public readonly certificate: k8s.apiextensions.CustomResource;
    private readonly approverPolicy: k8s.helm.v3.Release;
    private readonly k8sProvider: k8s.Provider;
    private readonly requester: { readonly name: string; readonly namespace: string };

    constructor(name: string, args: CertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:ingress:Certificates", name, {}, opts);
        this.k8sProvider = args.cluster.k8sProvider;
        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        const certManagerNs = args.certManagerNamespace.resource.metadata.name;
        const gatewayNs = args.gatewayNamespace.resource.metadata.name;
        const gatewayNamespace = args.gatewayNamespace.name;
        this.requester = { name: CERT_MANAGER_SERVICE_ACCOUNT, namespace: args.certManagerNamespace.name };

        const certManager = new k8s.helm.v3.Release(
            `${name}-cert-manager`,
            {
                name: "cert-manager",
                chart: "cert-manager",
                version: args.charts.certManager,
                repositoryOpts: { repo: CHART_REPOSITORIES.certManager },
                namespace: certManagerNs,
                values: certManagerValues({ replicas: args.replicas, serviceAccount: CERT_MANAGER_SERVICE_ACCOUNT }),
                maxHistory: 5,
            },
            { ...k8sOpts, dependsOn: args.dependsOn },
        );
        this.approverPolicy = new k8s.helm.v3.Release(
            `${name}-approver-policy`,
            {
                name: "cert-manager-approver-policy",
                chart: "cert-manager-approver-policy",
                version: args.charts.approverPolicy,
                repositoryOpts: { repo: CHART_REPOSITORIES.certManager },
                namespace: certManagerNs,
                values: approverPolicyValues(args.replicas),
                maxHistory: 5,
            },
            { ...k8sOpts, dependsOn: [certManager] },
        );

        // The DNS-01 account: IRSA, because cert-manager exchanges this ServiceAccount's token itself (serviceAccountRef).
        const dns01 = args.cluster.workloadIdentity(
            `${name}-dns01-identity`,
            {
                namespace: gatewayNamespace,
                serviceAccount: ACME_DNS01_SERVICE_ACCOUNT,
                mode: "Irsa",
                policy: pulumi.all([args.zoneArn, aws.getPartitionOutput({}, { parent: this }).partition]).apply(([arn, p]) => certManagerPolicy(p, arn, args.domain)),
            },
            { parent: this },
        );
        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-dns01-sa`, { metadata: { name: ACME_DNS01_SERVICE_ACCOUNT, namespace: gatewayNs } }, k8sOpts);
        const token = tokenRequestRole(gatewayNamespace, this.requester);
        const tokenRole = new k8s.rbac.v1.Role(`${name}-dns01-token-role`, token.role, { ...k8sOpts, dependsOn: [args.gatewayNamespace.resource] });
        const tokenBinding = new k8s.rbac.v1.RoleBinding(`${name}-dns01-token-binding`, token.binding, { ...k8sOpts, dependsOn: [tokenRole] });

        const issuers = ACME_ISSUER_NAMES.map(
            (issuer) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-issuer-${issuer}`,
                    acmeIssuerSpec(issuer, {
                        namespace: gatewayNamespace,
                        email: args.email,
                        region: args.region,
                        hostedZoneId: args.zoneId,
                        domain: args.domain,
                        roleArn: dns01.roleArn,
                    }),
                    { ...k8sOpts, dependsOn: [certManager, serviceAccount, tokenBinding] },
                ),
        );

        // On destroy, after the certificates and before cert-manager: ACME challenges and orders in flight carry its
        // finalizer. (The certificates wait for this release, so they are deleted before its hook runs.)
        const cleanup = finalizerCleanup(
            `${name}-finalizer-cleanup`,
            {
                controllerChart: "cert-manager",
                namespace: args.certManagerNamespace.name,
                kubectlImage: kubectlImage(args.cluster.kubernetesVersion),
                timeout: "5m",
                systemNodeSelector: { [NODE_ROLE_LABEL]: "system" },
            },
            { ...k8sOpts, dependsOn: [certManager, ...issuers] },
        );

        const gatewayPolicy = this.allowCertificates(`${name}-gateway`, "platform-gateway", {
            namespace: gatewayNamespace,
            dnsNames: [args.domain, `*.${args.domain}`],
        });
        this.certificate = new k8s.apiextensions.CustomResource(
            `${name}-gateway-certificate`,
            gatewayCertificateSpec(gatewayNamespace, args.domain, args.gatewayIssuer),
            { ...k8sOpts, dependsOn: [...issuers, args.gatewayNamespace.resource, cleanup, ...gatewayPolicy] },
        );
        this.registerOutputs({});
    }

    /**
     * Lets one namespace obtain certificates for these names (and only these) from the platform's ACME issuers: a
     * CertificateRequestPolicy selecting that namespace, and the `use` grant approver-policy checks.
     */
    public allowCertificates(name: string, policyName: string, a: CertificatePolicyArgs): pulumi.Resource[] {
        const k8sOpts = { parent: this, provider: this.k8sProvider };
        const policy = new k8s.apiextensions.CustomResource(`${name}-certificate-policy`, certificateRequestPolicySpec(policyName, a), {
            ...k8sOpts,
            dependsOn: [this.approverPolicy],
        });
        const rbac = policyUseRbac(policyName, this.requester);
        const role = new k8s.rbac.v1.ClusterRole(`${name}-certificate-policy-use`, rbac.clusterRole, k8sOpts);
        const binding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-certificate-policy-use`, rbac.binding, { ...k8sOpts, dependsOn: [role] });
        return [policy, binding];
    }
}

