// The production plan's cluster in full: the control plane, its roles and keys, access entries, add-ons, node groups
// and Karpenter. Every value is written out by hand, so a change to any of them is a visible, reviewed change.
import * as assert from "assert";
import { named, ofType } from "./helpers";
import { describePlan } from "./plans";
import { ACCOUNT, doc, podIdentityTrust } from "./production-expected";

const KEY_ADMIN = { Sid: "AccountAdministration", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" };
const EBS_KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/platform-cluster-ebs-key`;
const QUEUE = `arn:aws:sqs:eu-west-1:${ACCOUNT}:acme-prod-karpenter`;
const ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];

describePlan("cluster details: the production plan in full", "prod", ({ plan, res, the, urn }) => {
    const json = (name: string, key: string) => JSON.parse(the(name)[key]);
    /** Names a resource shares with one of another type (a workload identity and its release, a rule and its target). */
    const typed = (type: string, name: string) => named(ofType(plan().resources, type), name);
    const controller = () => typed("kubernetes:helm.sh/v3:Release", "platform-cluster-karpenter-controller");

    it("runs the control plane as its own role, logs to a retained group, and creates the cluster after it", () => {
        assert.deepStrictEqual(the("platform-cluster-control-plane-logs"), { name: "/aws/eks/acme-prod/cluster", retentionInDays: 365 });
        assert.deepStrictEqual(the("platform-cluster-role").description, "EKS control plane of acme-prod");
        assert.deepStrictEqual(json("platform-cluster-role", "assumeRolePolicy"), doc({ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }));
        assert.deepStrictEqual(the("platform-cluster-role-AmazonEKSClusterPolicy"), { policyArn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy", role: "platform-cluster-role" });
        assert.deepStrictEqual(the("platform-cluster-eks"), {
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
            bootstrapSelfManagedAddons: false,
            deletionProtection: true,
            enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
            encryptionConfig: { provider: { keyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/platform-cluster-secrets-key` }, resources: ["secrets"] },
            kubernetesNetworkConfig: { ipFamily: "ipv4", serviceIpv4Cidr: "172.20.0.0/16" },
            name: "acme-prod",
            roleArn: `arn:aws:iam::${ACCOUNT}:role/platform-cluster-role`,
            upgradePolicy: { supportType: "STANDARD" },
            version: "1.36",
            vpcConfig: {
                endpointPrivateAccess: true,
                endpointPublicAccess: true,
                publicAccessCidrs: ["198.51.100.0/24", "203.0.113.10/32"],
                subnetIds: ZONES.map((z) => `platform-network-private-${z}-id`),
            },
        });
        assert.deepStrictEqual(res("platform-cluster-eks").dependsOn, [urn("platform-cluster-control-plane-logs")]);
        assert.deepStrictEqual([res("platform-cluster-eks").protect, res("platform-cluster-control-plane-logs").protect, res("platform-cluster-control-plane-logs").retainOnDelete], [true, true, true]);
        assert.deepStrictEqual(the("platform-cluster-oidc"), { clientIdLists: ["sts.amazonaws.com"], url: "https://oidc.eks.eu-west-1.amazonaws.com/id/147147147147147147147147147147" });
    });

    it("keeps node disks and secrets on their own rotated, retained keys, with aliases", () => {
        assert.deepStrictEqual(the("platform-cluster-secrets-key"), {
            deletionWindowInDays: 30,
            description: "Envelope encryption of Kubernetes secrets in acme-prod",
            enableKeyRotation: true,
            policy: JSON.stringify(
                doc(KEY_ADMIN, {
                    Sid: "ClusterRoleEnvelopeEncryption",
                    Effect: "Allow",
                    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/platform-cluster-role` },
                    Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant", "kms:ListGrants"],
                    Resource: "*",
                }),
            ),
        });
        const throughEc2 = { StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": "ec2.eu-west-1.amazonaws.com" } };
        assert.deepStrictEqual(the("platform-cluster-ebs-key"), {
            deletionWindowInDays: 30,
            description: "EBS volumes of acme-prod (node disks, persistent volumes)",
            enableKeyRotation: true,
            policy: JSON.stringify(
                doc(
                    KEY_ADMIN,
                    {
                        Sid: "UseThroughEc2ByThisAccount",
                        Effect: "Allow",
                        Principal: { AWS: "*" },
                        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                        Resource: "*",
                        Condition: throughEc2,
                    },
                    {
                        Sid: "GrantsForEbsThroughEc2ByThisAccount",
                        Effect: "Allow",
                        Principal: { AWS: "*" },
                        Action: "kms:CreateGrant",
                        Resource: "*",
                        Condition: { ...throughEc2, Bool: { "kms:GrantIsForAWSResource": "true" } },
                    },
                ),
            ),
        });
        for (const key of ["platform-cluster-ebs-key", "platform-cluster-secrets-key"]) {
            assert.deepStrictEqual([res(key).protect, res(key).retainOnDelete], [true, true], key);
        }
        assert.deepStrictEqual(the("platform-cluster-ebs-key-alias"), { name: "alias/acme-prod-ebs", targetKeyId: "key-platform-cluster-ebs-key" });
        assert.deepStrictEqual(the("platform-cluster-secrets-key-alias"), { name: "alias/acme-prod-secrets", targetKeyId: "key-platform-cluster-secrets-key" });
    });

    it("gives nodes an EC2 role with the worker, registry pull and Session Manager policies", () => {
        assert.deepStrictEqual(the("platform-cluster-node-role").description, "Nodes of acme-prod");
        assert.deepStrictEqual(json("platform-cluster-node-role", "assumeRolePolicy"), doc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }));
        for (const policy of ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"]) {
            assert.deepStrictEqual(the(`platform-cluster-node-${policy}`), { policyArn: `arn:aws:iam::aws:policy/${policy}`, role: "platform-cluster-node-role" });
        }
    });

    it("associates each access entry's policy after the entry, cluster-wide", () => {
        const entries = [
            ["platform-cluster-admin-role-platformadmin", "PlatformAdmin", "AmazonEKSClusterAdminPolicy"],
            ["platform-cluster-admin-role-pulumi-deployments", "pulumi-deployments", "AmazonEKSClusterAdminPolicy"],
            ["platform-cluster-admin-role-pulumi-deployments-tenants", "pulumi-deployments-tenants", "AmazonEKSClusterAdminPolicy"],
            ["platform-cluster-viewer-role-sre-readonly", "SRE-ReadOnly", "AmazonEKSViewPolicy"],
        ];
        for (const [name, role, policy] of entries) {
            const principalArn = `arn:aws:iam::${ACCOUNT}:role/${role}`;
            const entry = typed("aws:eks/accessEntry:AccessEntry", name);
            const association = typed("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", name);
            assert.deepStrictEqual(entry.inputs, { clusterName: "acme-prod", principalArn, type: "STANDARD" });
            assert.deepStrictEqual(association.inputs, { accessScope: { type: "cluster" }, clusterName: "acme-prod", policyArn: `arn:aws:eks::aws:cluster-access-policy/${policy}`, principalArn });
            assert.deepStrictEqual(association.dependsOn, [entry.urn]);
        }
    });

    it("installs the add-ons overwriting conflicts; the CNI enforces network policies and delegates /28 prefixes under its own Pod Identity role", () => {
        const addon = (name: string, version: string) => ({ addonName: name, addonVersion: version, clusterName: "acme-prod", resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE" });
        assert.deepStrictEqual(the("platform-cluster-addon-eks-pod-identity-agent"), addon("eks-pod-identity-agent", "v1.3.10-eksbuild.1"));
        assert.deepStrictEqual(the("platform-cluster-addon-kube-proxy"), addon("kube-proxy", "v1.36.0-eksbuild.14"));
        assert.deepStrictEqual(the("platform-cluster-addon-vpc-cni"), {
            ...addon("vpc-cni", "v1.22.3-eksbuild.1"),
            configurationValues: JSON.stringify({ enableNetworkPolicy: "true", env: { ENABLE_PREFIX_DELEGATION: "true", WARM_PREFIX_TARGET: "1" } }),
            podIdentityAssociations: [{ roleArn: `arn:aws:iam::${ACCOUNT}:role/platform-cluster-vpc-cni-role`, serviceAccount: "aws-node" }],
        });
        assert.deepStrictEqual(json("platform-cluster-vpc-cni-role", "assumeRolePolicy"), podIdentityTrust("kube-system", "aws-node"));
        assert.deepStrictEqual(the("platform-cluster-vpc-cni-role").description, "Workload identity of kube-system/aws-node (PodIdentity)");
        assert.deepStrictEqual(the("platform-cluster-vpc-cni-AmazonEKS_CNI_Policy"), { policyArn: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy", role: "platform-cluster-vpc-cni-role" });
    });

    it("lets the EBS CSI driver use the EBS key and grant it to attached volumes only", () => {
        assert.deepStrictEqual(json("platform-cluster-aws-ebs-csi-driver-role", "assumeRolePolicy"), podIdentityTrust("kube-system", "ebs-csi-controller-sa"));
        assert.deepStrictEqual(
            json("platform-cluster-aws-ebs-csi-driver-policy", "policy"),
            doc(
                { Sid: "UseEbsKey", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: EBS_KEY },
                { Sid: "GrantsForAttachedVolumes", Effect: "Allow", Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], Resource: EBS_KEY, Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } },
            ),
        );
        assert.deepStrictEqual(the("platform-cluster-aws-ebs-csi-driver-service-role/AmazonEBSCSIDriverPolicy"), {
            policyArn: "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
            role: "platform-cluster-aws-ebs-csi-driver-role",
        });
    });

    it("launches each group from a template: IMDSv2 with one hop, an encrypted gp3 root disk, tagged by group", () => {
        // One group, the System one (platformPods: SystemNodes): its disk holds the platform's images.
        assert.deepStrictEqual(
            ofType(plan().resources, "aws:ec2/launchTemplate:LaunchTemplate").map((r) => r.name),
            ["platform-cluster-ng-system-lt"],
        );
        assert.deepStrictEqual(the("platform-cluster-ng-system-lt"), {
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { deleteOnTermination: "true", encrypted: "true", kmsKeyId: EBS_KEY, volumeSize: 50, volumeType: "gp3" } }],
            description: "Nodes of group system",
            metadataOptions: { httpEndpoint: "enabled", httpPutResponseHopLimit: 1, httpTokens: "required", instanceMetadataTags: "disabled" },
            tagSpecifications: ["instance", "volume"].map((resourceType) => ({ resourceType, tags: { "platform.io/node-group": "system" } })),
            updateDefaultVersion: true,
        });
    });

    it("runs one managed group per zone, repaired automatically, its desired size left to the autoscaler", () => {
        const group = (name: string, zone: string, o: { amiType: string; instanceTypes: string[]; role: string; max: number; taints: unknown[]; maxUnavailablePercentage: number }) => ({
            amiType: o.amiType,
            capacityType: "ON_DEMAND",
            clusterName: "acme-prod",
            instanceTypes: o.instanceTypes,
            labels: { "platform.io/node-role": o.role },
            launchTemplate: { id: `platform-cluster-ng-${name}-lt-id`, version: "1" },
            nodeGroupNamePrefix: `${name}-${zone}-`,
            nodeRepairConfig: { enabled: true },
            nodeRoleArn: `arn:aws:iam::${ACCOUNT}:role/platform-cluster-node-role`,
            scalingConfig: { desiredSize: 1, maxSize: o.max, minSize: 1 },
            subnetIds: [`platform-network-private-${zone}-id`],
            taints: o.taints,
            updateConfig: { maxUnavailablePercentage: o.maxUnavailablePercentage },
            version: "1.36",
        });
        // The System group alone: no untainted workers (platformPods: SystemNodes; tenants' pods go to Karpenter's pools).
        assert.deepStrictEqual(
            ofType(plan().resources, "aws:eks/nodeGroup:NodeGroup").map((r) => r.name),
            ZONES.map((zone) => `platform-cluster-ng-system-${zone}`),
        );
        const system = { amiType: "AL2023_ARM_64_STANDARD", instanceTypes: ["m7g.2xlarge", "m6g.2xlarge"], role: "system", max: 2, taints: [{ effect: "NO_SCHEDULE", key: "CriticalAddonsOnly", value: "true" }], maxUnavailablePercentage: 33 };
        for (const zone of ZONES) {
            assert.deepStrictEqual(the(`platform-cluster-ng-system-${zone}`), group("system", zone, system), zone);
            assert.deepStrictEqual(res(`platform-cluster-ng-system-${zone}`).ignoreChanges, ["scalingConfig.desiredSize"]);
        }
        assert.deepStrictEqual(
            res("platform-cluster-ng-system").dependsOn,
            ["node-AmazonEKSWorkerNodePolicy", "node-AmazonEC2ContainerRegistryPullOnly", "node-AmazonSSMManagedInstanceCore", "addon-eks-pod-identity-agent", "addon-vpc-cni", "addon-kube-proxy"].map((n) => urn(`platform-cluster-${n}`)),
        );
    });

    it("reaches Kubernetes only once access is granted and the late add-ons run, applying server-side", () => {
        const provider = res("platform-cluster-k8s");
        assert.deepStrictEqual(provider.inputs, { enableServerSideApply: "true", kubeconfig: "[secret]" });
        assert.deepStrictEqual(
            provider.dependsOn,
            [
                ...["platform-cluster-admin-role-platformadmin", "platform-cluster-admin-role-pulumi-deployments", "platform-cluster-admin-role-pulumi-deployments-tenants", "platform-cluster-viewer-role-sre-readonly"].map(
                    (n) => typed("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", n).urn,
                ),
                ...["coredns", "aws-ebs-csi-driver"].map((a) => urn(`platform-cluster-addon-${a}`)),
            ],
        );
        // The snapshot controller may need a node Karpenter launches (its tolerations are the add-on's): only the
        // snapshot class (its CRDs) waits for it, so nothing that installs Karpenter does.
        const snapshot = urn("platform-cluster-addon-snapshot-controller");
        assert.deepStrictEqual(res("platform-storage-snapshot-class").dependsOn, [snapshot]);
        assert.deepStrictEqual(plan().resources.filter((r) => r.dependsOn.includes(snapshot)).map((r) => r.name), ["platform-storage-snapshot-class"]);
    });

    it("sends Karpenter's interruption events to a TLS-only queue only EventBridge may write to", () => {
        assert.deepStrictEqual(the("platform-cluster-karpenter-interruptions"), { messageRetentionSeconds: 300, name: "acme-prod-karpenter", sqsManagedSseEnabled: true });
        assert.deepStrictEqual(the("platform-cluster-karpenter-interruptions-policy"), {
            policy: JSON.stringify(
                doc(
                    { Sid: "EventBridgeWrite", Effect: "Allow", Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] }, Action: "sqs:SendMessage", Resource: QUEUE },
                    { Sid: "DenyHTTP", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: QUEUE, Condition: { Bool: { "aws:SecureTransport": "false" } } },
                ),
            ),
            queueUrl: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/acme-prod-karpenter`,
        });
        const events: [string, string, string][] = [
            ["health", "aws.health", "AWS Health Event"],
            ["spot", "aws.ec2", "EC2 Spot Instance Interruption Warning"],
            ["rebalance", "aws.ec2", "EC2 Instance Rebalance Recommendation"],
            ["state-change", "aws.ec2", "EC2 Instance State-change Notification"],
            ["capacity-reservation", "aws.ec2", "EC2 Capacity Reservation Instance Interruption Warning"],
        ];
        const rules = plan().resources.filter((r) => r.type === "aws:cloudwatch/eventRule:EventRule");
        assert.deepStrictEqual(rules.map((r) => r.name), events.map(([name]) => `platform-cluster-karpenter-${name}`));
        for (const [name, source, detailType] of events) {
            const rule = rules.find((r) => r.name === `platform-cluster-karpenter-${name}`)!;
            assert.deepStrictEqual(rule.inputs, { description: `Karpenter interruption: ${name}`, eventPattern: JSON.stringify({ source: [source], "detail-type": [detailType] }), name: `acme-prod-karpenter-${name}` });
            const target = typed("aws:cloudwatch/eventTarget:EventTarget", rule.name);
            assert.deepStrictEqual(target.inputs, { arn: QUEUE, rule: `acme-prod-karpenter-${name}`, targetId: "karpenter-interruption-queue" });
        }
    });

    it("lets Karpenter's controller launch, tag and terminate only this cluster's nodes, after the upstream reference policy", () => {
        assert.deepStrictEqual(json("platform-cluster-karpenter-controller-role", "assumeRolePolicy"), podIdentityTrust("kube-system", "karpenter"));
        assert.deepStrictEqual(the("platform-cluster-karpenter-controller-association"), { clusterName: "acme-prod", namespace: "kube-system", roleArn: `arn:aws:iam::${ACCOUNT}:role/platform-cluster-karpenter-controller-role`, serviceAccount: "karpenter" });
        const ec2 = (resource: string) => `arn:aws:ec2:eu-west-1:*:${resource}`;
        const launched = ["fleet/*", "instance/*", "volume/*", "network-interface/*", "launch-template/*", "spot-instances-request/*"].map(ec2);
        const owned = { "aws:ResourceTag/kubernetes.io/cluster/acme-prod": "owned" };
        const requestOwned = { "aws:RequestTag/kubernetes.io/cluster/acme-prod": "owned", "aws:RequestTag/eks:eks-cluster-name": "acme-prod" };
        const nodePool = { "aws:ResourceTag/karpenter.sh/nodepool": "*" };
        const profiles = `arn:aws:iam::${ACCOUNT}:instance-profile/*`;
        const profileTags = { ...owned, "aws:ResourceTag/topology.kubernetes.io/region": "eu-west-1" };
        const allow = (Sid: string, Action: unknown, Resource: unknown, Condition?: unknown) => ({ Sid, Effect: "Allow", Action, Resource, ...(Condition ? { Condition } : {}) });
        assert.deepStrictEqual(
            json("platform-cluster-karpenter-controller-policy", "policy").Statement,
            [
                allow("AllowScopedEC2InstanceAccessActions", ["ec2:RunInstances", "ec2:CreateFleet"], [
                    "arn:aws:ec2:eu-west-1::image/*",
                    "arn:aws:ec2:eu-west-1::snapshot/*",
                    ec2("security-group/*"),
                    ec2("subnet/*"),
                    ec2("capacity-reservation/*"),
                    ec2("placement-group/*"),
                ]),
                allow("AllowScopedEC2LaunchTemplateAccessActions", ["ec2:RunInstances", "ec2:CreateFleet"], ec2("launch-template/*"), { StringEquals: owned, StringLike: nodePool }),
                allow("AllowScopedEC2InstanceActionsWithTags", ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"], launched, {
                    StringEquals: requestOwned,
                    StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
                }),
                allow("AllowScopedResourceCreationTagging", "ec2:CreateTags", launched, {
                    StringEquals: { ...requestOwned, "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] },
                    StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" },
                }),
                allow("AllowScopedResourceTagging", "ec2:CreateTags", ec2("instance/*"), {
                    StringEquals: owned,
                    StringLike: nodePool,
                    StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": "acme-prod" },
                    "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
                }),
                allow("AllowScopedDeletion", ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"], [ec2("instance/*"), ec2("launch-template/*")], { StringEquals: owned, StringLike: nodePool }),
                allow(
                    "AllowRegionalReadActions",
                    [
                        "ec2:DescribeAvailabilityZones",
                        "ec2:DescribeCapacityReservations",
                        "ec2:DescribeImages",
                        "ec2:DescribeInstances",
                        "ec2:DescribeInstanceStatus",
                        "ec2:DescribeInstanceTypeOfferings",
                        "ec2:DescribeInstanceTypes",
                        "ec2:DescribeLaunchTemplates",
                        "ec2:DescribePlacementGroups",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSpotPriceHistory",
                        "ec2:DescribeSubnets",
                    ],
                    "*",
                    { StringEquals: { "aws:RequestedRegion": "eu-west-1" } },
                ),
                allow("AllowSSMReadActions", "ssm:GetParameter", "arn:aws:ssm:eu-west-1::parameter/aws/service/*"),
                allow("AllowPricingReadActions", "pricing:GetProducts", "*"),
                allow("AllowInterruptionQueueActions", ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"], QUEUE),
                allow("AllowPassingInstanceRole", "iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/platform-cluster-node-role`, { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com"] } }),
                allow("AllowScopedInstanceProfileCreationActions", ["iam:CreateInstanceProfile"], profiles, {
                    StringEquals: { ...requestOwned, "aws:RequestTag/topology.kubernetes.io/region": "eu-west-1" },
                    StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
                }),
                allow("AllowScopedInstanceProfileTagActions", ["iam:TagInstanceProfile"], profiles, {
                    StringEquals: { ...profileTags, ...requestOwned, "aws:RequestTag/topology.kubernetes.io/region": "eu-west-1" },
                    StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
                }),
                allow("AllowScopedInstanceProfileActions", ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"], profiles, {
                    StringEquals: profileTags,
                    StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" },
                }),
                allow("AllowInstanceProfileReadActions", "iam:GetInstanceProfile", profiles),
                allow("AllowUnscopedInstanceProfileListAction", "iam:ListInstanceProfiles", "*"),
                allow("AllowAPIServerEndpointDiscovery", "eks:DescribeCluster", `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/acme-prod`),
                allow("UseEbsKey", ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], EBS_KEY),
                allow("GrantsForAttachedVolumes", ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], EBS_KEY, { Bool: { "kms:GrantIsForAWSResource": "true" } }),
            ],
        );
    });

    it("installs Karpenter's CRDs, then its controller on system nodes with its identity, then the node class and the default and builders' pools", () => {
        assert.deepStrictEqual(the("platform-cluster-karpenter-crd"), { atomic: true, chart: "oci://public.ecr.aws/karpenter/karpenter-crd", compat: "true", namespace: "kube-system", version: "1.14.1" });
        assert.deepStrictEqual(controller().inputs, {
            atomic: true,
            chart: "oci://public.ecr.aws/karpenter/karpenter",
            compat: "true",
            namespace: "kube-system",
            skipCrds: true,
            values: {
                controller: { resources: { limits: { memory: "1Gi" }, requests: { cpu: "1", memory: "1Gi" } } },
                nodeSelector: { "platform.io/node-role": "system" },
                podDisruptionBudget: { maxUnavailable: 1, name: "karpenter" },
                replicas: 2,
                serviceAccount: { create: true, name: "karpenter" },
                settings: { clusterName: "acme-prod", interruptionQueue: "acme-prod-karpenter" },
                tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }],
            },
            version: "1.14.1",
        });
        assert.deepStrictEqual(
            controller().dependsOn,
            ["crd", "controller-role", "controller-policy", "controller-association"].map((n) => urn(`platform-cluster-karpenter-${n}`)),
        );
        assert.deepStrictEqual(the("platform-cluster-karpenter-nodeclass"), {
            apiVersion: "karpenter.k8s.aws/v1",
            kind: "EC2NodeClass",
            metadata: { name: "default" },
            spec: {
                amiSelectorTerms: [{ alias: "al2023@v20260714" }],
                blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { deleteOnTermination: true, encrypted: true, kmsKeyID: EBS_KEY, volumeSize: "50Gi", volumeType: "gp3" } }],
                metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
                role: "platform-cluster-node-role",
                securityGroupSelectorTerms: [{ tags: { "aws:eks:cluster-name": "acme-prod" } }],
                subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "acme-prod" } }],
                tags: { "platform.io/provisioner": "karpenter" },
            },
        });
        assert.deepStrictEqual(res("platform-cluster-karpenter-nodeclass").dependsOn, [controller().urn]);
        assert.deepStrictEqual(the("platform-cluster-karpenter-nodepool"), {
            apiVersion: "karpenter.sh/v1",
            kind: "NodePool",
            metadata: { name: "default" },
            spec: {
                disruption: { budgets: [{ nodes: "10%" }], consolidateAfter: "15m", consolidationPolicy: "WhenEmptyOrUnderutilized" },
                limits: { cpu: "512" },
                template: {
                    metadata: { labels: { "platform.io/node-role": "workload" } },
                    spec: {
                        expireAfter: "720h",
                        nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
                        requirements: [
                            { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
                            { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
                            { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] },
                            { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["5"] },
                        ],
                        terminationGracePeriod: "2h",
                    },
                },
            },
        });
        assert.deepStrictEqual(res("platform-cluster-karpenter-nodepool").dependsOn, [controller().urn, urn("platform-cluster-karpenter-nodeclass")]);
        // The builders' pool: the same nodes but for their capacity types and limit, tainted NoExecute, emptied only.
        assert.deepStrictEqual(the("platform-cluster-karpenter-builder-nodepool"), {
            apiVersion: "karpenter.sh/v1",
            kind: "NodePool",
            metadata: { name: "builders" },
            spec: {
                disruption: { budgets: [{ nodes: "10%" }], consolidateAfter: "15m", consolidationPolicy: "WhenEmpty" },
                limits: { cpu: "64" },
                template: {
                    metadata: { labels: { "platform.io/node-role": "builder" } },
                    spec: {
                        expireAfter: "720h",
                        nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
                        requirements: [
                            { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
                            { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
                            { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] },
                            { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["5"] },
                        ],
                        taints: [{ key: "platform.io/builder", value: "true", effect: "NoExecute" }],
                        terminationGracePeriod: "2h",
                    },
                },
            },
        });
        assert.deepStrictEqual(res("platform-cluster-karpenter-builder-nodepool").dependsOn, [controller().urn, urn("platform-cluster-karpenter-nodeclass")]);
        assert.deepStrictEqual(
            res("platform-cluster-karpenter-finalizer-cleanup").dependsOn,
            [controller().urn, urn("platform-cluster-karpenter-nodepool"), urn("platform-cluster-karpenter-builder-nodepool"), urn("platform-cluster-karpenter-nodeclass")],
        );
    });
});
