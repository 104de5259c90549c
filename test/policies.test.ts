import * as assert from "assert";
import type { Plan, PlannedResource } from "../plan/engine";
import { PROJECT_DIR } from "../plan/engine";
import { listStacks } from "../plan/stack-files";
import type { PolicyResource } from "@pulumi/policy";
import { deletedBefore, deletedBeforeSome, isComponent, jsonProp } from "../policy/rules/support";
import { checkPolicies, renderViolations, Violation } from "../plan/policy-runner";
import { NAME_LIMITS } from "../policy/rules/names";
import { nameLengthPolicy } from "../policy/rules/names";
import { keyPolicyPrincipalsPolicy } from "../policy/rules/key-policies";
import { apiGroup, BUILT_IN_GROUPS, CONTROLLER_OWNERS, controllerDependencyPolicy } from "../policy/rules/controllers";
import { singleDefaultStorageClassPolicy } from "../policy/rules/storage-classes";
import { noGlobalDefaultPriorityClassPolicy } from "../policy/rules/priority-classes";
import { platformPodsOnSystemNodesPolicy } from "../policy/rules/placement";
import { PLATFORM_POLICIES } from "../policy/policies";
import { committedPlan, deployedSet, stacksWithTenants } from "./plans";

/** A planned resource with only what a rule reads; `deps` are all its dependencies. */
function res(type: string, name: string, inputs: Record<string, unknown> = {}, o: { parent?: string; deps?: string[]; provider?: string } = {}): PlannedResource {
    const urn = `urn:pulumi:t::p::${type}::${name}`;
    return {
        urn, key: urn, type, name, custom: !type.startsWith("platform:"), parent: o.parent, provider: o.provider, protect: false, retainOnDelete: false,
        deleteBeforeReplace: false, dependsOn: o.deps ?? [], dependencies: o.deps ?? [], ignoreChanges: [], aliases: [], inputs, secretPaths: [],
    };
}
const run = async (policy: Parameters<typeof checkPolicies>[1], ...resources: PlannedResource[]) => checkPolicies({ resources }, policy);
const messages = (v: Violation[]) => v.map((x) => x.message);

describe("policies: every stack file's plan passes the whole-platform rules @stack", function () {
    this.timeout(60000);
    const stacks = listStacks(PROJECT_DIR);
    // Every Pulumi.*.yaml is checked; the examples the layer tests pin must be among them.
    it("finds every stack file, the committed examples included", () => assert.ok(["dev", "prod"].every((s) => stacks.includes(s)), stacks.join(", ")));
    for (const stack of stacks) {
        describe(`stack ${stack}`, () => {
            let plan: Plan;
            before(async () => {
                plan = await committedPlan(stack);
            });
            it("has no policy violation, in the platform stack or any tenant stack (the pack runs on each)", async () => {
                for (const one of (await deployedSet(stack)).stacks) {
                    const violations = await checkPolicies(one);
                    assert.deepStrictEqual(violations, [], `${one.stack}: ${renderViolations(violations)}`);
                }
            });
            it("has members in every set a rule checks (names, key policies, controller-owned objects, storage classes)", () => {
                const count = (f: (r: PlannedResource) => boolean) => plan.resources.filter(f).length;
                assert.ok(count((r) => r.type in NAME_LIMITS) >= 20);
                assert.ok(count((r) => r.type === "aws:kms/key:Key") >= 3);
                assert.ok(count((r) => CONTROLLER_OWNERS.some((o) => o.groups.includes(apiGroup(r.type) ?? ""))) >= 8);
                assert.ok(count((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass") >= 1);
                // A tenant's Argo CD project: in every stack file that onboards tenants (a new stack starts with none).
                assert.ok(count((r) => r.type === "kubernetes:argoproj.io/v1alpha1:AppProject") >= (stacksWithTenants().includes(stack) ? 1 : 0));
            });
        });
    }
});

describe("policy: AWS name lengths", () => {
    const rule = [nameLengthPolicy];
    it("refuses an auto-name that exceeds the limit once the 8-character suffix is added (the Karpenter rule of 60 characters)", async () => {
        const v = await run(rule, res("aws:cloudwatch/eventRule:EventRule", "platform-cluster-karpenter-capacity-reservation-interruption"));
        assert.match(messages(v)[0], /name can reach 68 characters .*AWS allows 64/);
        assert.strictEqual(v[0].urn, "urn:pulumi:t::p::aws:cloudwatch/eventRule:EventRule::platform-cluster-karpenter-capacity-reservation-interruption");
    });
    it("accepts an auto-name that fits exactly, and checks an explicit name instead of the logical one", async () => {
        assert.deepStrictEqual(await run(rule, res("aws:iam/role:Role", "r".repeat(56))), []);
        assert.strictEqual((await run(rule, res("aws:iam/role:Role", "r".repeat(57)))).length, 1);
        assert.deepStrictEqual(await run(rule, res("aws:cloudwatch/eventRule:EventRule", "x".repeat(80), { name: "short" })), []);
        assert.match(messages(await run(rule, res("aws:lb/targetGroup:TargetGroup", "tg", { name: "t".repeat(33) })))[0], /33 characters .*allows 32/);
    });
    it("keeps Helm release names within Helm's 53 characters, auto-named or given", async () => {
        assert.match(messages(await run(rule, res("kubernetes:helm.sh/v3:Release", "r".repeat(45))))[0], /can reach 54 characters .*allows 53/);
        assert.deepStrictEqual(await run(rule, res("kubernetes:helm.sh/v3:Release", "r".repeat(80), { name: "velero" })), []);
    });

    it("counts the 26 characters Terraform adds to a name prefix", async () => {
        assert.deepStrictEqual(await run(rule, res("aws:eks/nodeGroup:NodeGroup", "ng", { nodeGroupNamePrefix: "p".repeat(37) })), []);
        assert.strictEqual((await run(rule, res("aws:eks/nodeGroup:NodeGroup", "ng", { nodeGroupNamePrefix: "p".repeat(38) }))).length, 1);
    });
    it("says where each name comes from, and leaves a name unknown offline alone", async () => {
        assert.deepStrictEqual(
            messages(
                await run(
                    rule,
                    res("aws:lb/targetGroup:TargetGroup", "tg", { name: "t".repeat(33) }),
                    res("aws:eks/nodeGroup:NodeGroup", "ng", { nodeGroupNamePrefix: "p".repeat(38) }),
                    res("aws:iam/role:Role", "r".repeat(57)),
                    // The engine shows an unknown or secret name as "[unknown]" or "[secret]".
                    res("aws:lb/targetGroup:TargetGroup", "masked", { name: "[unknown]".repeat(5) }),
                ),
            ),
            [
                `aws:lb/targetGroup:TargetGroup name can reach 33 characters (name "${"t".repeat(33)}"); AWS allows 32. Give it a shorter explicit name.`,
                `aws:eks/nodeGroup:NodeGroup name can reach 64 characters (nodeGroupNamePrefix "${"p".repeat(38)}" + 26 generated characters); AWS allows 63. Give it a shorter explicit name.`,
                `aws:iam/role:Role name can reach 65 characters (auto-name "${"r".repeat(57)}" + 8 random characters); AWS allows 64. Give it a shorter explicit name.`,
            ],
        );
    });
    it("holds each type to AWS's documented limit, through its name property, its prefix property and its auto-name", async () => {
        // [type, name property, prefix property, AWS's limit, suffix the provider adds to an auto-name (0: not auto-named)]
        const rows: [string, string, string | undefined, number, number][] = [
            ["aws:iam/role:Role", "name", "namePrefix", 64, 8],
            ["aws:iam/policy:Policy", "name", "namePrefix", 128, 8],
            ["aws:iam/rolePolicy:RolePolicy", "name", "namePrefix", 128, 8],
            ["aws:iam/instanceProfile:InstanceProfile", "name", "namePrefix", 128, 8],
            ["aws:cloudwatch/eventRule:EventRule", "name", "namePrefix", 64, 8],
            ["aws:cloudwatch/eventTarget:EventTarget", "targetId", undefined, 64, 8],
            ["aws:cloudwatch/logGroup:LogGroup", "name", "namePrefix", 512, 8],
            ["aws:sqs/queue:Queue", "name", "namePrefix", 80, 8],
            ["aws:lb/loadBalancer:LoadBalancer", "name", "namePrefix", 32, 8],
            ["aws:lb/targetGroup:TargetGroup", "name", "namePrefix", 32, 8],
            ["aws:rds/instance:Instance", "identifier", "identifierPrefix", 63, 7],
            ["aws:rds/subnetGroup:SubnetGroup", "name", "namePrefix", 255, 8],
            ["aws:rds/parameterGroup:ParameterGroup", "name", "namePrefix", 255, 8],
            ["aws:s3/bucket:Bucket", "bucket", "bucketPrefix", 63, 8],
            ["aws:s3/bucketV2:BucketV2", "bucket", "bucketPrefix", 63, 8],
            ["aws:kms/alias:Alias", "name", "namePrefix", 256, 0],
            ["aws:route53/zone:Zone", "name", undefined, 1024, 8],
            ["aws:eks/cluster:Cluster", "name", undefined, 100, 8],
            ["aws:eks/nodeGroup:NodeGroup", "nodeGroupName", "nodeGroupNamePrefix", 63, 8],
            ["aws:efs/fileSystem:FileSystem", "creationToken", undefined, 64, 8],
            ["aws:ec2/launchTemplate:LaunchTemplate", "name", "namePrefix", 128, 8],
            ["aws:ec2/securityGroup:SecurityGroup", "name", "namePrefix", 255, 8],
            ["aws:secretsmanager/secret:Secret", "name", "namePrefix", 512, 8],
            ["aws:ecr/repository:Repository", "name", undefined, 256, 8],
            ["aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "ecrRepositoryPrefix", undefined, 30, 0],
            ["aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate", "prefix", undefined, 30, 0],
            ["kubernetes:helm.sh/v3:Release", "name", undefined, 53, 9],
        ];
        assert.deepStrictEqual(Object.keys(NAME_LIMITS).sort(), rows.map((r) => r[0]).sort());
        const refused = async (type: string, name: string, inputs: Record<string, unknown>) => (await run(rule, res(type, name, inputs))).length === 1;
        for (const [type, property, prefix, max, suffix] of rows) {
            assert.deepStrictEqual([await refused(type, "n", { [property]: "x".repeat(max) }), await refused(type, "n", { [property]: "x".repeat(max + 1) })], [false, true], `${type} ${property}`);
            if (prefix) assert.deepStrictEqual([await refused(type, "n", { [prefix]: "x".repeat(max - 26) }), await refused(type, "n", { [prefix]: "x".repeat(max - 25) })], [false, true], `${type} ${prefix}`);
            const longest = suffix > 0 ? max - suffix : max + 100;
            assert.deepStrictEqual([await refused(type, "x".repeat(longest), {}), await refused(type, "x".repeat(longest + 1), {})], [false, suffix > 0], `${type} auto-name`);
        }
    });
    it("refuses an AWS type with no row in the table, so a new layer states its limit", async () => {
        assert.match(messages(await run(rule, res("aws:mq/broker:Broker", "b")))[0], /no row in NAME_LIMITS/);
        assert.deepStrictEqual(await run(rule, res("aws:ec2/route:Route", "r"), res("kubernetes:core/v1:Namespace", "n")), []);
        // Nameless types a layer may add: an egress rule (an id) and a Route 53 record (named by its zone's domain).
        assert.deepStrictEqual(await run(rule, res("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "e"), res("aws:route53/record:Record", "ns")), []);
    });
});

describe("policy: KMS key policy principals", () => {
    const rule = [keyPolicyPrincipalsPolicy];
    const key = (statements: object[], deps: string[] = []) => res("aws:kms/key:Key", "k", { policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) }, { deps });
    const allow = (principal: unknown, condition?: object) => ({ Sid: "S", Effect: "Allow", Principal: principal, Action: "kms:Decrypt", Resource: "*", Condition: condition });
    const slr = "arn:aws:iam::111111111111:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";
    it("refuses a service-linked role (absent on a fresh account)", async () => {
        assert.match(messages(await run(rule, key([allow({ AWS: slr })])))[0], /service-linked role .* exists only once/);
    });
    it("refuses '*' unless kms:CallerAccount limits it to the account", async () => {
        assert.match(messages(await run(rule, key([allow({ AWS: "*" })])))[0], /kms:CallerAccount/);
        assert.match(messages(await run(rule, key([allow("*")])))[0], /kms:CallerAccount/);
        const root = allow({ AWS: "arn:aws:iam::111111111111:root" });
        assert.deepStrictEqual(await run(rule, key([root, allow({ AWS: "*" }, { StringEquals: { "kms:CallerAccount": "111111111111" } })])), []);
    });
    it("accepts the account root and roles the key waits for, refuses roles it does not", async () => {
        const role = res("aws:iam/role:Role", "cluster-role");
        const arn = "arn:aws:iam::111111111111:role/cluster-role";
        assert.deepStrictEqual(await run(rule, role, key([allow({ AWS: ["arn:aws:iam::111111111111:root", arn] })], [role.urn])), []);
        assert.match(messages(await run(rule, role, key([allow({ AWS: arn })])))[0], /neither the account/);
        const named = res("aws:iam/role:Role", "r2", { name: "Admin", path: "/team/" });
        assert.deepStrictEqual(await run(rule, named, key([allow({ AWS: "arn:aws:iam::111111111111:role/team/Admin" })], [named.urn])), []);
    });
    it("ignores Deny statements and service principals", async () => {
        assert.deepStrictEqual(await run(rule, key([{ ...allow({ AWS: slr }), Effect: "Deny" }, allow({ Service: "logs.amazonaws.com" })])), []);
    });
    it("accepts a bare account id, and refuses look-alikes of one", async () => {
        assert.deepStrictEqual(await run(rule, key([allow({ AWS: "111111111111" })])), []);
        const { Sid, ...noSid } = allow({ AWS: ["1111111111112", "x111111111111", "11111111111"] });
        assert.strictEqual(Sid, "S");
        assert.deepStrictEqual(messages(await run(rule, key([noSid]))), [
            'key policy statement (no Sid): 1111111111112 is neither the account, "*" limited by kms:CallerAccount, nor a role this program creates before the key',
            'key policy statement (no Sid): x111111111111 is neither the account, "*" limited by kms:CallerAccount, nor a role this program creates before the key',
            'key policy statement (no Sid): 11111111111 is neither the account, "*" limited by kms:CallerAccount, nor a role this program creates before the key',
        ]);
    });
    it("reads the account root and roles only as whole ARNs", async () => {
        const role = res("aws:iam/role:Role", "r", { name: "Admin" });
        const refused = (arn: string) => `key policy statement S: ${arn} is neither the account, "*" limited by kms:CallerAccount, nor a role this program creates before the key`;
        const principals = ["arn:aws:iam::111111111111:rootx", "x-arn:aws:iam::111111111111:root", "x-arn:aws:iam::111111111111:role/Admin", "arn:aws:iam::111111111111:role/Admin/"];
        assert.deepStrictEqual(messages(await run(rule, role, key([allow({ AWS: principals })], [role.urn]))), principals.map(refused));
        assert.deepStrictEqual(messages(await run(rule, role, key([allow({ AWS: ["arn:aws-cn:iam::111111111111:root", "arn:aws:iam::111111111111:role/Admin"] })], [role.urn]))), []);
    });
    it("refuses '*' when any kms:CallerAccount is another account, and reads a bare '*' principal as everyone", async () => {
        const root = allow({ AWS: "arn:aws:iam::111111111111:root" });
        assert.deepStrictEqual(messages(await run(rule, key([root, allow({ AWS: "*" }, { StringEquals: { "kms:CallerAccount": ["111111111111", "999999999999"] } })]))), [
            `key policy statement S: "*" limited to kms:CallerAccount 111111111111, 999999999999, not this key's account 111111111111`,
        ]);
        assert.deepStrictEqual(messages(await run(rule, key([root, allow("*", { StringEquals: { "kms:CallerAccount": "111111111111" } })]))), []);
    });
    it("matches a role created first by both path and name, and only roles count", async () => {
        const teamAdmin = res("aws:iam/role:Role", "r2", { name: "Admin", path: "/team/" });
        const user = res("aws:iam/user:User", "Admin");
        const refused = (arn: string) => `key policy statement S: ${arn} is neither the account, "*" limited by kms:CallerAccount, nor a role this program creates before the key`;
        // Same name, another path; same path, another name; a user of the role's name.
        assert.deepStrictEqual(messages(await run(rule, teamAdmin, key([allow({ AWS: "arn:aws:iam::111111111111:role/Admin" })], [teamAdmin.urn]))), [refused("arn:aws:iam::111111111111:role/Admin")]);
        assert.deepStrictEqual(messages(await run(rule, teamAdmin, key([allow({ AWS: "arn:aws:iam::111111111111:role/team/Other" })], [teamAdmin.urn]))), [refused("arn:aws:iam::111111111111:role/team/Other")]);
        assert.deepStrictEqual(messages(await run(rule, user, key([allow({ AWS: "arn:aws:iam::111111111111:role/Admin" })], [user.urn]))), [refused("arn:aws:iam::111111111111:role/Admin")]);
    });
    it("takes the account only from a provider pinned to exactly one, and skips keys without a policy", async () => {
        const limited = allow({ AWS: "*" }, { StringEquals: { "kms:CallerAccount": "111111111111" } });
        const provider = (ids: unknown) => res("pulumi:providers:aws", "aws", { allowedAccountIds: JSON.stringify(ids) });
        assert.deepStrictEqual(messages(await run(rule, provider(["111111111111", "222222222222"]), key([limited]))), [
            `key policy statement S: "*" limited to kms:CallerAccount 111111111111, but the key's account is not known to check it`,
        ]);
        assert.deepStrictEqual(messages(await run(rule, provider(["111111111111"]), key([limited]))), []);
        assert.deepStrictEqual(messages(await run(rule, res("aws:kms/key:Key", "k", {}))), []);
    });
    it("reads a pinned account only as a string, and names every caller account it cannot check", async () => {
        const provider = (ids: unknown) => res("pulumi:providers:aws", "aws", { allowedAccountIds: JSON.stringify(ids) });
        const two = allow({ AWS: "*" }, { StringEquals: { "kms:CallerAccount": ["111111111111", "222222222222"] } });
        assert.deepStrictEqual(messages(await run(rule, provider([111111111111]), key([two]))), [
            `key policy statement S: "*" limited to kms:CallerAccount 111111111111, 222222222222, but the key's account is not known to check it`,
        ]);
        // Another type's allowedAccountIds is not the provider's.
        const lookalike = res("aws:s3/bucket:Bucket", "b", { allowedAccountIds: JSON.stringify(["111111111111"]) });
        assert.strictEqual(messages(await run(rule, lookalike, key([allow({ AWS: "*" }, { StringEquals: { "kms:CallerAccount": "111111111111" } })]))).length, 1);
    });
    it("takes the key's account from a root named after a role, and reads roles in every partition", async () => {
        const role = res("aws:iam/role:Role", "r", { name: "Admin" });
        const statements = [allow({ AWS: ["arn:aws:iam::111111111111:role/Admin", "arn:aws:iam::111111111111:root"] }), allow({ AWS: "*" }, { StringEquals: { "kms:CallerAccount": "111111111111" } })];
        assert.deepStrictEqual(messages(await run(rule, role, key(statements, [role.urn]))), []);
        assert.deepStrictEqual(messages(await run(rule, role, key([allow({ AWS: "arn:aws-us-gov:iam::111111111111:role/Admin" })], [role.urn]))), []);
    });
    it("reads only key policies: a bucket policy's principals are not its business", async () => {
        const bucketPolicy = res("aws:s3/bucketPolicy:BucketPolicy", "bp", { policy: JSON.stringify({ Statement: [allow({ AWS: "arn:aws:iam::111111111111:role/Later" })] }) });
        assert.deepStrictEqual(await run(rule, bucketPolicy), []);
    });
});

describe("policy: custom resources depend on their controller", () => {
    const rule = [controllerDependencyPolicy];
    const envoy = res("kubernetes:helm.sh/v3:Release", "envoy", { chart: "oci://docker.io/envoyproxy/gateway-helm" });
    const gatewayClass = (o: { parent?: string; deps?: string[] }) => res("kubernetes:gateway.networking.k8s.io/v1:GatewayClass", "gc", {}, o);
    it("refuses a GatewayClass that does not depend on the Envoy Gateway release (the destroy-time finalizer race)", async () => {
        assert.match(messages(await run(rule, envoy, gatewayClass({})))[0], /GatewayClass gc does not depend on Envoy Gateway/);
    });
    it("accepts a dependency that is direct, through another resource, through a parent, or on a component holding the release", async () => {
        assert.deepStrictEqual(await run(rule, envoy, gatewayClass({ deps: [envoy.urn] })), []);
        const proxy = res("kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy", "proxy", {}, { deps: [envoy.urn] });
        assert.deepStrictEqual(await run(rule, envoy, proxy, gatewayClass({ deps: [proxy.urn] })), []);
        const parent = res("platform:x:Layer", "layer", {}, { deps: [envoy.urn] });
        assert.deepStrictEqual(await run(rule, envoy, parent, gatewayClass({ parent: parent.urn })), []);
        const holder = res("platform:ingress:Ingress", "ingress");
        const inside = res("kubernetes:helm.sh/v3:Release", "envoy2", { chart: "oci://docker.io/envoyproxy/gateway-helm" }, { parent: holder.urn });
        assert.deepStrictEqual(await run(rule, holder, inside, gatewayClass({ deps: [holder.urn] })), []);
    });
    it("refuses a custom resource whose only dependency is something other than its controller", async () => {
        const namespace = res("kubernetes:core/v1:Namespace", "ns");
        assert.deepStrictEqual(messages(await run(rule, envoy, namespace, gatewayClass({ deps: [namespace.urn] }))), [
            "kubernetes:gateway.networking.k8s.io/v1:GatewayClass gc does not depend on Envoy Gateway (chart gateway-helm): on destroy the controller can go first and its finalizers never clear",
        ]);
    });
    it("does not count a sibling under the same parent as a dependency", async () => {
        const holder = res("platform:ingress:Ingress", "ingress");
        const inside = res("kubernetes:helm.sh/v3:Release", "envoy2", { chart: "oci://docker.io/envoyproxy/gateway-helm" }, { parent: holder.urn });
        assert.strictEqual((await run(rule, holder, inside, gatewayClass({ parent: holder.urn }))).length, 1);
    });
    it("follows the provider's dependencies (an add-on the Kubernetes provider waits for)", async () => {
        const addon = res("aws:eks/addon:Addon", "snap", { addonName: "snapshot-controller" });
        const provider = res("pulumi:providers:kubernetes", "k8s", {}, { deps: [addon.urn] });
        const cls = res("kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass", "vsc", {}, { provider: provider.urn });
        assert.deepStrictEqual(await run(rule, addon, provider, cls), []);
        assert.strictEqual((await run(rule, addon, res("kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass", "vsc2"))).length, 1);
    });
    it("refuses a custom resource of an API group no controller row claims; ignores built-in groups", async () => {
        assert.match(messages(await run(rule, res("kubernetes:example.io/v1:Widget", "p")))[0], /no controller is known for API group example.io/);
        assert.deepStrictEqual(await run(rule, res("kubernetes:core/v1:Namespace", "n"), res("kubernetes:storage.k8s.io/v1:StorageClass", "s")), []);
    });
});

describe("policy: no globalDefault PriorityClass (the tenants' no-PriorityClass quota would refuse every pod)", () => {
    const rule = [noGlobalDefaultPriorityClassPolicy];
    const pc = (name: string, globalDefault?: boolean) => res("kubernetes:scheduling.k8s.io/v1:PriorityClass", name, { metadata: { name }, value: 1000, ...(globalDefault === undefined ? {} : { globalDefault }) });
    it("accepts PriorityClasses that are not the default", async () => assert.deepStrictEqual(messages(await run(rule, pc("batch"), pc("low", false))), []));
    it("refuses one marked globalDefault, created or rendered by a project chart", async () => {
        assert.deepStrictEqual(messages(await run(rule, pc("everyone", true))), ["PriorityClass everyone: globalDefault would put every pod under the tenants' no-PriorityClass quota"]);
        const release = res("kubernetes:helm.sh/v3:Release", "objects", { chart: "./charts/objects", values: { objects: [{ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "rendered" }, value: 5, globalDefault: true }] } });
        assert.deepStrictEqual(messages(await run(rule, release)), ["objects: renders PriorityClass rendered, globalDefault, which would put every pod under the tenants' no-PriorityClass quota"]);
    });
    it("is in the policy pack", () => assert.ok(PLATFORM_POLICIES.includes(noGlobalDefaultPriorityClassPolicy)));
});

describe("policy: with no untainted managed nodes, every platform pod is on the System nodes", () => {
    const rule = [platformPodsOnSystemNodesPolicy];
    const CAO = [{ key: "CriticalAddonsOnly", operator: "Exists" }];
    const SEL = { "platform.io/node-role": "system" };
    const system = res("aws:eks/nodeGroup:NodeGroup", "ng-system-a", { taints: [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }], labels: SEL });
    const workers = res("aws:eks/nodeGroup:NodeGroup", "ng-workers-a", { taints: [], labels: { "platform.io/node-role": "workload" } });
    const deploy = (name: string, spec: Record<string, unknown>) => res("kubernetes:apps/v1:Deployment", name, { spec: { template: { spec } } });
    it("accepts pods that tolerate the taint and select the label (or require it by node affinity), and DaemonSets anywhere", async () => {
        const keycloak = res("kubernetes:k8s.keycloak.org/v2alpha1:Keycloak", "kc", {
            spec: { scheduling: { tolerations: CAO, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "platform.io/node-role", operator: "In", values: ["system"] }] }] } } } } },
        });
        const ds = res("kubernetes:apps/v1:DaemonSet", "agent", { spec: { template: { spec: {} } } });
        assert.deepStrictEqual(messages(await run(rule, system, deploy("ok", { tolerations: CAO, nodeSelector: SEL }), keycloak, ds)), []);
    });
    it("refuses a pod missing either half, in every kind of template, and names what is missing", async () => {
        const job = res("kubernetes:batch/v1:Job", "init", { spec: { template: { spec: { nodeSelector: SEL } } } });
        const proxy = res("kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy", "proxy", { spec: { provider: { kubernetes: { envoyDeployment: { pod: { tolerations: CAO } } } } } });
        const cleanup = res("kubernetes:helm.sh/v3:Release", "cleanup", { chart: "charts/pre-delete-cleanup", values: { objects: [{ kind: "Job", metadata: { name: "wipe" }, spec: { template: { spec: {} } } }] } });
        // A chart's pod component without the placement (Loki's ingesters), another with it.
        const loki = res("kubernetes:helm.sh/v3:Release", "loki", { chart: "oci://ghcr.io/grafana-community/helm-charts/loki", values: { gateway: { tolerations: CAO, nodeSelector: SEL } } });
        const m = messages(await run(rule, system, job, proxy, cleanup, loki));
        assert.ok(m.includes("init: Job pod does not tolerate CriticalAddonsOnly (no untainted managed nodes: it would land on tenants' Karpenter nodes)"), m.join("\n"));
        assert.ok(m.includes("proxy: Envoy proxy pod does not select platform.io/node-role=system (no untainted managed nodes: it would land on tenants' Karpenter nodes)"), m.join("\n"));
        assert.ok(m.includes("cleanup: Job wipe does not tolerate CriticalAddonsOnly or select platform.io/node-role=system (no untainted managed nodes: it would land on tenants' Karpenter nodes)"), m.join("\n"));
        assert.ok(m.some((x) => x.startsWith("loki: chart loki pod component ingester does not")), m.join("\n"));
        assert.ok(!m.some((x) => x.startsWith("loki: chart loki pod component gateway ")), m.join("\n"));
    });
    it("checks Loki's zone-aware ingesters by their zone's selector, which the chart renders instead of the ingester's", async () => {
        const zone = (nodeSelector: Record<string, string>) => ({ nodeSelector });
        const loki = (zoneA: Record<string, string>) =>
            res("kubernetes:helm.sh/v3:Release", "loki", {
                chart: "oci://ghcr.io/grafana-community/helm-charts/loki",
                values: { ingester: { tolerations: CAO, nodeSelector: SEL, zoneAwareReplication: { enabled: true, zoneA: zone(zoneA), zoneB: zone(SEL), zoneC: zone(SEL) } } },
            });
        const ingesters = async (zoneA: Record<string, string>) => messages(await run(rule, system, loki(zoneA))).filter((m) => m.includes("component ingester"));
        assert.deepStrictEqual(await ingesters({ "topology.kubernetes.io/zone": "eu-west-1a" }), [
            "loki: chart loki pod component ingester.zoneAwareReplication.zoneA does not select platform.io/node-role=system (no untainted managed nodes: it would land on tenants' Karpenter nodes)",
        ]);
        assert.deepStrictEqual(await ingesters({ "topology.kubernetes.io/zone": "eu-west-1a", ...SEL }), []);
    });
    it("takes a chart's global placement where a component's own is empty, as Argo CD's templates do", async () => {
        const argo = (repoServer: Record<string, unknown>) => res("kubernetes:helm.sh/v3:Release", "argocd", { chart: "argo-cd", values: { global: { tolerations: CAO, nodeSelector: SEL }, repoServer } });
        assert.ok(!messages(await run(rule, system, argo({ tolerations: [] }))).some((m) => m.includes("repoServer")));
        // Its own non-empty value replaces global's.
        assert.ok(messages(await run(rule, system, argo({ tolerations: [{ key: "other", operator: "Exists" }] }))).some((m) => m.startsWith("argocd: chart argo-cd pod component repoServer does not tolerate CriticalAddonsOnly")));
    });
    it("asks nothing while an untainted managed group holds the platform's pods (AnyNode), nor of a tenant's pods", async () => {
        assert.deepStrictEqual(messages(await run(rule, system, workers, deploy("anywhere", {}))), []);
        assert.deepStrictEqual(messages(await run(rule, system, deploy("tenant-team-a-builder", {}))), []);
    });
    it("is in the policy pack", () => assert.ok(PLATFORM_POLICIES.includes(platformPodsOnSystemNodesPolicy)));
    describe("on prod's plan @stack", function () {
        this.timeout(60000);
        let plan: Plan;
        before(async () => {
            plan = await committedPlan("prod");
        });
        it("passes as planned, and fails when one chart's placement is removed (Prometheus: no global fallback in its chart)", async () => {
            assert.ok(!plan.resources.some((r) => r.type === "aws:eks/nodeGroup:NodeGroup" && !(r.inputs as any).taints?.length), "prod has an untainted group: the rule would not apply");
            assert.deepStrictEqual(messages(await checkPolicies(plan, rule)), []);
            const stripped = plan.resources.map((r) => {
                if (r.name !== "platform-observability-prometheus-stack") return r;
                const values = JSON.parse(JSON.stringify((r.inputs as any).values));
                delete values.prometheus.prometheusSpec.tolerations;
                delete values.prometheus.prometheusSpec.nodeSelector;
                return { ...r, inputs: { ...r.inputs, values } };
            });
            assert.deepStrictEqual(messages(await checkPolicies({ resources: stripped }, rule)), [
                "platform-observability-prometheus-stack: chart kube-prometheus-stack pod component prometheus.prometheusSpec does not tolerate CriticalAddonsOnly or select platform.io/node-role=system (no untainted managed nodes: it would land on tenants' Karpenter nodes)",
            ]);
        });
    });
});

describe("policy: one default StorageClass", () => {
    const rule = [singleDefaultStorageClassPolicy];
    const cls = (name: string, isDefault: string) =>
        res("kubernetes:storage.k8s.io/v1:StorageClass", name, { metadata: { name, annotations: { "storageclass.kubernetes.io/is-default-class": isDefault } } });
    it("accepts exactly one default", async () => assert.deepStrictEqual(await run(rule, cls("gp3", "true"), cls("efs", "false")), []));
    it("refuses none or two", async () => {
        assert.match(messages(await run(rule, cls("gp3", "false")))[0], /exactly one default StorageClass, found 0/);
        assert.match(messages(await run(rule, cls("gp3", "true"), cls("io2", "true")))[0], /found 2: gp3, io2/);
    });
    it("asks nothing of a stack without StorageClasses, and names no default as none", async () => {
        assert.deepStrictEqual(await run(rule, res("kubernetes:storage.k8s.io/v1:StorageClassPatch", "gp2", { metadata: { name: "gp2" } })).then(messages), [
            "StorageClassPatch of gp2: a class this program does not create may not exist, and patching a missing object fails",
        ]);
        assert.deepStrictEqual(await run(rule).then(messages), []);
        assert.deepStrictEqual(messages(await run(rule, cls("gp3", "false"), res("kubernetes:storage.k8s.io/v1:StorageClass", "bare", {}))), ["expected exactly one default StorageClass, found 0: none"]);
    });
    it("reads a class without annotations as not the default, and names a patch without metadata", async () => {
        const plain = res("kubernetes:storage.k8s.io/v1:StorageClass", "plain", { metadata: { name: "plain" } });
        assert.deepStrictEqual(messages(await run(rule, cls("gp3", "true"), plain)), []);
        assert.deepStrictEqual(messages(await run(rule, cls("gp3", "true"), res("kubernetes:storage.k8s.io/v1:StorageClassPatch", "p", {}))), [
            "StorageClassPatch of undefined: a class this program does not create may not exist, and patching a missing object fails",
        ]);
    });
    it("accepts a patch of a class the program creates", async () => {
        assert.deepStrictEqual(messages(await run(rule, cls("gp3", "true"), res("kubernetes:storage.k8s.io/v1:StorageClassPatch", "gp3-patch", { metadata: { name: "gp3" } }))), []);
    });
    it("refuses a patch of a class the program does not create (EKS's gp2)", async () => {
        const patch = res("kubernetes:storage.k8s.io/v1:StorageClassPatch", "gp2", { metadata: { name: "gp2" } });
        assert.match(messages(await run(rule, cls("gp3", "true"), patch))[0], /StorageClassPatch of gp2/);
    });
});

describe("policy support: reading documents and telling components apart", () => {
    it("reads a JSON document from a string or an object, and nothing else", () => {
        assert.deepStrictEqual(jsonProp('{"Statement":[]}'), { Statement: [] });
        assert.deepStrictEqual(jsonProp({ Statement: [] }), { Statement: [] });
        assert.deepStrictEqual(["null", "1", '"x"', "{", "", null, undefined, 7].map(jsonProp), Array(8).fill(undefined));
        assert.deepStrictEqual(jsonProp("[1]"), [1]);
    });
    it("counts a type as a component unless a provider package owns it", () => {
        const custom = ["aws:s3/bucket:Bucket", "kubernetes:core/v1:Namespace", "random:index/randomPassword:RandomPassword", "vault:index/mount:Mount", "keycloak:index/realm:Realm", "command:local:Command", "pulumi:providers:aws"];
        assert.deepStrictEqual(custom.filter((type) => isComponent({ type } as PolicyResource)), []);
        assert.deepStrictEqual(["platform:platform:Platform", "platform:cluster:WorkloadIdentity", "my-aws:x:Y"].filter((type) => isComponent({ type } as PolicyResource)).length, 3);
    });
});

describe("policy pack: the entry point pulumi preview --policy-pack loads", () => {
    it("serves every platform rule, mandatory, as the pack named platform", () => {
        // Constructing the real PolicyPack starts the server the CLI talks to: a stand-in records the arguments.
        const implementation = require("@pulumi/policy/policy") as { PolicyPack: unknown };
        const real = implementation.PolicyPack;
        const made: unknown[][] = [];
        implementation.PolicyPack = class {
            constructor(...args: unknown[]) {
                made.push(args);
            }
        };
        try {
            const entry = require.resolve("../policy/index");
            delete require.cache[entry];
            require(entry);
        } finally {
            implementation.PolicyPack = real;
        }
        // A plan reloads the program's modules, so the pack's rules are compared by name, not by identity.
        const [[name, args]] = made as [string, { policies: { name: string }[]; enforcementLevel: string }][];
        assert.deepStrictEqual([made.length, name, args.enforcementLevel, args.policies.map((p) => p.name)], [1, "platform", "mandatory", PLATFORM_POLICIES.map((p) => p.name)]);
    });
});

describe("policy support: the destroy order", () => {
    // A small graph written out by hand: r waits for a (which waits for b), for the component c (whose child c1 has
    // its own child c2), and sits under parent p (which waits for q); its provider k waits for the add-on x.
    const node = (type: string, name: string): PolicyResource => ({ urn: `urn:pulumi:t::p::${type}::${name}`, type, name, props: {}, dependencies: [] }) as unknown as PolicyResource;
    const [r, a, b, c, c1, c2, p, q, k, x, lone] = [
        node("kubernetes:v1:ConfigMap", "r"), node("aws:s3/bucket:Bucket", "a"), node("aws:kms/key:Key", "b"), node("platform:x:Layer", "c"),
        node("aws:iam/role:Role", "c1"), node("aws:iam/rolePolicy:RolePolicy", "c2"), node("platform:x:Parent", "p"), node("aws:sqs/queue:Queue", "q"),
        node("pulumi:providers:kubernetes", "k"), node("aws:eks/addon:Addon", "x"), node("aws:ec2/vpc:Vpc", "lone"),
    ];
    Object.assign(r, { dependencies: [a, c], parent: p, provider: k });
    Object.assign(a, { dependencies: [b] });
    Object.assign(c1, { parent: c });
    Object.assign(c2, { parent: c1 });
    Object.assign(p, { dependencies: [q] });
    Object.assign(k, { dependencies: [x] });
    const all = [r, a, b, c, c1, c2, p, q, k, x, lone];
    it("reaches dependencies transitively, a component's descendants at every depth, the parent's and the provider's dependencies", () => {
        assert.deepStrictEqual([...deletedBefore(r, all)].map((n) => n.name).sort(), ["a", "b", "c", "c1", "c2", "k", "q", "x"]);
        assert.deepStrictEqual([...deletedBefore(lone, all)], []);
    });
    it("answers the same question for a predicate: found through each path, not found where nothing matches", () => {
        for (const target of [b, c2, q, x]) assert.strictEqual(deletedBeforeSome(r, all, (n) => n === target), true, target.name);
        assert.strictEqual(deletedBeforeSome(r, all, (n) => n === lone), false);
        assert.strictEqual(deletedBeforeSome(a, all, (n) => n === c), false);
    });
    it("ends on a cycle without counting it as a match", () => {
        const [m, n] = [node("aws:s3/bucket:Bucket", "m"), node("aws:s3/bucket:Bucket", "n")];
        Object.assign(m, { dependencies: [n] });
        Object.assign(n, { dependencies: [m] });
        assert.strictEqual(deletedBeforeSome(m, [m, n], (y) => y.name === "other"), false);
        assert.deepStrictEqual([...deletedBefore(m, [m, n])].map((y) => y.name), ["n", "m"]);
    });
});

describe("policy: which controller owns which API groups", () => {
    it("names each controller and its groups, and finds the resource that runs it", () => {
        // What a rule sees of a resource: its type, name and inputs.
        const pr = (type: string, name: string, props: Record<string, unknown>) => ({ type, name, props }) as unknown as PolicyResource;
        const release = (chart: string) => pr("kubernetes:helm.sh/v3:Release", `r-${chart}`, { chart: `oci://example/charts/${chart}` });
        const table: [string, string[], PolicyResource][] = [
            ["Envoy Gateway (chart gateway-helm)", ["gateway.networking.k8s.io", "gateway.envoyproxy.io"], release("gateway-helm")],
            ["cert-manager (chart cert-manager)", ["cert-manager.io", "acme.cert-manager.io"], release("cert-manager")],
            ["approver-policy (chart cert-manager-approver-policy)", ["policy.cert-manager.io"], release("cert-manager-approver-policy")],
            ["Karpenter (chart karpenter)", ["karpenter.sh", "karpenter.k8s.aws"], release("karpenter")],
            ["Velero (chart velero)", ["velero.io"], release("velero")],
            ["External Secrets (chart external-secrets)", ["external-secrets.io", "generators.external-secrets.io"], release("external-secrets")],
            ["the snapshot-controller add-on", ["snapshot.storage.k8s.io"], pr("aws:eks/addon:Addon", "snap", { addonName: "snapshot-controller" })],
            ["Kyverno (chart kyverno)", ["kyverno.io"], release("kyverno")],
            ["the Prometheus Operator (chart kube-prometheus-stack)", ["monitoring.coreos.com"], release("kube-prometheus-stack")],
            ["Argo CD (chart argo-cd)", ["argoproj.io"], release("argo-cd")],
            ["the runner scale set controller (chart gha-runner-scale-set-controller)", ["actions.github.com"], release("gha-runner-scale-set-controller")],
            [
                "the Keycloak Operator (keycloak-k8s-resources kustomization)",
                ["k8s.keycloak.org"],
                pr("kubernetes:kustomize/v2:Directory", "kc", { directory: "https://github.com/keycloak/keycloak-k8s-resources/kubernetes?ref=26.4.0" }),
            ],
        ];
        assert.deepStrictEqual(CONTROLLER_OWNERS.map((o) => [o.controller, [...o.groups]]), table.map(([controller, groups]) => [controller, groups]));
        // Each owner recognises its own runner and no other owner's.
        const runners = table.map(([, , runner]) => runner);
        assert.deepStrictEqual(CONTROLLER_OWNERS.map((o) => runners.filter((r) => o.runsController(r)).map((r) => r.name)), runners.map((r) => [r.name]));
        // Look-alikes: another add-on, an add-on name on another type, another repository, a directory that is not a URL string.
        const keycloak = CONTROLLER_OWNERS[11];
        const snapshot = CONTROLLER_OWNERS[6];
        assert.deepStrictEqual(
            [
                snapshot.runsController(pr("aws:eks/addon:Addon", "a", { addonName: "vpc-cni" })),
                snapshot.runsController(pr("aws:eks/podIdentityAssociation:PodIdentityAssociation", "a", { addonName: "snapshot-controller" })),
                keycloak.runsController(pr("kubernetes:kustomize/v2:Directory", "k", { directory: "https://github.com/acme/keycloak-k8s-resources/x" })),
                keycloak.runsController(pr("kubernetes:kustomize/v2:Directory", "k", { directory: ["https://github.com/keycloak/keycloak-k8s-resources/"] })),
                keycloak.runsController(pr("kubernetes:helm.sh/v3:Release", "k", { directory: "https://github.com/keycloak/keycloak-k8s-resources/x" })),
                CONTROLLER_OWNERS[4].runsController(pr("kubernetes:helm.sh/v4:Chart", "v", { chart: "velero" })),
            ],
            [false, false, false, false, false, false],
        );
    });

    it("knows Kubernetes' own API groups, and reads the group of every kind of type", () => {
        assert.deepStrictEqual([...BUILT_IN_GROUPS].sort(), [
            "admissionregistration.k8s.io", "apiextensions.k8s.io", "apps", "autoscaling", "batch", "certificates.k8s.io", "coordination.k8s.io", "core", "discovery.k8s.io",
            "flowcontrol.apiserver.k8s.io", "helm.sh", "kustomize", "networking.k8s.io", "node.k8s.io", "policy", "rbac.authorization.k8s.io", "resource.k8s.io",
            "scheduling.k8s.io", "storage.k8s.io", "yaml",
        ]);
        const types = ["kubernetes:karpenter.sh/v1:NodePool", "kubernetes:core/v1:Namespace", "kubernetes:helm.sh/v3:Release", "kubernetes:yaml:ConfigFile", "aws:s3/bucket:Bucket", "xkubernetes:a.b/v1:C", "pulumi:providers:kubernetes"];
        assert.deepStrictEqual(types.map(apiGroup), ["karpenter.sh", "core", "helm.sh", "yaml", undefined, undefined, undefined]);
    });

    it("leaves providers alone and refuses a kind of an unknown group", async () => {
        assert.deepStrictEqual(messages(await run([controllerDependencyPolicy], res("kubernetes:acme.example/v1:Widget", "w"), res("kubernetes:core/v1:ConfigMap", "cm"))), [
            "kubernetes:acme.example/v1:Widget: no controller is known for API group acme.example; add it to CONTROLLER_OWNERS (policy/rules/controllers.ts)",
        ]);
    });
});

