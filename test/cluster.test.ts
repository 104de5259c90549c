import * as assert from "assert";
import { Plan, planStack, PlannedResource, record } from "../plan/engine";
import { WorkloadIdentity } from "../components/cluster/identity";
import { kubeconfig } from "../components/cluster/kubeconfig";
import { planAddons, vpcCniConfiguration } from "../components/cluster/addons";
import { nodeGroupScheduling, nodeVolumeDevice, NodeGroupSpec } from "../components/cluster/node-group";
import { KARPENTER_UNSCOPED_READ_ACTIONS } from "../components/cluster/karpenter-policies";
import { ec2NodeClassSpec, karpenterValues } from "../components/cluster/karpenter";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { assertLeastPrivilege, idOf, inputs, named, ofType, within } from "./helpers";
import { committedPlan } from "./plans";

const stackCluster = (stack: string) => JSON.parse(readStackConfig(PROJECT_DIR, stack).config["platform:cluster"]);

describe("cluster: pure decisions", () => {
    it("kubeconfig authenticates with aws eks get-token for the cluster and region, no static credentials", () => {
        const cfg = kubeconfig({ clusterName: "c1", endpoint: "https://x", certificateAuthority: "Q0E=", region: "eu-west-1" }) as any;
        assert.strictEqual(cfg.clusters[0].cluster.server, "https://x");
        assert.strictEqual(cfg.clusters[0].cluster["certificate-authority-data"], "Q0E=");
        const exec = cfg.users[0].user.exec;
        assert.deepStrictEqual([exec.command, ...exec.args], ["aws", "eks", "get-token", "--cluster-name", "c1", "--region", "eu-west-1", "--output", "json"]);
        assert.strictEqual(cfg.users[0].user.token, undefined);
    });

    it("configures the VPC CNI: network policies always, prefix delegation with one warm /28 when pods take prefixes", () => {
        assert.deepStrictEqual(vpcCniConfiguration("SecondaryIps"), { enableNetworkPolicy: "true" });
        assert.deepStrictEqual(vpcCniConfiguration("Prefixes"), { enableNetworkPolicy: "true", env: { ENABLE_PREFIX_DELEGATION: "true", WARM_PREFIX_TARGET: "1" } });
        const cni = planAddons({ vpcCni: "a", coredns: "b", kubeProxy: "c", podIdentityAgent: "d", ebsCsiDriver: "e", snapshotController: "f" }, "Prefixes").find((p) => p.addonName === "vpc-cni");
        assert.deepStrictEqual(cni?.configuration, { enableNetworkPolicy: "true", env: { ENABLE_PREFIX_DELEGATION: "true", WARM_PREFIX_TARGET: "1" } });
    });

    it("installs networking and identity add-ons before nodes, the rest after", () => {
        const plan = planAddons({ vpcCni: "a", coredns: "b", kubeProxy: "c", podIdentityAgent: "d", ebsCsiDriver: "e", snapshotController: "f" }, "SecondaryIps");
        const phase = Object.fromEntries(plan.map((p) => [p.addonName, p.phase]));
        assert.deepStrictEqual(phase, {
            "eks-pod-identity-agent": "beforeNodes", "vpc-cni": "beforeNodes", "kube-proxy": "beforeNodes",
            coredns: "afterNodes", "aws-ebs-csi-driver": "afterNodes", "snapshot-controller": "alongside",
        });
        assert.deepStrictEqual(plan.filter((p) => p.identity).map((p) => [p.addonName, p.identity!.serviceAccount]), [
            ["vpc-cni", "aws-node"],
            ["aws-ebs-csi-driver", "ebs-csi-controller-sa"],
        ]);
    });

    const spec: NodeGroupSpec = {
        name: "g", role: "System", capacityType: "ON_DEMAND", instanceTypes: ["m7i.large"], amiType: "AL2023_x86_64_STANDARD",
        minSize: 1, desiredSize: 1, maxSize: 2, diskSizeGiB: 50, labels: { team: "x" }, taints: [], maxUnavailablePercent: 33,
    };
    it("taints and labels System groups, leaves workload groups schedulable", () => {
        assert.deepStrictEqual(nodeGroupScheduling(spec), {
            labels: { team: "x", "platform.io/node-role": "system" },
            taints: [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }],
        });
        assert.deepStrictEqual(nodeGroupScheduling({ ...spec, role: "Workload" }).taints, []);
    });
    it("encrypts the volume that holds images: root on AL2023, data on Bottlerocket", () => {
        assert.strictEqual(nodeVolumeDevice("AL2023_x86_64_STANDARD"), "/dev/xvda");
        assert.strictEqual(nodeVolumeDevice("BOTTLEROCKET_ARM_64"), "/dev/xvdb");
    });
    it("keeps Karpenter on System nodes with the stack's replicas and requests, memory limited to its request, and a PDB", () => {
        const v = karpenterValues("c1", "c1-karpenter", { replicas: 1, requests: { cpu: "250m", memory: "768Mi" } });
        assert.deepStrictEqual(v.settings, { clusterName: "c1", interruptionQueue: "c1-karpenter" });
        assert.deepStrictEqual([v.replicas, v.podDisruptionBudget.maxUnavailable, v.nodeSelector?.["platform.io/node-role"], v.tolerations], [1, 1, "system", [{ key: "CriticalAddonsOnly", operator: "Exists" }]]);
        assert.deepStrictEqual(v.controller.resources, { requests: { cpu: "250m", memory: "768Mi" }, limits: { memory: "768Mi" } });
        assert.ok(!("annotations" in v.serviceAccount), "Pod Identity: no IRSA annotation");
    });
    it("points Karpenter's node class at the family's AMI alias and image volume", () => {
        const args = { clusterName: "c1", nodeRoleName: "r", ebsKmsKeyArn: "k" };
        const br = ec2NodeClassSpec({ ...args, amiFamily: "bottlerocket", amiVersion: "v1.50.0" });
        assert.deepStrictEqual([br.amiSelectorTerms[0].alias, br.blockDeviceMappings[0].deviceName], ["bottlerocket@v1.50.0", "/dev/xvdb"]);
        const al = ec2NodeClassSpec({ ...args, amiFamily: "al2023", amiVersion: "latest" });
        assert.deepStrictEqual([al.amiSelectorTerms[0].alias, al.blockDeviceMappings[0].deviceName, al.blockDeviceMappings[0].ebs.kmsKeyID], ["al2023@latest", "/dev/xvda", "k"]);
        // Only the fields the karpenter.k8s.aws/v1 CRD has (no instanceMetadataTags).
        assert.deepStrictEqual(Object.keys(al.metadataOptions).sort(), ["httpEndpoint", "httpProtocolIPv6", "httpPutResponseHopLimit", "httpTokens"]);
    });
});

describe("cluster: workload identity helper", () => {
    const cluster = { name: "c1", arn: "arn:aws:eks:eu-west-1:123456789012:cluster/c1", accountId: "123456789012", oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC", oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC" };
    const policy = { Version: "2012-10-17" as const, Statement: [{ Effect: "Allow" as const, Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }] };

    it("defaults to Pod Identity: trust pods.eks.amazonaws.com for this cluster's one service account (session tags), and associates it", async () => {
        const { resources } = await record({ project: "p", stack: "t" }, () => {
            new WorkloadIdentity("wi", { cluster, namespace: "ns", serviceAccount: "sa", policy });
        });
        const trust = JSON.parse(inputs(named(resources, "wi-role")).assumeRolePolicy);
        assert.deepStrictEqual(trust.Statement[0].Principal, { Service: "pods.eks.amazonaws.com" });
        assert.deepStrictEqual(trust.Statement[0].Action, ["sts:AssumeRole", "sts:TagSession"]);
        // EKS's documented form: the session tags it sets, not aws:SourceArn (which EKS does not set to the cluster).
        assert.deepStrictEqual(trust.Statement[0].Condition, {
            StringEquals: {
                "aws:SourceAccount": "123456789012",
                "aws:RequestTag/eks-cluster-arn": "arn:aws:eks:eu-west-1:123456789012:cluster/c1",
                "aws:RequestTag/kubernetes-namespace": "ns",
                "aws:RequestTag/kubernetes-service-account": "sa",
            },
        });
        const assoc = named(resources, "wi-association");
        assert.deepStrictEqual([inputs(assoc).namespace, inputs(assoc).serviceAccount, inputs(assoc).clusterName], ["ns", "sa", "c1"]);
        assert.deepStrictEqual(JSON.parse(inputs(named(resources, "wi-policy")).policy), policy);
    });

    it("IRSA when asked: only that service account, audience sts, no association", async () => {
        const { resources } = await record({ project: "p", stack: "t" }, () => {
            new WorkloadIdentity("wi", { cluster, namespace: "ns", serviceAccount: "sa", policy, mode: "Irsa" });
        });
        const st = JSON.parse(inputs(named(resources, "wi-role")).assumeRolePolicy).Statement[0];
        assert.strictEqual(st.Principal.Federated, cluster.oidcProviderArn);
        assert.strictEqual(st.Action, "sts:AssumeRoleWithWebIdentity");
        assert.deepStrictEqual(st.Condition.StringEquals, {
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:ns:sa",
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
        });
        assert.strictEqual(ofType(resources, "aws:eks/podIdentityAssociation:PodIdentityAssociation").length, 0);
    });
});

const expectations = {
    dev: { groups: { system: "ON_DEMAND" }, public: true, cidrs: ["0.0.0.0/0"], protect: false, logs: 3, admins: 3, viewers: 1, karpenterCapacity: ["spot"], amiAlias: "al2023@latest", terminationGracePeriod: "1h" },
    prod: { groups: { system: "ON_DEMAND" }, public: true, cidrs: ["198.51.100.0/24", "203.0.113.10/32"], protect: true, logs: 5, admins: 3, viewers: 1, karpenterCapacity: ["on-demand"], amiAlias: "al2023@v20260714", terminationGracePeriod: "2h" },
} as const;

for (const stack of ["dev", "prod"] as const) {
    describe(`cluster in stack ${stack} @stack`, () => {
        const want = expectations[stack];
        const cfg = stackCluster(stack);
        let plan: Plan;
        let res: PlannedResource[];
        before(async () => {
            plan = await committedPlan(stack);
            res = within(plan.resources, "platform-cluster"); // this layer only
        });
        const eks = () => ofType(res, "aws:eks/cluster:Cluster")[0];

        it("lets only this account use the EBS key, through EC2, naming no principal that may not exist yet", () => {
            const account = stack === "dev" ? "111111111111" : "222222222222";
            const policy = JSON.parse(inputs(named(res, "platform-cluster-ebs-key")).policy);
            const principals = policy.Statement.map((st: any) => st.Principal.AWS);
            assert.deepStrictEqual(principals, [`arn:aws:iam::${account}:root`, "*", "*"]);
            const throughEc2 = { "kms:CallerAccount": account, "kms:ViaService": "ec2.eu-west-1.amazonaws.com" };
            assert.deepStrictEqual(policy.Statement[1].Condition, { StringEquals: throughEc2 });
            assert.deepStrictEqual(policy.Statement[2].Condition, { StringEquals: throughEc2, Bool: { "kms:GrantIsForAWSResource": "true" } });
            assert.strictEqual(policy.Statement[2].Action, "kms:CreateGrant");
        });

        it("pins the Kubernetes version, API auth mode, standard support and its own service CIDR", () => {
            const i = inputs(eks());
            assert.strictEqual(i.version, "1.36");
            assert.strictEqual(i.name, `acme-${stack}`);
            assert.deepStrictEqual(i.accessConfig, { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
            assert.deepStrictEqual(i.upgradePolicy, { supportType: "STANDARD" });
            assert.strictEqual(i.kubernetesNetworkConfig.serviceIpv4Cidr, "172.20.0.0/16");
            assert.strictEqual(i.bootstrapSelfManagedAddons, false);
            assert.deepStrictEqual(i.vpcConfig.subnetIds, ["a", "b", "c"].slice(0, stack === "dev" ? 2 : 3).map((z) => idOf(`platform-network-private-eu-west-1${z}`)));
        });

        it("encrypts secrets with a rotating customer key usable only by the account and the cluster role", () => {
            const key = named(res, "platform-cluster-secrets-key");
            assert.strictEqual(inputs(key).enableKeyRotation, true);
            assert.deepStrictEqual(inputs(eks()).encryptionConfig, { provider: { keyArn: "arn:aws:kms:eu-west-1:" + (stack === "dev" ? "111111111111" : "222222222222") + ":key/platform-cluster-secrets-key" }, resources: ["secrets"] });
            const principals = JSON.parse(inputs(key).policy).Statement.map((s: any) => s.Principal.AWS);
            const account = stack === "dev" ? "111111111111" : "222222222222";
            assert.deepStrictEqual(principals, [`arn:aws:iam::${account}:root`, `arn:aws:iam::${account}:role/platform-cluster-role`]);
            assert.strictEqual(named(res, "platform-cluster-secrets-key-alias").inputs.name, `alias/acme-${stack}-secrets`);
        });

        it(`logs ${want.logs} control-plane streams into a group with bounded retention`, () => {
            assert.strictEqual(inputs(eks()).enabledClusterLogTypes.length, want.logs);
            for (const t of ["api", "audit", "authenticator"]) assert.ok(inputs(eks()).enabledClusterLogTypes.includes(t));
            const group = named(res, "platform-cluster-control-plane-logs");
            assert.strictEqual(inputs(group).name, `/aws/eks/acme-${stack}/cluster`);
            assert.strictEqual(inputs(group).retentionInDays, cfg.logRetentionDays);
            assert.ok(eks().dependsOn.includes(group.urn), "the group exists before EKS writes to it");
        });

        it("sets endpoint access from config", () => {
            const v = inputs(eks()).vpcConfig;
            assert.deepStrictEqual([v.endpointPrivateAccess, v.endpointPublicAccess, v.publicAccessCidrs], [true, want.public, want.cidrs]);
        });

        it(`is ${want.protect ? "" : "not "}protected, deletion protection ${cfg.deletionProtection}`, () => {
            assert.strictEqual(eks().protect, want.protect);
            assert.strictEqual(inputs(eks()).deletionProtection, cfg.deletionProtection);
            assert.strictEqual(named(res, "platform-cluster-secrets-key").retainOnDelete, want.protect);
        });

        it("grants admins the cluster-admin policy and viewers the view policy via access entries", () => {
            const assoc = ofType(res, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").map((a) => [inputs(a).principalArn, inputs(a).policyArn, inputs(a).accessScope.type]);
            assert.deepStrictEqual(assoc, [
                ...cfg.admins.map((p: string) => [p, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", "cluster"]),
                ...cfg.viewers.map((p: string) => [p, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", "cluster"]),
            ]);
            assert.strictEqual(ofType(res, "aws:eks/accessEntry:AccessEntry").length, want.admins + want.viewers);
            assert.ok(!res.some((r) => r.type.startsWith("kubernetes:core/v1:ConfigMap") && r.name.includes("aws-auth")), "no aws-auth ConfigMap");
        });

        it("runs each configured node group as one managed group per zone, pinned to that zone's subnet, on an IMDSv2, encrypted, SSH-less launch template", () => {
            const groups = ofType(res, "aws:eks/nodeGroup:NodeGroup");
            const zones = ["a", "b", "c"].slice(0, stack === "dev" ? 2 : 3).map((z) => `eu-west-1${z}`);
            const expected = Object.entries(want.groups).flatMap(([group, capacity]) => zones.map((z) => [`${group}-${z}`, capacity]));
            assert.deepStrictEqual(groups.map((g) => [inputs(g).nodeGroupNamePrefix.slice(0, -1), inputs(g).capacityType]).sort(), expected.sort());
            const templates = ofType(res, "aws:ec2/launchTemplate:LaunchTemplate");
            assert.strictEqual(templates.length, cfg.nodeGroups.length, "one launch template per configured group");
            for (const g of groups) {
                const zone = zones.find((z) => inputs(g).nodeGroupNamePrefix.endsWith(`-${z}-`))!;
                assert.deepStrictEqual(inputs(g).subnetIds, [idOf(`platform-network-private-${zone}`)], g.name);
                const spec = cfg.nodeGroups.find((n: any) => `${n.name}-${zone}-` === inputs(g).nodeGroupNamePrefix);
                assert.deepStrictEqual(inputs(g).scalingConfig, { minSize: spec.minSize, desiredSize: spec.desiredSize, maxSize: spec.maxSize });
                assert.deepStrictEqual(inputs(g).instanceTypes, spec.instanceTypes);
                assert.strictEqual(inputs(g).remoteAccess, undefined, "no SSH");
                assert.deepStrictEqual(g.ignoreChanges, ["scalingConfig.desiredSize"]);
                assert.strictEqual(inputs(g).version, "1.36");
                assert.ok(templates.some((lt) => inputs(g).launchTemplate.id === idOf(lt.name)), `${g.name} runs on a launch template`);
            }
            for (const lt of templates) {
                assert.deepStrictEqual(inputs(lt).metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" });
                const ebs = inputs(lt).blockDeviceMappings[0].ebs;
                assert.deepStrictEqual([ebs.volumeType, ebs.encrypted, ebs.kmsKeyId], ["gp3", "true", `arn:aws:kms:eu-west-1:${stack === "dev" ? "111111111111" : "222222222222"}:key/platform-cluster-ebs-key`]);
                assert.strictEqual(inputs(lt).keyName, undefined, "no SSH key");
            }
            const system = groups.filter((g) => inputs(g).nodeGroupNamePrefix.startsWith("system-"));
            assert.strictEqual(system.length, zones.length);
            for (const g of system) {
                assert.deepStrictEqual(inputs(g).taints, [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }]);
                // Karpenter's nodeSelector finds the System nodes by this label.
                assert.strictEqual(inputs(g).labels["platform.io/node-role"], "system");
            }
            for (const g of groups) assert.deepStrictEqual(inputs(g).nodeRepairConfig, { enabled: cfg.nodeRepair });
        });

        it("gives nodes only the managed policies they need (CNI permissions live on the CNI's own role)", () => {
            const attached = ofType(res, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                .filter((a) => a.name.startsWith("platform-cluster-node-"))
                .map((a) => inputs(a).policyArn.split("/").pop())
                .sort();
            assert.deepStrictEqual(attached, ["AmazonEC2ContainerRegistryPullOnly", "AmazonEKSWorkerNodePolicy", "AmazonSSMManagedInstanceCore"]);
        });

        it("installs the six managed add-ons at the pinned versions, ordered around the node groups", () => {
            const addons: Record<string, PlannedResource> = Object.fromEntries(ofType(res, "aws:eks/addon:Addon").map((a) => [inputs(a).addonName, a]));
            assert.deepStrictEqual(
                Object.fromEntries(Object.entries(addons).map(([n, a]) => [n, inputs(a).addonVersion])),
                {
                    "eks-pod-identity-agent": cfg.addons.podIdentityAgent, "vpc-cni": cfg.addons.vpcCni, "kube-proxy": cfg.addons.kubeProxy,
                    coredns: cfg.addons.coredns, "aws-ebs-csi-driver": cfg.addons.ebsCsiDriver, "snapshot-controller": cfg.addons.snapshotController,
                },
            );
            // dependsOn a component reaches its children: coredns waits for every managed node group.
            for (const group of ofType(res, "aws:eks/nodeGroup:NodeGroup")) {
                assert.ok(addons.coredns.dependsOn.includes(group.urn), `coredns does not wait for ${group.name}`);
                assert.ok(!addons["vpc-cni"].dependsOn.includes(group.urn));
            }
            for (const ng of res.filter((r) => r.type === "platform:cluster:NodeGroup")) {
                assert.ok(ng.dependsOn.some((u) => u.endsWith("::platform-cluster-addon-vpc-cni")), "nodes wait for the CNI");
            }
            const cni = inputs(addons["vpc-cni"]).podIdentityAssociations;
            assert.deepStrictEqual(cni, [{ roleArn: `arn:aws:iam::${stack === "dev" ? "111111111111" : "222222222222"}:role/platform-cluster-vpc-cni-role`, serviceAccount: "aws-node" }]);
        });

        it("puts every Kubernetes object on the cluster's provider, whose kubeconfig is secret", () => {
            const provider = named(res, "platform-cluster-k8s");
            assert.deepStrictEqual(provider.secretPaths, ["kubeconfig"]);
            assert.strictEqual(inputs(provider).enableServerSideApply, "true");
            const kube = res.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
            assert.ok(kube.length >= 4);
            for (const r of kube) assert.strictEqual(r.provider, provider.urn, r.name);
        });

        it("exports the kubeconfig as a secret", () => {
            assert.ok(plan.secretOutputs.includes("kubeconfig"));
            assert.strictEqual(plan.outputs.kubeconfig, "[secret]");
            assert.strictEqual(plan.outputs.clusterName, `acme-${stack}`);
        });

        it("runs Karpenter from its pinned charts with an interruption queue and a default NodePool", () => {
            const releases = ofType(res, "kubernetes:helm.sh/v3:Release").filter((r) => !inputs(r).chart.startsWith("charts/"));
            assert.deepStrictEqual(releases.map((r) => [inputs(r).chart, inputs(r).version]), [
                ["oci://public.ecr.aws/karpenter/karpenter-crd", cfg.karpenter.chartVersion],
                ["oci://public.ecr.aws/karpenter/karpenter", cfg.karpenter.chartVersion],
            ]);
            assert.strictEqual(inputs(releases[1]).skipCrds, true);
            assert.deepStrictEqual(inputs(releases[1]).values.settings, { clusterName: `acme-${stack}`, interruptionQueue: `acme-${stack}-karpenter` });
            const rules = ofType(res, "aws:cloudwatch/eventRule:EventRule").map((r) => JSON.parse(inputs(r).eventPattern)["detail-type"][0]);
            assert.ok(rules.includes("EC2 Spot Instance Interruption Warning") && rules.includes("AWS Health Event"));
            // Explicit short names: auto-naming the longest rule would exceed EventBridge's 64 characters.
            assert.deepStrictEqual(
                ofType(res, "aws:cloudwatch/eventRule:EventRule").map((r) => inputs(r).name),
                ["health", "spot", "rebalance", "state-change", "capacity-reservation"].map((n) => `acme-${stack}-karpenter-${n}`),
            );
            const targets = ofType(res, "aws:cloudwatch/eventTarget:EventTarget");
            assert.strictEqual(targets.length, 5);
            for (const t of targets) assert.strictEqual(inputs(t).targetId, "karpenter-interruption-queue");
            const pool = ofType(res, "kubernetes:karpenter.sh/v1:NodePool")[0];
            const capacity = inputs(pool).spec.template.spec.requirements.find((r: any) => r.key === "karpenter.sh/capacity-type");
            assert.deepStrictEqual(capacity.values, want.karpenterCapacity);
            assert.strictEqual(inputs(pool).spec.limits.cpu, String(cfg.karpenter.cpuLimit));
            const nodeClass = ofType(res, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")[0];
            assert.deepStrictEqual(inputs(nodeClass).spec.subnetSelectorTerms, [{ tags: { "karpenter.sh/discovery": `acme-${stack}` } }]);
            assert.strictEqual(inputs(nodeClass).spec.metadataOptions.httpTokens, "required");
            // Production pins the AMI release (a new one rolls nodes only on review); dev follows latest.
            assert.deepStrictEqual(inputs(nodeClass).spec.amiSelectorTerms, [{ alias: want.amiAlias }]);
            assert.strictEqual(inputs(pool).spec.template.spec.terminationGracePeriod, want.terminationGracePeriod);
            assert.ok(pool.dependsOn.includes(nodeClass.urn));
        });

        it("builds no Karpenter (queue, charts, node pool) when cluster.karpenter.enabled is false", async () => {
            const off = { ...cfg, karpenter: { ...cfg.karpenter, enabled: false } };
            // Runners need Karpenter capacity: the stack's CI tenants are switched off with it.
            const tenants = JSON.parse(readStackConfig(PROJECT_DIR, stack).config["platform:tenants"]).list.map((t: any) => ({ ...t, ci: { ...t.ci, enabled: false } }));
            const without = await planStack({ stack, configOverrides: { "platform:cluster": off, "platform:tenants": { list: tenants } } });
            assert.strictEqual(without.resources.filter((r) => r.name.includes("karpenter")).length, 0);
            assert.ok(res.filter((r) => r.name.includes("karpenter")).length > 10);
            assert.strictEqual(ofType(without.resources, "aws:eks/nodeGroup:NodeGroup").length, cfg.nodeGroups.length * (stack === "dev" ? 2 : 3));
        });

        it("keeps every identity policy least-privilege (no wildcard actions, resources scoped)", () => {
            const policies = ofType(res, "aws:iam/rolePolicy:RolePolicy");
            assert.ok(policies.length >= 2);
            for (const p of policies) assertLeastPrivilege(JSON.parse(inputs(p).policy), KARPENTER_UNSCOPED_READ_ACTIONS);
            const karpenter = JSON.parse(inputs(named(res, "platform-cluster-karpenter-controller-policy")).policy);
            const passRole = karpenter.Statement.find((s: any) => s.Action === "iam:PassRole");
            assert.strictEqual(passRole.Resource, `arn:aws:iam::${stack === "dev" ? "111111111111" : "222222222222"}:role/platform-cluster-node-role`);
            const terminate = karpenter.Statement.find((s: any) => [s.Action].flat().includes("ec2:TerminateInstances"));
            assert.deepStrictEqual(terminate.Condition.StringEquals, { [`aws:ResourceTag/kubernetes.io/cluster/acme-${stack}`]: "owned" });
        });
    });
}
