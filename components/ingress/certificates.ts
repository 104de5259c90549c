import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterRef } from "../cluster/cluster-ref";
import { finalizerCleanup } from "../shared/finalizer-cleanup";
import {
    ACME_DNS01_SERVICE_ACCOUNT,
    acmeIssuerSpec,
    CertificatePolicyArgs,
    certificateRequestPolicySpec,
    PrivateCaArgs,
    privateCaPolicySpecs,
    policyUseRbac,
    tokenRequestRole,
} from "./certificate-policy";
import { ACME_ISSUER_NAMES, AcmeIssuerName, CHART_REPOSITORIES } from "./constants";
import { gatewayCertificateSpec } from "./gateway-objects";
import { acmeDns01Policy } from "./policies";
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

/** cert-manager's ServiceAccount: the requester approver-policy checks may `use` a policy. */
export const CERT_MANAGER_SERVICE_ACCOUNT = "cert-manager";

/**
 * cert-manager with approval by policy only: namespaced Let's Encrypt issuers in the gateway's namespace, DNS-01 through
 * a role only their own ServiceAccount's token can assume (cert-manager itself holds no AWS credentials), and the
 * gateway's wildcard certificate. No other namespace obtains a certificate unless `allowCertificates` names it.
 */
export class Certificates extends pulumi.ComponentResource {
    /** The shared Gateway's certificate (its listener's TLS secret). */
    public readonly certificate: k8s.apiextensions.CustomResource;
    private readonly approverPolicy: k8s.helm.v3.Release;
    private readonly cleanup: k8s.helm.v3.Release;
    private readonly allowedNamespaces = new Set<string>();
    private readonly certManager: k8s.helm.v3.Release;
    private readonly k8sProvider: k8s.Provider;
    private readonly cluster: ClusterRef;
    private readonly requester: { readonly name: string; readonly namespace: string };
    private readonly acme: { zoneId: pulumi.Input<string>; zoneArn: pulumi.Input<string>; domain: string; email: string; region: string };

    constructor(name: string, args: CertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:ingress:Certificates", name, {}, opts);
        this.k8sProvider = args.cluster.k8sProvider;
        this.cluster = args.cluster;
        this.acme = { zoneId: args.zoneId, zoneArn: args.zoneArn, domain: args.domain, email: args.email, region: args.region };
        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        const certManagerNs = args.certManagerNamespace.resource.metadata.name;
        const gatewayNamespace = args.gatewayNamespace.name;
        this.requester = { name: CERT_MANAGER_SERVICE_ACCOUNT, namespace: args.certManagerNamespace.name };

        const release = (role: string, chart: string, version: string, values: Record<string, unknown>, dependsOn: pulumi.Resource[]) =>
            new k8s.helm.v3.Release(
                `${name}-${role}`,
                { name: chart, chart, version, repositoryOpts: { repo: CHART_REPOSITORIES.certManager }, namespace: certManagerNs, values, maxHistory: 5 },
                { ...k8sOpts, dependsOn },
            );
        const certManager = (this.certManager = release(
            "cert-manager",
            "cert-manager",
            args.charts.certManager,
            certManagerValues({ replicas: args.replicas, serviceAccount: CERT_MANAGER_SERVICE_ACCOUNT }),
            args.dependsOn,
        ));
        this.approverPolicy = release("approver-policy", "cert-manager-approver-policy", args.charts.approverPolicy, approverPolicyValues(args.replicas), [certManager]);

        const gatewayNames = [args.domain, `*.${args.domain}`];
        const gatewayIssuers = this.acmeIssuers(`${name}-gateway`, gatewayNamespace, gatewayNames, [certManager, args.gatewayNamespace.resource]);
        const cleanup = (this.cleanup = finalizerCleanup(
            `${name}-finalizer-cleanup`,
            {
                controllerChart: "cert-manager",
                namespace: args.certManagerNamespace.name,
                kubernetesVersion: args.cluster.kubernetesVersion,
                timeout: "5m",
            },
            { ...k8sOpts, dependsOn: [certManager, ...gatewayIssuers] },
        ));
        this.allowedNamespaces.add(gatewayNamespace);
        const gatewayPolicy = this.approveRequests(`${name}-gateway`, "platform-gateway", { namespace: gatewayNamespace, dnsNames: gatewayNames });
        this.certificate = new k8s.apiextensions.CustomResource(
            `${name}-gateway-certificate`,
            gatewayCertificateSpec(gatewayNamespace, args.domain, args.gatewayIssuer),
            { ...k8sOpts, dependsOn: [...gatewayIssuers, args.gatewayNamespace.resource, cleanup, ...gatewayPolicy] },
        );
        this.registerOutputs({ certificate: this.certificate.metadata.name });
    }

    /**
     * Lets one namespace obtain publicly trusted certificates for these names, and only these: the platform's two ACME
     * issuers in that namespace, with a DNS-01 account (its own ServiceAccount's token, IRSA) that may write only those
     * names' challenge records, and the approver-policy CertificateRequestPolicy (plus the `use` grant) that approves
     * requests from that namespace for those names. Returns what a Certificate there must wait for.
     */
    public allowCertificates(name: string, policyName: string, a: CertificatePolicyArgs & { readonly namespaceResource?: pulumi.Resource }): pulumi.Resource[] {
        checkCertificateGrant(name, a, this.allowedNamespaces);
        this.allowedNamespaces.add(a.namespace);
        const issuers = this.acmeIssuers(name, a.namespace, a.dnsNames, [this.certManager, ...(a.namespaceResource ? [a.namespaceResource] : [])]);
        // Certificates that wait for these go before the cleanup hook on destroy, as the gateway's does.
        return [...issuers, ...this.approveRequests(name, policyName, a), this.cleanup];
    }

    /** Namespaced staging/production ACME issuers whose DNS-01 account may write only `dnsNames`' challenge records. */
    private acmeIssuers(name: string, namespace: string, dnsNames: readonly string[], dependsOn: pulumi.Resource[]): k8s.apiextensions.CustomResource[] {
        const k8sOpts = { parent: this, provider: this.k8sProvider };
        const { zoneArn, zoneId, domain, email, region } = this.acme;
        // IRSA, because cert-manager exchanges this ServiceAccount's token itself (serviceAccountRef).
        const dns01 = this.cluster.workloadIdentity(
            `${name}-dns01`,
            {
                namespace,
                serviceAccount: ACME_DNS01_SERVICE_ACCOUNT,
                mode: "Irsa",
                policy: pulumi.all([zoneArn, aws.getPartitionOutput({}, { parent: this }).partition]).apply(([arn, p]) => acmeDns01Policy(p, arn, dnsNames)),
            },
            { parent: this },
        );
        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-dns01-sa`, { metadata: { name: ACME_DNS01_SERVICE_ACCOUNT, namespace } }, { ...k8sOpts, dependsOn });
        const token = tokenRequestRole(namespace, this.requester);
        const tokenRole = new k8s.rbac.v1.Role(`${name}-dns01-token-role`, token.role, { ...k8sOpts, dependsOn });
        const tokenBinding = new k8s.rbac.v1.RoleBinding(`${name}-dns01-token-binding`, token.binding, { ...k8sOpts, dependsOn: [tokenRole] });
        return ACME_ISSUER_NAMES.map(
            (issuer) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-issuer-${issuer}`,
                    acmeIssuerSpec(issuer, { namespace, email, region, hostedZoneId: zoneId, domain, roleArn: dns01.roleArn }),
                    { ...k8sOpts, dependsOn: [...dependsOn, serviceAccount, tokenBinding] },
                ),
        );
    }

    /**
     * Lets a layer run its own private CA in its namespace (a self-signed root issuer, a CA issuer) and approves only
     * its CA certificate and server certificates for `dnsNames`. The layer creates the issuers and certificates; they
     * wait for what this returns (and go before the cleanup hook on destroy).
     */
    public allowPrivateCa(name: string, policyName: string, a: PrivateCaArgs): pulumi.Resource[] {
        const specs = privateCaPolicySpecs(policyName, a);
        return [...this.policyWithGrant(`${name}-ca`, specs.ca), ...this.policyWithGrant(`${name}-servers`, specs.servers), this.cleanup];
    }

    /** The CertificateRequestPolicy approving this namespace's requests for these names, and the `use` grant. */
    private approveRequests(name: string, policyName: string, a: CertificatePolicyArgs): pulumi.Resource[] {
        return this.policyWithGrant(name, certificateRequestPolicySpec(policyName, a));
    }

    private policyWithGrant(name: string, spec: PolicySpec): pulumi.Resource[] {
        return policyWithUseGrant(name, spec, this.requester, { parent: this, provider: this.k8sProvider, dependsOn: [this.approverPolicy] });
    }
}

type PolicySpec = { apiVersion: string; kind: string; metadata: { name: string } };
/** Where a grant's resources go: parent and provider, what the policy waits for (approver-policy), and any aliases. */
export interface GrantOptions {
    readonly parent: pulumi.Resource;
    readonly provider: k8s.Provider;
    readonly dependsOn: pulumi.Resource[];
    readonly aliases?: pulumi.Input<pulumi.URN | pulumi.Alias>[];
}

/** A CertificateRequestPolicy (`${name}-certificate-policy`) and the grant to `use` it (`${name}-certificate-policy-use`). */
function policyWithUseGrant(name: string, spec: PolicySpec, requester: { name: string; namespace: string }, o: GrantOptions): pulumi.Resource[] {
    const k8sOpts = { parent: o.parent, provider: o.provider, ...(o.aliases ? { aliases: o.aliases } : {}) };
    const policy = new k8s.apiextensions.CustomResource(`${name}-certificate-policy`, spec, { ...k8sOpts, dependsOn: o.dependsOn });
    const rbac = policyUseRbac(spec.metadata.name, requester);
    const role = new k8s.rbac.v1.ClusterRole(`${name}-certificate-policy-use`, rbac.clusterRole, k8sOpts);
    const binding = new k8s.rbac.v1.ClusterRoleBinding(`${name}-certificate-policy-use`, rbac.binding, { ...k8sOpts, dependsOn: [role] });
    return [policy, binding];
}

/**
 * Refuses a grant that would clash or could never be served: a namespace granted twice (its issuers and DNS-01
 * account would be created twice under the same names), names IAM cannot match as approver-policy does (only
 * literal names or a leading `*.`), or a name whose IAM role would exceed 64 characters.
 */
export function checkCertificateGrant(name: string, a: CertificatePolicyArgs, granted: ReadonlySet<string>): void {
    if (granted.has(a.namespace)) throw new Error(`allowCertificates(${name}): namespace ${a.namespace} already has certificate issuers; grant all its names at once`);
    for (const d of a.dnsNames) {
        if (!/^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/.test(d)) {
            throw new Error(`allowCertificates(${name}): ${JSON.stringify(d)} is not a DNS name or a leading-wildcard one (*.name)`);
        }
    }
    // The DNS-01 role is auto-named <name>-dns01-role plus 8 random characters; IAM allows 64.
    if (`${name}-dns01-role`.length + 8 > 64) throw new Error(`allowCertificates(${name}): the name is too long for its IAM role (at most 45 characters)`);
}
