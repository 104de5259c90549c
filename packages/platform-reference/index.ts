// PlatformReference: what an application stack uses to read the platform's outputs through a StackReference, typed by
// the outputs contract (stacks/outputs.ts), checked against its major version, secrets kept secret, and a ready
// Kubernetes provider from the kubeconfig output. Use it by path: import { PlatformReference } from
// "<platform repo>/packages/platform-reference". Application stacks read the contract stack
// (`<org>/platform-contract/<stack>`, contractStack()): reading a stack lets one export its state with secrets shown,
// and only the contract stack's state holds no credential. Tenant stacks (platform-operated) read the platform's.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CONTRACT_PROJECT, OUTPUTS_CONTRACT_VERSION } from "../../stacks/outputs";
import type { PlatformOutputs } from "../../stacks/outputs";

/** Every output of the contract, once: the compiler refuses this table when the contract gains or loses a key. */
const CONTRACT: Record<keyof PlatformOutputs, "plain" | "secret"> = {
    contractVersion: "plain",
    environment: "plain",
    region: "plain",
    vpcId: "plain",
    vpcCidr: "plain",
    availabilityZones: "plain",
    publicSubnetIds: "plain",
    privateSubnetIds: "plain",
    isolatedSubnetIds: "plain",
    publicRouteTableIds: "plain",
    privateRouteTableIds: "plain",
    isolatedRouteTableIds: "plain",
    natGatewayPublicIps: "plain",
    clusterName: "plain",
    clusterEndpoint: "plain",
    clusterCertificateAuthority: "plain",
    clusterOidcIssuerUrl: "plain",
    clusterOidcProviderArn: "plain",
    kubeconfig: "secret",
    nodeRoleArn: "plain",
    clusterSecurityGroupId: "plain",
    defaultStorageClass: "plain",
    statefulStorageClass: "plain",
    efsStorageClass: "plain",
    volumeSnapshotClass: "plain",
    objectsKmsKeyArn: "plain",
    backupBucketName: "plain",
    backupReplicaBucketName: "plain",
    backupReplicaAccessPolicyArn: "plain",
    domain: "plain",
    hostedZoneId: "plain",
    hostedZoneNameServers: "plain",
    gatewayName: "plain",
    gatewayNamespace: "plain",
    loadBalancerHostname: "plain",
    vaultAddress: "plain",
    vaultBootstrapSecretArn: "plain",
    vaultKvMount: "plain",
    clusterSecretStoreName: "plain",
    ssoUrl: "plain",
    ssoIssuerUrl: "plain",
    kubectlOidcClientId: "plain",
    ssoAdminUsername: "plain",
    ssoAdminSecretArn: "plain",
    grafanaUrl: "plain",
    grafanaAdminSecretArn: "plain",
    otlpGrpcEndpoint: "plain",
    otlpHttpEndpoint: "plain",
    prometheusRemoteWriteUrl: "plain",
    lokiPushUrl: "plain",
    tenants: "plain",
    admissionPolicyAction: "plain",
    argocdUrl: "plain",
    imageSignatureAction: "plain",
    tenantStack: "plain",
};

/** The contract's output names, and which of them are secrets. */
export const PLATFORM_OUTPUT_KEYS = Object.keys(CONTRACT) as (keyof PlatformOutputs)[];
export const SECRET_OUTPUT_KEYS = PLATFORM_OUTPUT_KEYS.filter((k) => CONTRACT[k] === "secret");

/** The major version this package reads; a platform stack on another major fails the consumer's update. */
export const SUPPORTED_CONTRACT_MAJOR = Math.floor(OUTPUTS_CONTRACT_VERSION);

export class ContractVersionError extends Error {}

/** Throws unless `version` is a contract version of the supported major. */
export function checkContractVersion(stack: string, version: unknown, supportedMajor = SUPPORTED_CONTRACT_MAJOR): number {
    if (typeof version !== "number") {
        throw new ContractVersionError(`${stack}: no contractVersion output (got ${JSON.stringify(version)}): is it a platform stack, and has it been deployed?`);
    }
    if (Math.floor(version) !== supportedMajor) {
        throw new ContractVersionError(`${stack}: outputs contract version ${version}, this PlatformReference reads major ${supportedMajor}; update the consumer (or pin the platform)`);
    }
    return version;
}

/** The contract stack application stacks read for platform stack `stack` of `organization` (contract/Pulumi.yaml's project). */
export const contractStack = (organization: string, stack: string): string => `${organization}/${CONTRACT_PROJECT}/${stack}`;

export interface PlatformReferenceArgs {
    /**
     * The stack holding the contract, `<org>/<project>/<stack>`: for application stacks the contract stack
     * (contractStack(org, stack)); the platform stack itself only for platform-operated stacks (tenant/, contract/).
     */
    readonly stack: string;
    /** @default SUPPORTED_CONTRACT_MAJOR */
    readonly contractMajor?: number;
}

/** The platform's outputs, typed; every value waits for the contract check. */
export class PlatformReference {
    public readonly stackReference: pulumi.StackReference;
    /** The checked contract version. */
    public readonly contractVersion: pulumi.Output<number>;
    private readonly name: string;
    private readonly parent: pulumi.Resource | undefined;

    constructor(name: string, args: PlatformReferenceArgs, opts?: pulumi.CustomResourceOptions) {
        this.name = name;
        this.parent = opts?.parent;
        this.stackReference = new pulumi.StackReference(name, { name: args.stack }, opts);
        this.contractVersion = this.stackReference.getOutput("contractVersion").apply((v) => checkContractVersion(args.stack, v, args.contractMajor));
    }

    /** One output of the contract, typed, secret when the contract says so; fails on a missing output. */
    public output<K extends keyof PlatformOutputs>(key: K): pulumi.Output<pulumi.Unwrap<PlatformOutputs[K]>> {
        const value: pulumi.Output<pulumi.Unwrap<PlatformOutputs[K]>> = pulumi
            .all([this.contractVersion, this.stackReference.requireOutput(key)])
            .apply(([, v]) => v as pulumi.Unwrap<PlatformOutputs[K]>);
        return CONTRACT[key] === "secret" ? (pulumi.secret(value) as unknown as pulumi.Output<pulumi.Unwrap<PlatformOutputs[K]>>) : value;
    }

    /** A Kubernetes provider on the platform's cluster (its kubeconfig authenticates with `aws eks get-token`). */
    public kubernetesProvider(opts?: pulumi.CustomResourceOptions): k8s.Provider {
        return new k8s.Provider(`${this.name}-k8s`, { kubeconfig: this.output("kubeconfig") }, { parent: this.parent, ...opts });
    }
}
