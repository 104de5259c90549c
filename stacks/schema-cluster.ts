// Schema of `platform:cluster`: EKS control plane, access, node groups, add-ons and Karpenter.
import { z } from "zod";
import { AMI_TYPES, CONTROL_PLANE_LOG_TYPES, EKS_STANDARD_SUPPORT_VERSIONS, POD_ADDRESSINGS, REQUIRED_LOG_TYPES } from "../components/cluster/constants";
import { addonVersion, chartVersion, cloudwatchRetention, cpuQuantity, ipv4Cidr, Issue, memoryQuantity } from "./schema-common";
import { PLATFORM_POD_PLACEMENTS } from "../components/shared/placement";


// Access entries take the ARN exactly as IAM shows it, path included (IAM Identity Center roles live under
// role/aws-reserved/sso.amazonaws.com/...); only the old aws-auth ConfigMap needed the path stripped.
const principalArn = z
    .string()
    .regex(
        /^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)(\/[\w+=,.@-]+)*\/[\w+=,.@-]+$/,
        "expected an IAM role or user ARN as IAM shows it, like arn:aws:iam::123456789012:role/PlatformAdmin",
    )
    .refine((arn) => !arn.includes(":role/aws-service-role/"), { message: "expected a role or user; EKS access entries do not take service-linked roles" });

/** Instance type names: family (letters, generation digit, attribute letters) dot size, e.g. m7i.large, c7g.2xlarge. */
export const INSTANCE_TYPE_PATTERN = /^[a-z]+\d+[a-z0-9-]*\.(nano|micro|small|medium|large|metal|\d*xlarge|metal-\d+xl)$/;
const GRAVITON_PATTERN = /^[a-z]+\d+g[a-z0-9-]*\./;
/**
 * Xen (not Nitro) families: they take no IP prefixes, and EKS's max-pods calculator gives them the ENI figure (AWS's
 * "Instances built on the AWS Nitro System" list: every current family but these; i3.metal is Nitro).
 */
export const XEN_INSTANCE_PATTERN = /^(t1|t2|m1|m2|m3|m4|c1|c3|c4|r3|r4|x1|x1e|i2|d2|g3|g3s|p2|p3|f1|h1)\.|^i3\.(?!metal$)/;

export const nodeGroupSchema = z.strictObject({
    // <name>-<zone>-<26 generated characters> must fit EKS's 63-character node group names.
    name: z
        .string()
        .regex(/^[a-z][a-z0-9-]{0,19}$/, "expected a short lower-case name (a-z, 0-9, '-'; at most 20 characters)")
        .describe("Group name, unique in the cluster: prefix of the per-zone EKS node groups (<name>-<zone>-) and the platform.io/node-group tag."),
    role: z
        .enum(["System", "Workload"])
        .default("Workload")
        .describe("System groups carry the CriticalAddonsOnly taint and host cluster add-ons."),
    capacityType: z.enum(["ON_DEMAND", "SPOT"]).default("ON_DEMAND").describe("EC2 purchase option of the group's nodes: SPOT is cheaper but can be reclaimed."),
    instanceTypes: z
        .array(z.string().regex(INSTANCE_TYPE_PATTERN, "expected an EC2 instance type like m7i.large or c7g.2xlarge"))
        .min(1, "expected at least one instance type")
        .describe("EC2 instance types the group may launch; their architecture must match amiType (Graviton for ARM)."),
    amiType: z.enum(AMI_TYPES).default("AL2023_x86_64_STANDARD").describe("Node OS image (Amazon Linux 2023 or Bottlerocket) and architecture; Karpenter's nodes follow the first group's family."),
    // Sizes are per zone: the group runs as one managed node group in each zone.
    minSize: z.number().int().min(0, "expected 0 or more nodes").describe("Nodes per zone, at least."),
    desiredSize: z.number().int().min(0, "expected 0 or more nodes").describe("Nodes per zone at creation (autoscalers own it after)."),
    maxSize: z.number().int().min(1, "expected at least 1 node").max(450, "expected at most 450 nodes per group").describe("Nodes per zone, at most."),
    diskSizeGiB: z
        .number()
        .int()
        .min(20, "expected 20 to 1000 GiB")
        .max(1000, "expected 20 to 1000 GiB")
        .default(50)
        .describe("Root volume of each node in GiB (gp3, encrypted with the platform EBS key): images and ephemeral storage."),
    labels: z.record(z.string(), z.string()).default({}).describe("Extra Kubernetes labels on the group's nodes (the node-role label is added)."),
    taints: z
        .array(
            z.strictObject({
                key: z.string().min(1, "expected a taint key").describe("Taint key."),
                value: z.string().optional().describe("Taint value (optional)."),
                effect: z.enum(["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"]).describe("What the taint does to pods that do not tolerate it."),
            }),
        )
        .default([])
        .describe("Extra taints on the group's nodes (a System group also gets CriticalAddonsOnly)."),
    maxUnavailablePercent: z
        .number()
        .int()
        .min(1, "expected 1 to 100 percent")
        .max(100, "expected 1 to 100 percent")
        .default(33)
        .describe("Share of a group's nodes EKS may replace at once during an update: higher rolls faster, lower keeps more capacity."),
});
export type NodeGroupConfig = z.infer<typeof nodeGroupSchema>;

export const karpenterSchema = z.strictObject({
    enabled: z.boolean().default(true).describe("Install Karpenter and a default NodePool/EC2NodeClass."),
    chartVersion: chartVersion().describe("karpenter-crd and karpenter charts, pinned exactly."),
    capacityTypes: z.array(z.enum(["spot", "on-demand"])).min(1).default(["on-demand"]).describe("Capacity types the default NodePool may launch."),
    architectures: z.array(z.enum(["amd64", "arm64"])).min(1).default(["amd64"]).describe("CPU architectures the default NodePool may launch."),
    instanceCategories: z
        .array(z.string().regex(/^[a-z]$/, "expected an instance category letter like c, m or r"))
        .min(1)
        .default(["c", "m", "r"])
        .describe("EC2 instance categories (family letters, e.g. c compute, m general, r memory) the default NodePool may launch."),
    cpuLimit: z.number().int().min(1, "expected a positive vCPU limit").describe("Total vCPUs the default NodePool may provision."),
    consolidateAfter: z
        .string()
        .regex(/^\d+(s|m|h)$/, "expected a duration like 30s, 5m or 1h")
        .default("5m")
        .describe("How long a node must be empty or under-used before Karpenter consolidates it: shorter saves cost, longer causes less churn."),
    expireAfter: z
        .string()
        .regex(/^\d+h$/, "expected hours like 720h")
        .default("720h")
        .describe("Node lifetime in hours: Karpenter replaces older nodes, so nodes are renewed regularly."),
    amiVersion: z
        .string()
        .regex(/^(latest|v\d{8}|v\d+\.\d+\.\d+)$/, "expected latest or an AMI release tag like v20260714 (AL2023) or v1.50.0 (Bottlerocket)")
        .describe("AMI release Karpenter's nodes run (EC2NodeClass alias <family>@<version>); production pins one, so a new AMI rolls nodes only when this changes."),
    terminationGracePeriod: z
        .string()
        .regex(/^([0-9]+(s|m|h))+$/, "expected a duration like 2h or 90m")
        .default("2h")
        .describe("How long Karpenter waits for pods (even PDB-protected ones) before it force-drains a node being removed."),
    builders: z
        .strictObject({
            capacityTypes: z
                .array(z.enum(["spot", "on-demand"]))
                .min(1)
                .default(["on-demand"])
                .describe("Capacity types of the builders' nodes: a spot interruption ends the builds running on the node."),
            cpuLimit: z
                .number()
                .int()
                .min(1, "expected a positive vCPU limit")
                .default(32)
                .describe("Total vCPUs of the builders' NodePool: each CI job (its runner and builder) takes a node of its own while it runs."),
        })
        .prefault({})
        .describe("The builders' NodePool (tainted, one node per running CI job; architectures, instance categories, expiry and AMI as the default pool's)."),
    controller: z
        .strictObject({
            replicas: z.number().int().min(1, "expected at least 1 replica").max(3, "expected at most 3 replicas (one leads, the others wait)").default(2).describe("Karpenter controller pods; one leads, a second takes over at once when it goes."),
            requests: z
                .strictObject({
                    cpu: cpuQuantity.default("1").describe("CPU each controller pod reserves on the System nodes (upstream's getting-started sizing: 1)."),
                    memory: memoryQuantity.default("1Gi").describe("Memory each controller pod reserves, also its limit (never OOM-preferred)."),
                })
                .prefault({})
                .describe("Requests of each Karpenter controller pod: they count against the System nodes' capacity (test/capacity.test.ts)."),
        })
        .prefault({})
        .describe("Karpenter's controller pods on the System nodes: how many, and what each requests."),
});

export const addonsSchema = z.strictObject({
    vpcCni: addonVersion("vpc-cni").describe("vpc-cni managed add-on build (pod networking), installed before the nodes join."),
    coredns: addonVersion("coredns").describe("coredns managed add-on build (cluster DNS)."),
    kubeProxy: addonVersion("kube-proxy").describe("kube-proxy managed add-on build, installed before the nodes join."),
    podIdentityAgent: addonVersion("eks-pod-identity-agent").describe("eks-pod-identity-agent managed add-on build (AWS credentials for pods), installed before the nodes join."),
    ebsCsiDriver: addonVersion("aws-ebs-csi-driver").describe("aws-ebs-csi-driver managed add-on build (EBS volumes)."),
    snapshotController: addonVersion("snapshot-controller").describe("snapshot-controller managed add-on build (volume snapshots)."),
});

export const clusterSchema = z.strictObject({
    version: z
        .enum(EKS_STANDARD_SUPPORT_VERSIONS, {
            error: (iss) =>
                typeof iss.input === "number"
                    ? `expected the version as a string: quote it ("${iss.input}"), YAML reads an unquoted ${iss.input} as a number`
                    : `expected a Kubernetes version in EKS standard support: ${EKS_STANDARD_SUPPORT_VERSIONS.join(", ")}`,
        })
        .describe("Kubernetes version of the control plane (and the node groups)."),
    endpoint: z
        .strictObject({
            privateAccess: z.boolean().default(true).describe("Reach the Kubernetes API from inside the VPC."),
            publicAccess: z.boolean().default(false).describe("Reach the Kubernetes API from the internet (within publicAccessCidrs); needed when pulumi up runs outside the VPC."),
            publicAccessCidrs: z.array(ipv4Cidr).default([]).describe("Who may reach a public endpoint; required when publicAccess is on in production."),
        })
        .prefault({})
        .describe("Where the Kubernetes API endpoint is reachable from: at least one of private and public."),
    controlPlaneZoneCount: z
        .number()
        .int()
        .min(2, "expected at least 2 zones (EKS needs subnets in two)")
        .max(6, "expected at most 6 zones")
        .default(2)
        .describe("The control plane's subnets are the private subnets of the first N zones. Fixed once the cluster exists: EKS accepts new subnets only in its original zones."),
    logTypes: z
        .array(z.enum(CONTROL_PLANE_LOG_TYPES))
        .default([...REQUIRED_LOG_TYPES])
        .describe("Control-plane log types sent to CloudWatch; api, audit and authenticator are always required."),
    logRetentionDays: cloudwatchRetention.default(90).describe("Days the control-plane log group keeps its logs (a CloudWatch retention period)."),
    serviceCidr: ipv4Cidr.default("172.20.0.0/16").describe("Kubernetes service CIDR; must not overlap the VPC or reserved ranges."),
    admins: z
        .array(principalArn)
        .min(1, "expected at least one admin: the cluster never bootstraps creator rights, so list the role that runs pulumi up")
        .describe("IAM principals granted AmazonEKSClusterAdminPolicy. Include the role that runs pulumi up: nobody else gets access."),
    viewers: z.array(principalArn).default([]).describe("IAM principals granted AmazonEKSViewPolicy."),
    deletionProtection: z.boolean().default(false).describe("EKS refuses to delete the cluster while on; turn it off before a planned destroy."),
    nodeRepair: z.boolean().default(false).describe("Let EKS replace unhealthy managed nodes."),
    ssmAccess: z.boolean().default(false).describe("Attach AmazonSSMManagedInstanceCore to nodes (shell access without SSH)."),
    nodeGroups: z
        .array(nodeGroupSchema)
        .min(1, "expected at least one node group")
        .describe("Managed node groups, each run as one EKS node group per zone: exactly one System group plus workload groups."),
    platformPods: z
        .enum(PLATFORM_POD_PLACEMENTS)
        .default("SystemNodes")
        .describe(
            "Where the platform's own pods run. SystemNodes: every platform Deployment, StatefulSet and Job (hooks too) tolerates the System group's taint and requires its nodes, so tenants' pods never share a node with them and no untainted group is needed at rest (tenants get Karpenter's nodes). AnyNode: the charts' own placement, on an untainted Workload group.",
        ),
    podAddressing: z
        .enum(POD_ADDRESSINGS)
        .default("SecondaryIps")
        .describe(
            "How the VPC CNI addresses pods. SecondaryIps: one IP at a time, max pods from the ENI limit (t4g.large 35, m7g.2xlarge 58); works on every instance type and subnet. Prefixes: /28 prefix delegation (ENABLE_PREFIX_DELEGATION), managed groups' max pods from EKS's calculator, 110 up to 30 vCPUs (250 above); needs Nitro instances and free contiguous /28 blocks in the subnets. Switching applies to nodes launched after it: replace the node groups. Karpenter's nodes keep the ENI figure.",
        ),
    karpenter: karpenterSchema.describe("Karpenter: chart version and the default NodePool's capacity types, architectures, instance categories, CPU limit, consolidation and node expiry, and the builders' NodePool."),
    addons: addonsSchema.describe("EKS managed add-on builds, pinned; check them for a new Kubernetes version with aws eks describe-addon-versions."),
});
export type ClusterConfig = z.infer<typeof clusterSchema>;


/** Cross-field rules of the cluster section; `production` tightens them. */
export function checkCluster(
    cluster: ClusterConfig,
    ctx: { production: boolean; zoneCount: number; vpcCidr: string; reservedCidrs: readonly string[]; overlaps: (a: string, b: string) => boolean },
    issue: Issue,
) {
    const at = (...p: (string | number)[]) => ["cluster", ...p];
    for (const required of REQUIRED_LOG_TYPES) {
        if (!cluster.logTypes.includes(required)) issue(at("logTypes"), `expected the log types to include ${required}`, cluster.logTypes);
    }
    const ep = cluster.endpoint;
    if (!ep.privateAccess && !ep.publicAccess) issue(at("endpoint"), "expected private or public access (or both)", ep);
    if (!ep.publicAccess && ep.publicAccessCidrs.length > 0) issue(at("endpoint", "publicAccessCidrs"), "expected no CIDRs while publicAccess is off", ep.publicAccessCidrs);
    if (ctx.production && ep.publicAccess && (ep.publicAccessCidrs.length === 0 || ep.publicAccessCidrs.includes("0.0.0.0/0"))) {
        issue(at("endpoint", "publicAccessCidrs"), "expected specific CIDRs (not empty, not 0.0.0.0/0) for a public endpoint in production", ep.publicAccessCidrs);
    }
    if (ctx.production && !cluster.deletionProtection) issue(at("deletionProtection"), "expected true in production", cluster.deletionProtection);
    // The cross-key rules run on valid keys only (platformConfigSchema): every CIDR here parses.
    const servicePrefix = Number(cluster.serviceCidr.split("/")[1]);
    if (servicePrefix < 12 || servicePrefix > 24) issue(at("serviceCidr"), "expected a /12 to /24 block", cluster.serviceCidr);
    for (const other of [ctx.vpcCidr, ...ctx.reservedCidrs]) {
        if (ctx.overlaps(cluster.serviceCidr, other)) issue(at("serviceCidr"), `expected a range outside ${other} (they overlap)`, cluster.serviceCidr);
    }
    const names = new Set<string>();
    cluster.nodeGroups.forEach((g, i) => {
        if (names.has(g.name)) issue(at("nodeGroups", i, "name"), "expected a unique node group name", g.name);
        names.add(g.name);
        if (g.minSize > g.maxSize) issue(at("nodeGroups", i, "minSize"), `expected minSize <= maxSize (${g.maxSize})`, g.minSize);
        if (g.desiredSize < g.minSize || g.desiredSize > g.maxSize) {
            issue(at("nodeGroups", i, "desiredSize"), `expected desiredSize within [minSize, maxSize] = [${g.minSize}, ${g.maxSize}]`, g.desiredSize);
        }
        const arm = g.amiType.includes("ARM");
        g.instanceTypes.forEach((t, j) => {
            if (INSTANCE_TYPE_PATTERN.test(t) && GRAVITON_PATTERN.test(t) !== arm) {
                issue(at("nodeGroups", i, "instanceTypes", j), `expected ${arm ? "a Graviton (arm64)" : "an x86_64"} instance type for amiType ${g.amiType}`, t);
            }
            if (cluster.podAddressing === "Prefixes" && XEN_INSTANCE_PATTERN.test(t)) {
                issue(at("nodeGroups", i, "instanceTypes", j), "expected a Nitro instance type with podAddressing Prefixes (Xen types take no IP prefixes)", t);
            }
        });
    });
    if (cluster.controlPlaneZoneCount > ctx.zoneCount) {
        issue(at("controlPlaneZoneCount"), `expected at most network.azCount (${ctx.zoneCount}) zones`, cluster.controlPlaneZoneCount);
    }
    const system = cluster.nodeGroups.filter((g) => g.role === "System");
    if (system.length !== 1) issue(at("nodeGroups"), `expected exactly one System node group, got ${system.length}`, cluster.nodeGroups.map((g) => g.name));
    else if (cluster.platformPods === "AnyNode" && !cluster.nodeGroups.some((g) => g.role === "Workload")) {
        // AnyNode pods need untainted nodes at rest: Karpenter's pools are the tenants' (and the floor would not count them).
        issue(at("platformPods"), "expected SystemNodes, or a Workload node group to hold the platform's pods (AnyNode leaves them no untainted managed nodes)", cluster.platformPods);
    }
    const karpenterAmi = cluster.karpenter.amiVersion;
    if (cluster.karpenter.enabled && ctx.production && karpenterAmi === "latest") {
        issue(at("karpenter", "amiVersion"), "expected a pinned AMI release in production (latest rolls every node on each AMI release)", karpenterAmi);
    }
    // Karpenter's nodes run the node groups' family: Bottlerocket releases are versions (v1.50.0), AL2023's are dates.
    const bottlerocket = cluster.nodeGroups[0].amiType.startsWith("BOTTLEROCKET");
    if (karpenterAmi !== "latest" && karpenterAmi.includes(".") !== bottlerocket) {
        issue(at("karpenter", "amiVersion"), bottlerocket ? "expected a Bottlerocket release like v1.50.0 (the node groups run Bottlerocket)" : "expected an AL2023 release like v20260714", karpenterAmi);
    }
    if (system[0] && system[0].minSize * ctx.zoneCount < 2 && ctx.production) {
        issue(at("nodeGroups"), `expected the System group to keep at least 2 nodes in production (minSize is per zone, ${ctx.zoneCount} zones)`, system[0].minSize);
    }
}
