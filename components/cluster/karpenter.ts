import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterRef } from "./cluster-ref";
import { NODE_METADATA_OPTIONS } from "./node-group";
import { ebsKeyUsePolicy } from "./policies";
import { interruptionQueuePolicy, KARPENTER_INTERRUPTION_EVENTS, karpenterControllerPolicy } from "./karpenter-policies";
import { policyDocument } from "../shared/iam";
import { finalizerCleanup } from "../shared/finalizer-cleanup";
import { durationSeconds } from "../shared/duration";
import { SYSTEM_NODES } from "../shared/placement";
import { BUILDER_NODE_POOL, BUILDER_NODE_ROLE, BUILDER_TAINT, NODE_ROLE_LABEL } from "../shared/builder-nodes";

export const KARPENTER_CHART_REPO = "oci://public.ecr.aws/karpenter";
export const KARPENTER_NAMESPACE = "kube-system";
export const KARPENTER_SERVICE_ACCOUNT = "karpenter";

export interface KarpenterSettings {
    readonly chartVersion: string;
    readonly capacityTypes: readonly ("spot" | "on-demand")[];
    readonly architectures: readonly ("amd64" | "arm64")[];
    readonly instanceCategories: readonly string[];
    readonly cpuLimit: number;
    readonly consolidateAfter: string;
    readonly expireAfter: string;
    /** AMI release of the EC2NodeClass alias: `latest` or a release tag. */
    readonly amiVersion: string;
    /** Longest drain of a node Karpenter removes, PDBs notwithstanding (Go duration). */
    readonly terminationGracePeriod: string;
    /** The builders' NodePool: its capacity types and vCPU limit (the rest as the default pool's). */
    readonly builders: { readonly capacityTypes: readonly ("spot" | "on-demand")[]; readonly cpuLimit: number };
    /** The controller's pods: how many, and what each requests (memory is its limit too). */
    readonly controller: { readonly replicas: number; readonly requests: { readonly cpu: string; readonly memory: string } };
}

/** Helm values of the karpenter chart (keys as in its values.yaml at the pinned version). */
export function karpenterValues(clusterName: string, queueName: string, controller: KarpenterSettings["controller"]) {
    return {
        settings: { clusterName, interruptionQueue: queueName },
        // Pod Identity supplies credentials: no IRSA annotation on the service account.
        serviceAccount: { create: true, name: KARPENTER_SERVICE_ACCOUNT },
        replicas: controller.replicas,
        podDisruptionBudget: { name: "karpenter", maxUnavailable: 1 },
        // Karpenter must never run on the nodes it manages: pinned to the System node group whatever platformPods says.
        ...SYSTEM_NODES,
        // Memory limit = request so the controller is never OOM-preferred; no CPU limit (it may burst).
        controller: { resources: { requests: { cpu: controller.requests.cpu, memory: controller.requests.memory }, limits: { memory: controller.requests.memory } } },
    };
}

export function ec2NodeClassSpec(a: { clusterName: string; nodeRoleName: string; amiFamily: "al2023" | "bottlerocket"; amiVersion: string; ebsKmsKeyArn: string }) {
    return {
        role: a.nodeRoleName,
        amiSelectorTerms: [{ alias: `${a.amiFamily}@${a.amiVersion}` }],
        subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": a.clusterName } }],
        // The cluster security group EKS creates (also used by the managed node groups).
        securityGroupSelectorTerms: [{ tags: { "aws:eks:cluster-name": a.clusterName } }],
        // The v1 CRD has no instanceMetadataTags field (the API server would drop it).
        metadataOptions: {
            httpEndpoint: NODE_METADATA_OPTIONS.httpEndpoint,
            httpTokens: NODE_METADATA_OPTIONS.httpTokens,
            httpPutResponseHopLimit: NODE_METADATA_OPTIONS.httpPutResponseHopLimit,
            httpProtocolIPv6: "disabled",
        },
        blockDeviceMappings: [
            {
                deviceName: a.amiFamily === "bottlerocket" ? "/dev/xvdb" : "/dev/xvda",
                ebs: { volumeSize: "50Gi", volumeType: "gp3", encrypted: true, kmsKeyID: a.ebsKmsKeyArn, deleteOnTermination: true },
            },
        ],
        tags: { "platform.io/provisioner": "karpenter" },
    };
}

/** What a pool's nodes are: their class, capacity types, architectures and instances, lifetime and longest drain. */
function nodeTemplateSpec(s: KarpenterSettings, nodeClassName: string, capacityTypes: readonly string[]) {
    return {
        nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: nodeClassName },
        requirements: [
            { key: "karpenter.sh/capacity-type", operator: "In", values: [...capacityTypes] },
            { key: "kubernetes.io/arch", operator: "In", values: [...s.architectures] },
            { key: "karpenter.k8s.aws/instance-category", operator: "In", values: [...s.instanceCategories] },
            // Current generations only: better price/performance, Nitro everywhere.
            { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["5"] },
        ],
        expireAfter: s.expireAfter,
        // Without it Karpenter waits forever on pods whose PDB forbids eviction: rollouts and NodePool deletion stall.
        terminationGracePeriod: s.terminationGracePeriod,
    };
}

export function nodePoolSpec(s: KarpenterSettings, nodeClassName: string) {
    return {
        template: {
            metadata: { labels: { [NODE_ROLE_LABEL]: "workload" } },
            spec: nodeTemplateSpec(s, nodeClassName, s.capacityTypes),
        },
        // At most a tenth of the pool is disrupted at once (consolidation, drift to a new AMI, expiry).
        disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: s.consolidateAfter, budgets: [{ nodes: "10%" }] },
        limits: { cpu: String(s.cpuLimit) },
    };
}

/**
 * The builders' pool: each CI job's builder runs its `RUN` steps with seccomp and AppArmor unconfined, so what
 * escapes one lands on a node that holds nothing else of the cluster's but the node DaemonSets that tolerate its
 * taint. Its taint keeps every other pod off (the admission policy keeps tenants from tolerating it; the runner pods'
 * anti-affinity keeps two jobs apart); nodes come and go with the jobs, none at rest.
 */
export function builderNodePoolSpec(s: KarpenterSettings, nodeClassName: string) {
    return {
        template: {
            metadata: { labels: { [NODE_ROLE_LABEL]: BUILDER_NODE_ROLE } },
            spec: { ...nodeTemplateSpec(s, nodeClassName, s.builders.capacityTypes), taints: [{ ...BUILDER_TAINT }] },
        },
        // Empty nodes only: a job's pod cannot move (consolidating its node would end the job; its do-not-disrupt
        // annotation says so too). Drift and expiry still renew the nodes, at most a tenth at once.
        disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: s.consolidateAfter, budgets: [{ nodes: "10%" }] },
        limits: { cpu: String(s.builders.cpuLimit) },
    };
}

export interface KarpenterArgs {
    readonly cluster: ClusterRef;
    readonly clusterName: string;
    readonly region: string;
    /** Role of the nodes Karpenter launches (shared with the managed node groups, so their access entry covers it). */
    readonly nodeRoleName: pulumi.Input<string>;
    readonly nodeRoleArn: pulumi.Input<string>;
    readonly settings: KarpenterSettings;
    readonly amiFamily: "al2023" | "bottlerocket";
}

/** The NodePool workloads land on when they ask for Karpenter capacity. */
export const KARPENTER_NODE_POOL = "default";

/** Karpenter: controller (Helm, Pod Identity), interruption queue and rules, default EC2NodeClass, default and builders' NodePools. */
export class Karpenter extends pulumi.ComponentResource {
    public readonly queueName: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:Karpenter", name, {}, opts);
        const child = { parent: this };
        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };

        const queue = new aws.sqs.Queue(
            `${name}-interruptions`,
            { name: `${args.clusterName}-karpenter`, messageRetentionSeconds: 300, sqsManagedSseEnabled: true },
            child,
        );
        new aws.sqs.QueuePolicy(`${name}-interruptions-policy`, { queueUrl: queue.url, policy: queue.arn.apply((arn) => JSON.stringify(interruptionQueuePolicy(arn))) }, child);
        for (const event of KARPENTER_INTERRUPTION_EVENTS) {
            const rule = new aws.cloudwatch.EventRule(
                `${name}-${event.name}`,
                { name: `${args.clusterName}-karpenter-${event.name}`, description: `Karpenter interruption: ${event.name}`, eventPattern: JSON.stringify(event.pattern) },
                child,
            );
            new aws.cloudwatch.EventTarget(`${name}-${event.name}`, { rule: rule.name, targetId: "karpenter-interruption-queue", arn: queue.arn }, child);
        }

        const partition = aws.getPartitionOutput({}, child).partition;
        const policy = pulumi
            .all([partition, args.cluster.identity.accountId, args.cluster.identity.arn, args.nodeRoleArn, queue.arn, args.cluster.ebsKmsKeyArn])
            .apply(([p, accountId, clusterArn, nodeRoleArn, queueArn, keyArn]) => {
                const controller = karpenterControllerPolicy({ partition: p, region: args.region, accountId, clusterName: args.clusterName, clusterArn, nodeRoleArn, queueArn });
                return policyDocument(...[controller, ebsKeyUsePolicy(keyArn)].flatMap((d) => d.Statement));
            });
        const identity = args.cluster.workloadIdentity(
            `${name}-controller`,
            { namespace: KARPENTER_NAMESPACE, serviceAccount: KARPENTER_SERVICE_ACCOUNT, policy },
            { parent: this },
        );

        // CRDs from their own chart so they upgrade with the controller (Helm never upgrades crds/).
        const crds = new k8s.helm.v3.Release(
            `${name}-crd`,
            { chart: `${KARPENTER_CHART_REPO}/karpenter-crd`, version: args.settings.chartVersion, namespace: KARPENTER_NAMESPACE, atomic: true },
            k8sOpts,
        );
        const release = new k8s.helm.v3.Release(
            `${name}-controller`,
            {
                chart: `${KARPENTER_CHART_REPO}/karpenter`,
                version: args.settings.chartVersion,
                namespace: KARPENTER_NAMESPACE,
                skipCrds: true,
                atomic: true,
                values: karpenterValues(args.clusterName, `${args.clusterName}-karpenter`, args.settings.controller),
            },
            { ...k8sOpts, dependsOn: [crds, identity] },
        );

        const nodeClass = new k8s.apiextensions.CustomResource(
            `${name}-nodeclass`,
            {
                apiVersion: "karpenter.k8s.aws/v1",
                kind: "EC2NodeClass",
                metadata: { name: "default" },
                spec: pulumi
                    .all([args.nodeRoleName, args.cluster.ebsKmsKeyArn])
                    .apply(([nodeRoleName, ebsKmsKeyArn]) =>
                        ec2NodeClassSpec({ clusterName: args.clusterName, nodeRoleName, amiFamily: args.amiFamily, amiVersion: args.settings.amiVersion, ebsKmsKeyArn }),
                    ),
            },
            { ...k8sOpts, dependsOn: [release] },
        );
        const nodePool = new k8s.apiextensions.CustomResource(
            `${name}-nodepool`,
            { apiVersion: "karpenter.sh/v1", kind: "NodePool", metadata: { name: KARPENTER_NODE_POOL }, spec: nodePoolSpec(args.settings, "default") },
            { ...k8sOpts, dependsOn: [release, nodeClass] },
        );
        const builderPool = new k8s.apiextensions.CustomResource(
            `${name}-builder-nodepool`,
            { apiVersion: "karpenter.sh/v1", kind: "NodePool", metadata: { name: BUILDER_NODE_POOL }, spec: builderNodePoolSpec(args.settings, "default") },
            { ...k8sOpts, dependsOn: [release, nodeClass] },
        );
        // On destroy, before the NodePool and the controller go: delete NodePools and NodeClaims and wait while
        // Karpenter drains (bounded by terminationGracePeriod) and terminates its instances, so none is leaked.
        finalizerCleanup(
            `${name}-finalizer-cleanup`,
            {
                controllerChart: "karpenter",
                namespace: KARPENTER_NAMESPACE,
                kubernetesVersion: args.cluster.kubernetesVersion,
                // The longest drain, plus a quarter hour for instances to terminate.
                timeout: `${durationSeconds(args.settings.terminationGracePeriod) + 900}s`,
            },
            { ...k8sOpts, dependsOn: [release, nodePool, builderPool, nodeClass] },
        );

        this.queueName = queue.name;
        this.roleArn = identity.roleArn;
        this.registerOutputs({ queueName: this.queueName, roleArn: this.roleArn });
    }
}
