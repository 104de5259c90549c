import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { placeChart } from "../shared/placement";
import type { SecretsConfig } from "../../stacks/schema-secrets";
import type { ClusterRef } from "../cluster/cluster-ref";
import type { IngressRef } from "../ingress/ingress";
import { PrivateCaGrant, privateServerCertificate } from "../shared/private-ca";
import { platformNamespace } from "../shared/namespaces";
import { NetworkContext, platformNetworkPolicies } from "../shared/network-policies";
import {
    VAULT_ACTIVE_SERVICE,
    VAULT_API_PORT,
    VAULT_CA_COMMON_NAME,
    VAULT_CA_ISSUER,
    VAULT_CA_SECRET,
    VAULT_CHART_REPOSITORY,
    VAULT_RELEASE,
    VAULT_ROOT_ISSUER,
    VAULT_SERVICE_ACCOUNT,
    VAULT_TLS_SECRET,
    VAULT_UNPUBLISHED_PATHS,
} from "./constants";
import { awsAuthIdentityPolicy, unsealIdentityPolicy, unsealKeyPolicy } from "./vault-iam";
import { vaultServerDnsNames, vaultValues } from "./vault-values";

export interface VaultArgs {
    /** What the platform namespaces' NetworkPolicies admit by address (the control plane, the NLB). */
    readonly network: NetworkContext;
    readonly cluster: ClusterRef;
    /** Publishes vault.<domain> on the shared Gateway. */
    readonly ingress: Pick<IngressRef, "domain" | "publishService">;
    readonly certificates: PrivateCaGrant;
    /** StorageClass of the raft and audit volumes (the retained class where volumes are kept). */
    readonly storageClass: string;
    readonly region: string;
    /** Prefix of AWS names (the KMS alias). */
    readonly namePrefix: string;
    readonly namespace: string;
    readonly settings: SecretsConfig["vault"];
    /** How the servers spread over zones. */
    readonly zoneSpread: SecretsConfig["zoneSpread"];
    /** Production: protect the unseal key and the release, keep volumes. */
    readonly protect: boolean;
    /** IAM principals the deployer's AWS login is bound to (the cluster admins): Vault resolves exactly these. */
    readonly admins: readonly string[];
}

/**
 * Vault from the official chart: integrated storage (raft) on the stateful class, auto-unseal with a dedicated KMS key
 * used through IRSA, TLS end to end from a private CA of this layer, published on vault.<domain>.
 */
export class Vault extends pulumi.ComponentResource {
    /** The address clients and the Vault provider use. */
    public readonly address: string;
    public readonly namespace: string;
    public readonly unsealKeyArn: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;
    /** The HTTPRoute of vault.<domain>: whatever talks to Vault from outside waits for it (and goes before it). */
    public readonly route: k8s.apiextensions.CustomResource;
    /** Secret (in the Vault namespace) whose ca.crt verifies Vault's certificate. */
    public readonly caSecretName = VAULT_TLS_SECRET;

    constructor(name: string, args: VaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:secrets:Vault", name, {}, opts);
        const protect = args.protect;
        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        this.namespace = args.namespace;
        this.address = args.settings.address ?? `https://vault.${args.ingress.domain}`;

        const namespace = platformNamespace(`${name}-namespace`, args.namespace, "restricted", k8sOpts);
        platformNetworkPolicies(name, args.namespace, args.network, { ...k8sOpts, dependsOn: [namespace] });
        const unseal = this.unsealKey(name, args, protect);
        const certificate = this.serverCertificate(name, args, namespace);

        this.release = new k8s.helm.v3.Release(
            `${name}-vault`,
            {
                name: VAULT_RELEASE,
                chart: "vault",
                version: args.settings.chartVersion,
                repositoryOpts: { repo: VAULT_CHART_REPOSITORY },
                namespace: args.namespace,
                // Helm would wait for ready pods; Vault is ready only after initialisation.
                skipAwait: true,
                maxHistory: 5,
                values: pulumi.all([unseal.key.keyId, unseal.roleArn]).apply(([kmsKeyId, unsealRoleArn]) =>
                    placeChart("vault", vaultValues({
                        unsealRoleArn,
                        replicas: args.settings.replicas,
                        version: args.settings.version,
                        region: args.region,
                        kmsKeyId,
                        injector: args.settings.injector,
                        storageClass: args.storageClass,
                        storageSize: args.settings.storageSize,
                        auditStorageSize: args.settings.auditStorageSize,
                        retainVolumes: protect,
                        zoneSpread: args.zoneSpread,
                    }), args.cluster.platformPods),
                ),
            },
            { ...k8sOpts, protect, dependsOn: [namespace, certificate, ...unseal.ready] },
        );

        // The active server only: the chart's `vault` Service also publishes sealed and not-yet-joined pods.
        this.route = args.ingress.publishService(
            {
                name: "vault",
                namespace: args.namespace,
                serviceName: VAULT_ACTIVE_SERVICE,
                servicePort: VAULT_API_PORT,
                backendTls: { caSecretName: VAULT_TLS_SECRET, hostname: `${VAULT_ACTIVE_SERVICE}.${args.namespace}.svc` },
                blockedPaths: VAULT_UNPUBLISHED_PATHS,
            },
            { parent: this, dependsOn: [this.release] },
        );

        this.unsealKeyArn = unseal.key.arn;
        this.registerOutputs({ address: this.address, unsealKeyArn: this.unsealKeyArn });
    }

    /** The dedicated auto-unseal key: Vault's role exists first (the key policy names it), then its use of the key. */
    private unsealKey(name: string, args: VaultArgs, protect: boolean) {
        // IRSA, not Pod Identity: Vault's KMS seal (go-kms-wrapping) does not pick up Pod Identity credentials
        // (hashicorp/vault#31860 open in 2026, hashicorp/boundary#5219 with the same wrapper); it falls back to the node role.
        const identity = args.cluster.workloadIdentity(
            `${name}-unseal`,
            { namespace: args.namespace, serviceAccount: VAULT_SERVICE_ACCOUNT, mode: "Irsa" },
            { parent: this },
        );
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const key = new aws.kms.Key(
            `${name}-unseal-key`,
            {
                description: `Vault auto-unseal of ${args.namePrefix}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: pulumi
                    .all([partition, args.cluster.identity.accountId, identity.roleArn])
                    .apply(([p, account, role]) => JSON.stringify(unsealKeyPolicy(p, account, role))),
            },
            // Without this key a sealed Vault's data can never be read again.
            { parent: this, protect, retainOnDelete: protect },
        );
        new aws.kms.Alias(`${name}-unseal-key-alias`, { name: `alias/${args.namePrefix}-vault-unseal`, targetKeyId: key.keyId }, { parent: this });
        const use = new aws.iam.RolePolicy(
            `${name}-unseal-policy`,
            { role: identity.roleName, policy: key.arn.apply((arn) => JSON.stringify(unsealIdentityPolicy(arn))) },
            { parent: this },
        );
        // Before the release: the init Job writes the deployer's AWS role, and Vault resolves its principals then.
        const awsAuth = new aws.iam.RolePolicy(
            `${name}-aws-auth-policy`,
            { role: identity.roleName, policy: JSON.stringify(awsAuthIdentityPolicy(args.admins)) },
            { parent: this },
        );
        return { key, roleArn: identity.roleArn, ready: [identity, use, awsAuth] };
    }

    /** The layer's private CA and the servers' certificate, approved for Vault's names only. */
    private serverCertificate(name: string, args: VaultArgs, namespace: k8s.core.v1.Namespace): k8s.apiextensions.CustomResource {
        return privateServerCertificate(
            name,
            {
                certificates: args.certificates,
                policyName: "vault",
                namespace: args.namespace,
                namespaceResource: namespace,
                rootIssuer: VAULT_ROOT_ISSUER,
                caCommonName: VAULT_CA_COMMON_NAME,
                caIssuer: VAULT_CA_ISSUER,
                caSecret: VAULT_CA_SECRET,
                tlsSecret: VAULT_TLS_SECRET,
                dnsNames: vaultServerDnsNames(args.namespace),
                ipAddresses: ["127.0.0.1"],
                // Vault reads its certificate at start (and on SIGHUP): a year, renewed a month ahead (docs/architecture.md, Secrets: restart then).
                duration: "8760h",
                renewBefore: "720h",
            },
            { parent: this, provider: args.cluster.k8sProvider },
        );
    }
}
