import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { decodeProperties, planStack, PROJECT_DIR, record, secretInputs } from "../plan/engine";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { diffPlans, refusedReplacements, renderDiff } from "../plan/diff";
import { pinnedVersions, renderOutputs, renderTree } from "../plan/render";
import { renderMermaid, renderSvg } from "../plan/graph";
import { listStacks, parseYamlFile, plaintextSecretPaths, readProjectOnce, readStackConfig, readStackConfigOnce, resolveSets, SECRET_PLACEHOLDER, StackFileError } from "../plan/stack-files";
import { RunError } from "@pulumi/pulumi/errors";
import { ConfigError } from "../stacks/errors";
import { deployedSet, planCli, platformPlan, runPlanCli } from "./plans";
import { mapStack } from "../plan/stack-trace";
import { replacementRefused, replacingPaths } from "../plan/replacements";
import { carveSubnets } from "../components/network/cidr";
import { adoptRetained } from "../components/platform/adopt";

function tempProject(stackYaml: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: demo\nruntime: nodejs\nconfig:\n  size:\n    type: integer\n    default: 3\n  aws:region:\n    value: eu-west-2\n");
    fs.writeFileSync(path.join(dir, "Pulumi.s.yaml"), stackYaml);
    return dir;
}

describe("plan: reading stack files like the Pulumi CLI", () => {
    it("masks secure values, marks them secret and applies project defaults", () => {
        const dir = tempProject("config:\n  demo:password:\n    secure: v1:abc==\n  demo:db:\n    user: app\n    pass:\n      secure: v1:def==\n  demo:name: x\n");
        const cfg = readStackConfig(dir, "s");
        assert.strictEqual(cfg.config["demo:password"], SECRET_PLACEHOLDER);
        assert.deepStrictEqual(JSON.parse(cfg.config["demo:db"]), { user: "app", pass: SECRET_PLACEHOLDER });
        assert.deepStrictEqual(cfg.secretKeys.sort(), ["demo:db", "demo:password"]);
        assert.strictEqual(cfg.config["demo:size"], "3");
        assert.strictEqual(cfg.config["aws:region"], "eu-west-2");
        assert.strictEqual(cfg.config["demo:name"], "x");
    });

    it("refuses a stack-file key in a namespace one typo away from the project's", () => {
        const dir = tempProject("config:\n  demo:size: 4\n  dmeo:name: x\n");
        assert.throws(() => readStackConfig(dir, "s"), /dmeo:name: unknown namespace "dmeo"; did you mean demo:name\?/);
        // Other providers' namespaces are theirs.
        assert.doesNotThrow(() => readStackConfig(tempProject("config:\n  aws:region: eu-west-1\n  kubernetes:context: x\n"), "s"));
    });

    it("resolves --set: whole keys, or one leaf by its dotted path with the rest kept; refuses keys without a namespace", () => {
        const cfg = { project: "platform", stack: "s", secretKeys: [], config: { "platform:network": JSON.stringify({ cidr: "10.0.0.0/16", flowLogs: { enabled: false } }), "platform:region": "eu-west-1" } };
        const sets = resolveSets(cfg, ["platform:network.flowLogs.enabled=true", "platform:network.natGateways=OnePerAz", "platform:network.subnets.azSlots=4", "platform:region=eu-central-1"]);
        assert.deepStrictEqual(sets.map((x) => x.path), ["platform:network.flowLogs.enabled", "platform:network.natGateways", "platform:network.subnets.azSlots", "platform:region"]);
        const network = JSON.parse(sets[2].value);
        assert.deepStrictEqual(network, { cidr: "10.0.0.0/16", flowLogs: { enabled: true }, natGateways: "OnePerAz", subnets: { azSlots: 4 } });
        assert.strictEqual(sets[3].value, "eu-central-1");
        assert.throws(() => resolveSets(cfg, ["region=eu-central-1"]), /--set region: keys are namespaced, e\.g\. platform:region/);
        assert.throws(() => resolveSets(cfg, ["platfrom:region=x"]), /did you mean platform:region/);
        assert.throws(() => resolveSets(cfg, ["platform:region.x=1"]), /platform:region is not a structured value/);
        assert.throws(() => resolveSets(cfg, ["noequals"]), /--set expects KEY=VALUE/);
    });

    describe("a stack file Pulumi could not read: one message naming the file (and line:column)", () => {
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
        fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
        const read = (text: string) => {
            fs.writeFileSync(path.join(project, "Pulumi.t.yaml"), text);
            return () => readStackConfig(project, "t");
        };
        const file = path.join(project, "Pulumi.t.yaml");
        it("a YAML syntax error", () =>
            assert.throws(read("config:\n  platform:name: acme\n  platform:tags: [a\n"), (e: Error) => e instanceof StackFileError && e.message.startsWith(`${file}:4:1: not valid YAML: `)));
        it("a bad indentation", () =>
            assert.throws(read("config:\n  platform:name: acme\n platform:owner: x\n"), (e: Error) => e instanceof StackFileError && /^\S+Pulumi\.t\.yaml:3:\d+: not valid YAML: /.test(e.message)));
        it("config: that is not a mapping gives one message, not one per character", () =>
            assert.throws(read("config: hello\n"), (e: Error) => e.message === `${file}: config: expected a mapping of keys (platform:name: ...); got "hello"`));
        it("a file that is a list", () => assert.throws(read("- a\n"), (e: Error) => e.message === `${file}: expected a mapping with a config: section; got ["a"]`));
        // The CLI's reader (yaml.v3) turns an unquoted date into "2024-01-01 00:00:00 +0000 UTC": the program and every
        // reader of the file would see different settings.
        it("an unquoted date, at its line and column; quoted, it is text", () => {
            assert.throws(read("config:\n  platform:tags:\n    reviewed: 2024-01-01\n"), (e: Error) =>
                e instanceof StackFileError && e.message === `${file}:3:15: 2024-01-01: expected it quoted ("2024-01-01"): Pulumi reads an unquoted date as a timestamp and hands the program other text`,
            );
            assert.throws(read('config:\n  platform:tags:\n    reviewed: "2024-01-01"\n'), (e: Error) => e instanceof StackFileError && e.message.includes("is missing configuration values"));
        });
        it("a key given with and without its namespace (the CLI keeps either, in no fixed order)", () =>
            assert.throws(read("config:\n  tags: {a: b}\n  platform:tags: {a: c}\n"), (e: Error) => e.message === `${file}: platform:tags: expected each key once; platform:tags is given both with and without its namespace`));
        it("merge keys, which the CLI's reader applies", () =>
            assert.deepStrictEqual(parseYamlFile(file, "base: &b {x: 1}\nthis:\n  <<: *b\n  y: 2\n"), { base: { x: 1 }, this: { x: 1, y: 2 } }));
        it("a secure: that is not ciphertext is a plain value, as the CLI reads it; a user's error is a RunError (no stack trace)", () => {
            const dev = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");
            const cfg = read(`${dev}\n  aws:skipMetadataApiCheck: {secure: 5}\n`)();
            assert.strictEqual(cfg.config["aws:skipMetadataApiCheck"], '{"secure":5}');
            assert.ok(!cfg.secretKeys.includes("aws:skipMetadataApiCheck"));
            assert.ok(RunError.isInstance(new StackFileError("x")) && RunError.isInstance(new ConfigError(["y"])));
        });
        // Pulumi would merge an ESC environment's values into the config; nothing that reads the file would see them.
        it("an ESC environment", () =>
            assert.throws(
                read("environment:\n  - acme/platform-prod\nconfig:\n  platform:name: acme\n"),
                (e: Error) =>
                    e.message ===
                    `${file}: environment: expected no ESC environments in a stack file (the offline plan and the tenant stacks read its config: section alone; put the settings there); got ["acme/platform-prod"]`,
            ));
        // The CLI requires every declared key without a default: an empty stack file stops before the program runs.
        it("an empty file is a stack without config, which the CLI refuses for the keys it requires", () =>
            assert.throws(read(""), (e: Error) => e instanceof StackFileError && /^\S+Pulumi\.t\.yaml: Stack 't' is missing configuration values 'appDelivery', .* and 'tier'$/.test(e.message)));
        after(() => fs.rmSync(project, { recursive: true, force: true }));
    });

    it("reads a project and a stack file once per process while unchanged, and again once edited", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "read-once-"));
        try {
            fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
            const project = readProjectOnce(dir);
            const config = readStackConfigOnce(dir, "dev");
            assert.strictEqual(readProjectOnce(dir), project);
            assert.strictEqual(readStackConfigOnce(dir, "dev"), config);
            assert.ok(Object.isFrozen(project) && Object.isFrozen(config.config));
            fs.appendFileSync(path.join(dir, "Pulumi.dev.yaml"), "\n# edited\n");
            assert.notStrictEqual(readStackConfigOnce(dir, "dev"), config, "an edited stack file is read again");
            assert.strictEqual(readProjectOnce(dir), project, "the project file did not change");
            fs.appendFileSync(path.join(dir, "Pulumi.yaml"), "\n# edited\n");
            assert.notStrictEqual(readProjectOnce(dir), project, "an edited project file is read again");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("names the available stacks when the stack file is missing", () => {
        const here = listStacks(PROJECT_DIR);
        assert.ok(here.includes("dev") && here.includes("prod"));
        assert.throws(() => readStackConfig(PROJECT_DIR, "no-such-stack"), (e: Error) => e.message === `no stack file ${path.join(PROJECT_DIR, "Pulumi.no-such-stack.yaml")} (stacks here: ${here.join(", ")})`);
    });

    it("finds plaintext credentials under any credential-like key, and lets encrypted secure: values pass", () => {
        const text = [
            "config:",
            "  demo:apiKey: abc123",
            "  demo:db:",
            "    password: hunter2",
            "    user: app",
            "    tokens: [x]",
            "  demo:webhook:",
            "    client_secret:",
            "      secure: v1:AAAA",
            "  demo:encrypted:",
            "    secure: v1:BBBB",
            "  demo:alerts:",
            "    - name: pager",
            "      accessKey: AKIAEXAMPLE",
        ].join("\n");
        assert.deepStrictEqual(plaintextSecretPaths(text), ["demo:apiKey", "demo:db.password", "demo:alerts[0].accessKey"]);
    });

    it("the committed stack files hold no plaintext credentials", () => {
        const stacks = listStacks(PROJECT_DIR);
        assert.ok(stacks.length >= 2);
        for (const stack of stacks) {
            assert.deepStrictEqual(plaintextSecretPaths(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")), [], stack);
        }
    });
});

describe("plan: decoding what the program sent", () => {
    it("masks secrets, records their paths and renders unknowns and resource references", () => {
        const secrets: string[] = [];
        const decoded = decodeProperties(
            {
                a: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" },
                b: ["x", "04da6b54-80e4-46f7-96ec-b56ff0331ba9"],
                c: { "4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:x" },
            },
            secrets,
        );
        assert.deepStrictEqual(decoded, { a: SECRET_PLACEHOLDER, b: ["x", "[unknown]"], c: { $resource: "urn:x" } });
        assert.deepStrictEqual(secrets, ["a"]);
    });

    it("reveals secrets only when asked (the view tests read through secretInputs)", () => {
        const secrets: string[] = [];
        const wire = { a: { "4dabf18193072939515e22adb298388d": "d0e6a833031e9bbcd3f4e8bde6ca49a4", secret: true, value: { k: "hunter2" } }, b: 1 };
        assert.deepStrictEqual(decodeProperties(wire, secrets, "", true), { a: { k: "hunter2" }, b: 1 });
        assert.deepStrictEqual(secrets, ["a"]);
    });
});

describe("plan: secret inputs and component outputs", () => {
    class Holder extends pulumi.ComponentResource {
        constructor(name: string) {
            super("test:x:Holder", name);
            const secret = pulumi.secret(new random.RandomPassword(`${name}-password`, { length: 8 }, { parent: this }).result);
            new random.RandomString(`${name}-copy`, { length: 8, keepers: { copy: secret } }, { parent: this });
            this.registerOutputs({ plain: "visible", hidden: secret });
        }
    }

    it("keeps secret values out of the plan and its JSON, and gives them to tests on request", async () => {
        const { resources } = await record({ project: "p", stack: "t" }, () => new Holder("h"));
        const copy = resources.find((r) => r.name === "h-copy")!;
        assert.deepStrictEqual(copy.inputs.keepers, { copy: SECRET_PLACEHOLDER });
        assert.doesNotMatch(JSON.stringify(resources), /offline-plan-password/);
        assert.deepStrictEqual(secretInputs(copy).keepers, { copy: "offline-plan-password-h-password" });
        const password = resources.find((r) => r.name === "h-password")!;
        assert.strictEqual(secretInputs(password), password.inputs, "nothing secret: the inputs themselves");
    });

    it("records what a component registers as outputs, secrets masked", async () => {
        const { resources } = await record({ project: "p", stack: "t" }, () => new Holder("h"));
        assert.deepStrictEqual(resources.find((r) => r.name === "h")!.registeredOutputs, { plain: "visible", hidden: SECRET_PLACEHOLDER });
        assert.strictEqual(resources.find((r) => r.name === "h-copy")!.registeredOutputs, undefined);
    });
});

describe("plan: tree, outputs and diff @stack", () => {
    it("prints components with per-type counts and the outputs", async () => {
        const plan = await platformPlan("prod");
        const tree = renderTree(plan);
        assert.match(tree, /^Stack platform\/prod: \d+ resources in \d+ components/);
        assert.match(tree, /platform-cluster-eks \[protected\]/);
        assert.match(tree, /platform:network:Network platform-network\n\s+\d+ resources: .*3 x aws:ec2\/natGateway:NatGateway/);
        assert.match(tree, /platform-network-flow-logs-group \[protected, retained\]/);
        assert.match(renderOutputs(plan), /vpcCidr: "10.30.0.0\/16"/);
    });

    it("lists what going from dev to prod adds and changes, with the changed inputs", async () => {
        const [dev, prod] = [await deployedSet("dev"), await deployedSet("prod")];
        const diff = diffPlans(dev.platform, prod.platform);
        // Only dev's viewer principal, its created (delegated) hosted zone and its NAT instance (with its interface,
        // address, security group and rules, and root volume key) are not in prod's platform stack.
        assert.deepStrictEqual(diff.removed.map((r) => r.name).sort(), [
            "platform-cluster-viewer-role-developer", "platform-cluster-viewer-role-developer", "platform-ingress-zone-zone",
            "platform-network-nat-from-vpc", "platform-network-nat-instance-eu-west-1a", "platform-network-nat-instance-eu-west-1a-eip",
            "platform-network-nat-instance-eu-west-1a-eni", "platform-network-nat-instance-eu-west-1a-instance", "platform-network-nat-key",
            "platform-network-nat-key-alias", "platform-network-nat-sg", "platform-network-nat-to-internet",
        ]);
        // team-a's stack (the first tenant of both): dev's preview namespace is not in prod. The namespace, its three
        // quotas (resources; no PriorityClass; no cross-namespace affinity) and limits, seven network policies, three role
        // bindings, two service accounts.
        assert.deepStrictEqual([dev.tenants[0].stack, prod.tenants[0].stack], ["dev.team-a", "prod.team-a"]);
        const preview = diffPlans(dev.tenants[0], prod.tenants[0]).removed.filter((r) => r.name.startsWith("tenant-team-a-team-a-preview"));
        assert.strictEqual(preview.length, 17, preview.map((r) => r.name).join(", "));
        const addedNames = diff.added.map((r) => r.name);
        assert.ok(addedNames.includes("platform-network-nat-eu-west-1c"));
        assert.ok(addedNames.includes("platform-network-flow-logs-group"));
        const vpc = diff.changed.find((c) => c.name === "platform-network-vpc")!;
        assert.deepStrictEqual(vpc.changes.find((c) => c.path === "inputs.cidrBlock"), {
            path: "inputs.cidrBlock",
            before: "10.20.0.0/16",
            after: "10.30.0.0/16",
        });
        // The VPC's CIDR forces its replacement: shown, and refused (a VPC is never replaced by a stack change).
        assert.match(renderDiff(diff), /\+- aws:ec2\/vpc:Vpc platform-network-vpc \(replace, REFUSED: inputs.cidrBlock\)\n.*inputs.cidrBlock: "10.20.0.0\/16" => "10.30.0.0\/16"/);
    });

    it("lists every pinned version, the Karpenter AMI release and the Keycloak operator's kustomization included", async () => {
        const prod = pinnedVersions(await platformPlan("prod"));
        assert.ok(prod.includes("Karpenter node AMI al2023@v20260714"));
        assert.ok(prod.includes("Kubernetes 1.36 (acme-prod)"));
        assert.ok(prod.includes("add-on vpc-cni v1.22.3-eksbuild.1"));
        assert.ok(prod.includes("chart velero 12.1.0") && prod.includes("chart cert-manager-approver-policy v0.27.0"));
        assert.ok(prod.includes("kustomization keycloak-k8s-resources 26.7.3"), prod.join("\n"));
        assert.ok(pinnedVersions(await platformPlan("dev")).includes("Karpenter node AMI al2023@latest"));
    });

    it("shows a changed customTimeouts option as a change", async () => {
        const before = await platformPlan("dev");
        const gateway = before.resources.find((r) => r.name === "platform-ingress-gateway")!;
        assert.deepStrictEqual(gateway.customTimeouts, { create: "20m", update: "20m" });
        const after = { ...before, resources: before.resources.map((r) => (r === gateway ? { ...r, customTimeouts: { create: "5m" } } : r)) };
        const changed = diffPlans(before, after).changed;
        assert.deepStrictEqual(changed.map((c) => c.name), ["platform-ingress-gateway"]);
        assert.match(renderDiff(diffPlans(before, after)), /options\.customTimeouts/);
    });

    it("refuses a change that would replace the production cluster, and names the field", async () => {
        const before = await platformPlan("prod");
        const cluster = { ...JSON.parse(readStackConfig(PROJECT_DIR, "prod").config["platform:cluster"]), serviceCidr: "172.21.0.0/16" };
        const diff = diffPlans(before, await planStack({ stack: "prod", configOverrides: { "platform:cluster": cluster } }));
        const eks = diff.changed.find((c) => c.type === "aws:eks/cluster:Cluster")!;
        assert.deepStrictEqual([eks.replacedBy, eks.refused], [["inputs.kubernetesNetworkConfig.serviceIpv4Cidr"], true]);
        assert.deepStrictEqual(refusedReplacements(diff).map((c) => c.name), ["platform-cluster-eks"]);
    });

    it("refuses growing the control plane into more zones (AWS rejects subnets outside its original zones)", async () => {
        const cfg = readStackConfig(PROJECT_DIR, "prod").config;
        const cluster = JSON.parse(cfg["platform:cluster"]);
        const before = await planStack({ stack: "prod", configOverrides: { "platform:cluster": { ...cluster, controlPlaneZoneCount: 2 } } });
        const diff = diffPlans(before, await platformPlan("prod"));
        const eks = diff.changed.find((c) => c.type === "aws:eks/cluster:Cluster")!;
        assert.deepStrictEqual([eks.replacedBy, eks.rejectedBy.length, eks.refused], [[], 1, true]);
        assert.match(renderDiff(diff), /REFUSED, AWS rejects: vpcConfig\.subnetIds \(EKS accepts control-plane subnets only in the zones/);
    });

    it("adding the first or another admin changes access entries, who may read Vault's bootstrap material and the admin passwords and log in as the deployer, nothing else: the cluster's creator bootstrap is fixed", async () => {
        const before = await platformPlan("dev");
        const cluster = JSON.parse(readStackConfig(PROJECT_DIR, "dev").config["platform:cluster"]);
        const after = await planStack({ stack: "dev", configOverrides: { "platform:cluster": { ...cluster, admins: [cluster.admins[0]] } } });
        const diff = diffPlans(before, after);
        // The Kubernetes provider's wait list (it waits for the remaining access grants), and the admins named as the
        // only readers of Vault's bootstrap secret and key.
        // The provider's new wait list is a new order only (Pulumi updates nothing for it).
        assert.deepStrictEqual(diff.reordered.map((r) => r.name), ["platform-cluster-k8s"]);
        // The init Job's configure step binds the deployer's login to the admins, and Vault's role resolves them.
        // The admins are the only readers and writers of the admin passwords' secrets too.
        const adminsOnly = ["inputs.policy{}.Statement[Sid=ReadOnlyByAdmins].Condition.StringNotEquals.aws:PrincipalArn", "inputs.policy{}.Statement[Sid=WriteOnlyByAdmins].Condition.StringNotEquals.aws:PrincipalArn"];
        assert.deepStrictEqual(diff.changed.map((c) => [c.name, [...new Set(c.changes.map((ch) => ch.path.replace(/\[\d+\]$/, "")))]]).sort(), [
            ["platform-admin-credentials-grafana-policy", adminsOnly],
            ["platform-admin-credentials-keycloak-policy", adminsOnly],
            ["platform-secrets-bootstrap-job", ["inputs.spec.template.spec.initContainers[3].env[4].value"]],
            ["platform-secrets-bootstrap-key", ["inputs.policy{}.Statement[Sid=DecryptOnlyByAdminsAndInit].Condition.StringNotEquals.aws:PrincipalArn"]],
            [
                "platform-secrets-bootstrap-secret-policy",
                [
                    "inputs.policy{}.Statement[Sid=ReadOnlyByAdmins].Condition.StringNotEquals.aws:PrincipalArn",
                    "inputs.policy{}.Statement[Sid=WriteOnlyByInitAndAdmins].Condition.StringNotEquals.aws:PrincipalArn",
                ],
            ],
            ["platform-secrets-vault-aws-auth-policy", ["inputs.policy{}.Statement[Sid=ResolveBoundRoles].Resource"]],
        ]);
        assert.deepStrictEqual([...new Set(diff.removed.map((r) => r.type))].sort(), ["aws:eks/accessEntry:AccessEntry", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"]);
    });

    it("adding a zone to prod (2 -> 3) adds subnets and a node group per configured group, leaves the control plane alone, replaces nothing", async () => {
        const cfg = readStackConfig(PROJECT_DIR, "prod").config;
        const network = JSON.parse(cfg["platform:network"]);
        const cluster = { ...JSON.parse(cfg["platform:cluster"]), controlPlaneZoneCount: 2 };
        const zones = (n: number) => ({ "platform:network": { ...network, azCount: n, availabilityZones: network.availabilityZones.slice(0, n) }, "platform:cluster": cluster });
        const before = await planStack({ stack: "prod", configOverrides: zones(2) });
        const diff = diffPlans(before, await planStack({ stack: "prod", configOverrides: zones(3) }));
        assert.deepStrictEqual(diff.changed.filter((c) => c.replacedBy.length > 0), []);
        assert.deepStrictEqual(diff.removed, []);
        assert.deepStrictEqual(
            diff.added.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup").map((r) => r.name).sort(),
            // One per group the stack file configures (prod: the System group only; its tenants run on Karpenter).
            cluster.nodeGroups.map((g: { name: string }) => `platform-cluster-ng-${g.name}-eu-west-1c`).sort(),
        );
        assert.ok(cluster.nodeGroups.length >= 1);
        assert.strictEqual(diff.added.filter((r) => r.type === "aws:ec2/subnet:Subnet").length, 3); // public, private, isolated
        assert.strictEqual(diff.added.filter((r) => r.type === "aws:ec2/natGateway:NatGateway").length, 1); // OnePerAz
        // EKS takes new subnets only in its original zones: the control plane's list does not change at all.
        assert.deepStrictEqual(diff.changed.filter((c) => c.type === "aws:eks/cluster:Cluster"), []);
    });

    it("rebuilds production's platform stack after destroy by adopting the retained fixed-name log groups and buckets (adoptRetained)", async () => {
        const plain = await platformPlan("prod");
        assert.deepStrictEqual(plain.resources.filter((r) => r.importId), []);
        const rebuild = await planStack({ stack: "prod", configOverrides: { "platform:adoptRetained": "true" } });
        const adopted = rebuild.resources.filter((r) => r.importId).map((r) => [r.type, r.importId]);
        assert.deepStrictEqual(adopted.sort(), [
            ["aws:cloudwatch/logGroup:LogGroup", "/aws/eks/acme-prod/cluster"],
            ["aws:cloudwatch/logGroup:LogGroup", "/platform/acme-prod/vpc-flow-logs"],
            ["aws:s3/bucket:Bucket", "acme-prod-loki-222222222222-eu-west-1"],
            ["aws:s3/bucket:Bucket", "acme-prod-s3-access-222222222222-eu-west-1"],
            ["aws:s3/bucket:Bucket", "acme-prod-tempo-222222222222-eu-west-1"],
            ["aws:s3/bucket:Bucket", "acme-prod-velero-222222222222-eu-central-1"],
            ["aws:s3/bucket:Bucket", "acme-prod-velero-222222222222-eu-west-1"],
        ]);
        // Everything adopted is something a destroy keeps; nothing else is imported.
        for (const r of rebuild.resources.filter((x) => x.importId)) assert.ok(r.retainOnDelete, r.name);
        // The retained flow-log group is encrypted with the retained key, not the rebuilt one: the import ignores it.
        const flowLogs = rebuild.resources.find((r) => r.name === "platform-network-flow-logs-group")!;
        assert.deepStrictEqual([flowLogs.ignoreChanges, flowLogs.inputs.kmsKeyId !== undefined], [["kmsKeyId"], true]);
        // A bucket is adopted as it is: nothing of it is ignored.
        assert.deepStrictEqual(rebuild.resources.find((r) => r.name === "platform-storage-access-logs-bucket")?.ignoreChanges, []);
        // The tenants' repositories and buckets are their stacks' (test/tenant-stacks.test.ts adopts them there).
        assert.match(renderDiff(diffPlans(plain, rebuild)), /options\.importId: \(none\) => "\/aws\/eks\/acme-prod\/cluster"/);
        // dev retains nothing, so it adopts nothing.
        const dev = await planStack({ stack: "dev", configOverrides: { "platform:adoptRetained": "true" } });
        assert.deepStrictEqual(dev.resources.filter((r) => r.importId), []);
    });

    it("refuses to adopt a retained resource whose name is unknown before deployment, and leaves the rest alone", () => {
        const args = (type: string, props: Record<string, unknown>, retainOnDelete: boolean) => ({ type, name: "x", props, opts: { retainOnDelete } }) as unknown as pulumi.ResourceTransformationArgs;
        assert.throws(
            () => adoptRetained(args("aws:s3/bucket:Bucket", { bucket: pulumi.output("b") }, true)),
            /^Error: adoptRetained: aws:s3\/bucket:Bucket x has no bucket known before deployment; pin allowedAccountIds to one account$/,
        );
        assert.strictEqual(adoptRetained(args("aws:s3/bucket:Bucket", { bucket: "b" }, false)), undefined);
        assert.strictEqual(adoptRetained(args("aws:kms/key:Key", { description: "k" }, true)), undefined);
    });

    it("shows no difference between two plans of the same stack", async () => {
        const diff = diffPlans(await platformPlan("dev"), await planStack({ stack: "dev" }));
        assert.deepStrictEqual([diff.added.length, diff.removed.length, diff.changed.length], [0, 0, 0]);
    });

    it("shows growing dev to 3 zones adds subnets without replacing any (reserved AZ slots)", async () => {
        const before = await platformPlan("dev");
        const network = { ...JSON.parse(readStackConfig(PROJECT_DIR, "dev").config["platform:network"]), azCount: 3 };
        const after = await planStack({ stack: "dev", configOverrides: { "platform:network": network } });
        const diff = diffPlans(before, after);
        assert.deepStrictEqual(diff.changed.filter((c) => c.type === "aws:ec2/subnet:Subnet"), []);
        assert.strictEqual(diff.added.filter((r) => r.type === "aws:ec2/subnet:Subnet").length, 2);
    });
});

describe("plan: the layer graph @stack", function () {
    this.timeout(60000);
    it("draws each layer once with its size, and an arrow to each layer it waits for (the README shows prod's)", async () => {
        const plan = await platformPlan("prod");
        const text = renderMermaid(plan);
        const nodes = [...text.matchAll(/^ {2}(\w+)\["([^<]+)<br\/>(\d+) resources"\]$/gm)].map((m) => [m[1], m[2]]);
        assert.deepStrictEqual(nodes.map((n) => n[1]), [
            "network:Network", "cluster:Cluster", "storage:Storage", "ingress:Ingress", "secrets:Secrets", "sso:Sso",
            "backup:Backup", "registry:Registry", "policy:Policy", "tenants:Tenants", "delivery:AppDelivery", "observability:Observability",
            // The admin passwords of Keycloak and Grafana, kept in Secrets Manager once both exist.
            "secrets:AdminCredentials",
        ]);
        const edges = new Set([...text.matchAll(/^ {2}(\w+) --> (\w+)$/gm)].map((m) => `${m[1]}>${m[2]}`));
        for (const e of ["platform_cluster>platform_network", "platform_sso>platform_secrets", "platform_observability>platform_sso", "platform_delivery>platform_secrets", "platform_observability>platform_delivery"]) assert.ok(edges.has(e), e);
        // Its tenants are in stacks of their own (OwnStacks): the tenants layer keeps the four shared roles, waits for
        // no other layer's resources and nothing waits for it.
        assert.deepStrictEqual([...edges].filter((e) => e.split(">").includes("platform_tenants")), []);
        assert.ok(![...edges].some((e) => e.split(">")[0] === e.split(">")[1]), "no layer waits for itself");
        assert.ok(!edges.has("platform_network>platform_cluster"), "the network waits for nothing above it");
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        assert.ok(readme.includes(text.trim()), "README's picture is the prod graph as the plan draws it");
    });

    it("draws the same graph as an SVG picture through Graphviz (docs/layers-prod.svg is prod's)", async () => {
        const plan = await platformPlan("prod");
        const svg = await renderSvg(plan);
        assert.match(svg, /^<\?xml[^]*<svg /);
        const titles = [...svg.matchAll(/<g id="(node|edge)\d+" class="(?:node|edge)">\s*<title>([^<]+)<\/title>/g)].map((m) => [m[1], m[2].replace("&#45;&gt;", "->")]);
        const mermaid = renderMermaid(plan);
        assert.deepStrictEqual(titles.filter((t) => t[0] === "node").map((t) => t[1]), [...mermaid.matchAll(/^ {2}(\w+)\["/gm)].map((m) => m[1]));
        const edges = [...mermaid.matchAll(/^ {2}(\w+) --> (\w+)$/gm)].map((m) => `${m[1]}->${m[2]}`);
        assert.ok(edges.length > 10);
        assert.deepStrictEqual(titles.filter((t) => t[0] === "edge").map((t) => t[1]).sort(), edges.sort());
        assert.match(svg, />delivery:AppDelivery<\/text>/);
        assert.strictEqual(fs.readFileSync(path.join(PROJECT_DIR, "docs", "layers-prod.svg"), "utf8"), svg, "docs/layers-prod.svg is what npm run plan -- --stack prod --graph draws");
    });
});

describe("plan: the command line @stack", function () {
    this.timeout(60000);
    // Most runs call the command line's main in this process (same code and arguments, output captured); a few start
    // the real binary, so its exit status, stdout and stderr are checked as a user gets them.
    const cli = runPlanCli;
    const binary = planCli;

    it("plans dev, writes JSON and diffs against it", async () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "dev.json");
        const first = binary("--stack", "dev", "--json", file);
        assert.strictEqual(first.status, 0, first.stderr);
        assert.match(first.stdout, /Stack platform\/dev/);
        const saved = JSON.parse(fs.readFileSync(file, "utf8"));
        assert.ok(saved.resources.length > 10);
        const second = await cli("--stack", "dev", "--diff-file", file);
        assert.strictEqual(second.status, 0, second.stderr);
        assert.match(second.stdout, /0 to add, 0 to remove, 0 to change/);
    });

    it("compares two stacks without refusing anything (a comparison is no migration); a change of one stack still refuses a replacement", async () => {
        const compared = await cli("--stack", "prod", "--diff", "dev");
        assert.strictEqual(compared.status, 0, compared.stderr);
        assert.match(compared.stdout, /to add, \d+ to remove, \d+ to change/);
        assert.doesNotMatch(compared.stderr, /^refused:/m);
        // The same (tenant) stack against a saved plan whose tenant repository had another name: ECR replaces it, images lost.
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "dev.team-a.json");
        assert.strictEqual((await cli("--stack", "dev", "--tenant", "team-a", "--json", file)).status, 0);
        const saved = JSON.parse(fs.readFileSync(file, "utf8"));
        const repository = saved.resources.find((r: { type: string }) => r.type === "aws:ecr/repository:Repository");
        assert.ok(repository, "dev's team-a stack plans a tenant repository");
        repository.inputs.name = `${repository.inputs.name}-old`;
        fs.writeFileSync(file, JSON.stringify(saved));
        const migrated = await cli("--stack", "dev", "--tenant", "team-a", "--diff-file", file);
        assert.strictEqual(migrated.status, 1, migrated.stdout + migrated.stderr);
        assert.match(migrated.stderr, /^refused: aws:ecr\/repository:Repository /m);
    });

    it("plans one tenant stack on the stack file as --set leaves it (what its stack reads), not the committed one", async () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "dev.team-a.json");
        try {
            const run = await cli("--stack", "dev", "--tenant", "team-a", "--set", "platform:tenants.list.0.quota.pods=99", "--json", file);
            assert.strictEqual(run.status, 0, run.stderr);
            const quotas = JSON.parse(fs.readFileSync(file, "utf8")).resources.filter((r: { type: string; name: string }) => r.type === "kubernetes:core/v1:ResourceQuota" && r.name.endsWith("-quota") && !r.name.includes("priority") && !r.name.includes("affinity"));
            assert.ok(quotas.length > 0, "team-a's quotas");
            assert.deepStrictEqual([...new Set(quotas.map((q: { inputs: { spec: { hard: { pods: string } } } }) => String(q.inputs.spec.hard.pods)))], ["99"]);
        } finally {
            fs.rmSync(path.dirname(file), { recursive: true, force: true });
        }
    });

    it("names the committed stack file, not its overridden copy, when a tenant stack planned with --set fails", async () => {
        const run = await cli("--stack", "dev", "--tenant", "nosuch", "--set", "platform:tenants.list.0.quota.pods=99");
        assert.strictEqual(run.status, 1, run.stdout);
        assert.ok(run.stderr.includes(`${path.join(PROJECT_DIR, "Pulumi.dev.yaml")}: platform:tenants: expected tenant nosuch in tenants.list`), run.stderr);
        // stackFileWith's copy lives in a folder stack-<stack>-XXXXXX of the temporary directory.
        assert.doesNotMatch(run.stderr, /stack-dev-[A-Za-z0-9]{6}/);
    });

    it("prints only the policy pack's verdict with --policy, and fails on a mandatory violation", async () => {
        const ok = await cli("--stack", "dev", "--policy");
        assert.deepStrictEqual([ok.status, ok.stdout.trim()], [0, "Policies: all passed"]);
        // The schema allows a public-only endpoint; the policy pack does not (nodes would reach the API over the internet).
        const bad = await cli("--stack", "dev", "--policy", "--set", "platform:cluster.endpoint.privateAccess=false");
        assert.strictEqual(bad.status, 1, bad.stdout + bad.stderr);
        assert.match(bad.stdout, /\[mandatory\] eks-endpoint-not-open: .*private endpoint access is off/);
        assert.doesNotMatch(bad.stdout, /Stack platform\/dev/);
    });

    it("refuses a graph file that is neither .mmd nor .svg before planning", async () => {
        const run = await cli("--stack", "dev", "--graph", "layers.png");
        assert.deepStrictEqual([run.status, run.stdout], [2, ""]);
        assert.match(run.stderr, /--graph layers\.png: expected a \.mmd file \(Mermaid text\) or a \.svg file \(a picture\)/);
    });

    it("exits non-zero with the validation message on a config error", async () => {
        const run = await cli("--stack", "dev", "--set", "platform:network={\"cidr\":\"10.0.0.0/33\",\"azCount\":2}");
        assert.strictEqual(run.status, 1);
        assert.match(run.stderr, /platform:network.cidr: expected an IPv4 CIDR block like 10.0.0.0\/16; got "10.0.0.0\/33"/);
    });

    it("writes its phase timings and peak memory with --timings (what npm run bench:plan reads)", async () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "t.json");
        const run = await cli("--stack", "dev", "--timings", file);
        assert.strictEqual(run.status, 0, run.stderr);
        const t = JSON.parse(fs.readFileSync(file, "utf8"));
        assert.deepStrictEqual(Object.keys(t).sort(), ["evaluateMs", "loadMs", "maxRssMiB", "policiesMs", "registrations", "renderMs", "resources", "stack"]);
        assert.strictEqual(t.stack, "dev");
        assert.ok(t.resources > 100 && t.registrations > t.resources && t.evaluateMs > 0 && t.maxRssMiB > 50, JSON.stringify(t));
    });

    it("changes one leaf with a dotted --set, says so on stderr, and keeps the rest of the key", async () => {
        const plain = await cli("--stack", "prod");
        // The contract stack application teams read is planned with the platform (PLATFORM_OUTPUT_KEYS has 55 keys).
        assert.match(plain.stdout, /^Contract stack: 55 outputs as the platform's \(\d+ secret\), policies passed$/m);
        const dotted = await cli("--stack", "prod", "--set", "platform:network.flowLogs.retentionDays=400");
        assert.strictEqual(dotted.status, 0, dotted.stderr);
        assert.match(dotted.stderr, /overriding platform:network\.flowLogs\.retentionDays/);
        const count = (out: string) => /Stack platform\/prod: (\d+) resources/.exec(out)![1];
        assert.strictEqual(count(dotted.stdout), count(plain.stdout));
        assert.strictEqual((await cli("--stack", "prod", "--set", "region=eu-central-1")).status, 2);
    });

    it("refuses --json or --timings into a missing directory before planning: one line, exit 1, no stack trace", async () => {
        for (const [option, run] of [["--json", binary("--stack", "dev", "--json", "/no/such/dir/plan.json")], ["--timings", await cli("--stack", "dev", "--timings", "/no/such/dir/plan.json")]] as const) {
            assert.strictEqual(run.status, 1);
            assert.strictEqual(run.stderr, `${option} /no/such/dir/plan.json: directory /no/such/dir does not exist\n`);
            assert.strictEqual(run.stdout, "");
        }
    });

    it("exits 2 on usage errors", async () => {
        assert.strictEqual(binary().status, 2);
        assert.strictEqual((await cli("--stack", "dev", "--bogus")).status, 2);
    });
});

describe("plan: diffs of JSON documents inside inputs", () => {
    const resource = (policy: object) => ({
        urn: "urn:pulumi:s::p::aws:iam/rolePolicy:RolePolicy::r",
        key: "aws:iam/rolePolicy:RolePolicy::r",
        type: "aws:iam/rolePolicy:RolePolicy",
        name: "r",
        custom: true,
        protect: false,
        retainOnDelete: false,
        deleteBeforeReplace: false,
        dependsOn: [],
        dependencies: [],
        ignoreChanges: [],
        aliases: [],
        inputs: { policy: JSON.stringify(policy) },
        secretPaths: [],
    });
    const plan = (policy: object) => ({ project: "p", stack: "s", resources: [resource(policy)], outputs: {}, secretOutputs: [], elapsedMs: 0 });
    const statement = (Sid: string, Action: string[]) => ({ Sid, Effect: "Allow", Action, Resource: "arn:aws:s3:::b/*" });

    it("shows a changed IAM policy by statement Sid and field, not as one line", () => {
        const before = plan({ Version: "2012-10-17", Statement: [statement("Read", ["s3:GetObject"]), statement("Write", ["s3:PutObject"])] });
        const after = plan({ Version: "2012-10-17", Statement: [statement("List", ["s3:ListBucket"]), statement("Read", ["s3:GetObject", "s3:GetObjectVersion"]), statement("Write", ["s3:PutObject"])] });
        const diff = diffPlans(before, after);
        const paths = diff.changed[0].changes.map((c) => c.path);
        assert.ok(paths.includes("inputs.policy{}.Statement[Sid=Read].Action[1]"), paths.join("\n"));
        assert.ok(paths.includes("inputs.policy{}.Statement[Sid=List].Effect"), paths.join("\n"));
        assert.ok(!paths.some((p) => p.includes("Sid=Write")), "an inserted statement shifts no other");
        const text = renderDiff(diff);
        assert.match(text, /inputs\.policy\{\}\.Statement\[Sid=Read\]\.Action\[1\]: \(none\) => "s3:GetObjectVersion"/);
        assert.ok(text.split("\n").every((l) => l.length < 200), text);
    });

    it("keys statements by position when Sids are missing or repeated, and leaves non-JSON strings whole", () => {
        const diff = diffPlans(plan({ Statement: [{ Effect: "Allow" }] }), plan({ Statement: [{ Effect: "Deny" }] }));
        assert.deepStrictEqual(diff.changed[0].changes.map((c) => c.path), ["inputs.policy{}.Statement[0].Effect"]);
        const text = diffPlans({ ...plan({}), resources: [{ ...resource({}), inputs: { policy: "{not json" } }] }, plan({ a: 1 }));
        assert.deepStrictEqual(text.changed[0].changes.map((c) => c.path).sort(), ["inputs.policy", "inputs.policy{}.a"]);
    });
});

describe("plan: a program error points at the TypeScript that threw", () => {
    it("maps compiled frames through their source maps, and leaves other frames alone", () => {
        let stack = "";
        try {
            carveSubnets("10.0.0.0/16", [{ tier: "private", prefixLength: 29 }], 1);
        } catch (e) {
            stack = (e as Error).stack ?? "";
        }
        const mapped = mapStack(stack);
        assert.match(mapped, /components\/network\/cidr\.ts:\d+:\d+/);
        assert.doesNotMatch(mapped, /cidr\.js:/);
        assert.strictEqual(mapStack("at f (node:internal/x.js:1:2)"), "at f (node:internal/x.js:1:2)");
    });
});

describe("plan: replacements of the data the secrets and SSO layers add", () => {
    it("marks the fields that replace the database, its parameters and the bootstrap secret; the database is never replaced", () => {
        assert.deepStrictEqual(replacingPaths("aws:rds/instance:Instance", ["inputs.kmsKeyId", "inputs.instanceClass", "inputs.identifierPrefix"]), ["inputs.kmsKeyId", "inputs.identifierPrefix"]);
        assert.deepStrictEqual(replacingPaths("aws:rds/parameterGroup:ParameterGroup", ["inputs.family", "inputs.parameters[0].value"]), ["inputs.family"]);
        assert.deepStrictEqual(replacingPaths("aws:secretsmanager/secret:Secret", ["inputs.namePrefix", "inputs.description"]), ["inputs.namePrefix"]);
        assert.strictEqual(replacementRefused({ type: "aws:rds/instance:Instance", protect: false }), true);
    });
});
