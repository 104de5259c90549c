import * as assert from "assert";
import { Plan, PROJECT_DIR, stackOutputValues } from "../plan/engine";
import { listStacks } from "../plan/stack-files";
import { inputs, named, ofType } from "./helpers";
import { deployedSet, platformPlan } from "./plans";
import { adminPasswords } from "./tenant-attacks";

const expected = {
    dev: { azs: 2, nat: 1, natKind: "aws:ec2/instance:Instance", endpoints: 0, isolated: 0, flowLogs: false, account: "111111111111", cidr: "10.20.0.0/16" },
    prod: { azs: 3, nat: 3, natKind: "aws:ec2/natGateway:NatGateway", endpoints: 0, isolated: 3, flowLogs: true, account: "222222222222", cidr: "10.30.0.0/16" },
} as const;

const CONTRACT_KEYS = [
    "availabilityZones", "contractVersion", "environment", "isolatedRouteTableIds", "isolatedSubnetIds",
    "natGatewayPublicIps", "privateRouteTableIds", "privateSubnetIds", "publicRouteTableIds", "publicSubnetIds",
    "region", "vpcCidr", "vpcId",
    "clusterCertificateAuthority", "clusterEndpoint", "clusterName", "clusterOidcIssuerUrl", "clusterOidcProviderArn",
    "clusterSecurityGroupId", "kubeconfig", "nodeRoleArn",
    "defaultStorageClass", "statefulStorageClass", "efsStorageClass", "volumeSnapshotClass", "objectsKmsKeyArn", "backupBucketName",
    "backupReplicaBucketName", "backupReplicaAccessPolicyArn",
    "domain", "hostedZoneId", "hostedZoneNameServers", "gatewayName", "gatewayNamespace", "loadBalancerHostname",
    "vaultAddress", "vaultBootstrapSecretArn", "vaultKvMount", "clusterSecretStoreName",
    "ssoUrl", "ssoIssuerUrl", "kubectlOidcClientId", "ssoAdminUsername", "ssoAdminSecretArn",
    "grafanaUrl", "grafanaAdminSecretArn", "otlpGrpcEndpoint", "otlpHttpEndpoint", "prometheusRemoteWriteUrl", "lokiPushUrl", "tenants", "tenantStack", "admissionPolicyAction",
    "argocdUrl", "imageSignatureAction",
].sort();

for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}: the real program for Pulumi.${stack}.yaml @stack`, () => {
        const want = expected[stack];
        // The platform stack's plan; its tenants are in stacks of their own (tenants.placement OwnStacks).
        let plan: Plan;
        let tenantStacks: readonly Plan[];
        before(async () => {
            ({ platform: plan, tenants: tenantStacks } = await deployedSet(stack));
        });

        it("builds one explicit AWS provider with region, pinned account and the platform's default tags", () => {
            const providers = ofType(plan.resources, "pulumi:providers:aws");
            assert.strictEqual(providers.length, 1);
            const p = inputs(providers[0]);
            assert.strictEqual(p.region, "eu-west-1");
            assert.deepStrictEqual(JSON.parse(p.allowedAccountIds), [want.account]);
            const tags = JSON.parse(p.defaultTags).tags;
            assert.deepStrictEqual(
                { project: tags.project, environment: tags.environment, "managed-by": tags["managed-by"] },
                { project: "platform", environment: stack, "managed-by": "pulumi" },
            );
            assert.ok(tags.owner && tags["cost-centre"], "owner and cost-centre tagged");
        });

        it("sends every AWS resource through that provider", () => {
            const provider = ofType(plan.resources, "pulumi:providers:aws")[0].urn;
            const aws = plan.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
            assert.ok(aws.length > 10);
            for (const r of aws) assert.strictEqual(r.provider, provider, `${r.name} uses ${r.provider}`);
        });

        it("nests every resource under the Platform component (nothing at the stack root)", () => {
            const roots = plan.resources.filter((r) => !r.parent || r.parent.endsWith(`::platform-${stack}`));
            assert.deepStrictEqual(roots.map((r) => r.type), ["platform:platform:Platform"]);
            const urns = new Set(plan.resources.map((r) => r.urn));
            for (const r of plan.resources.slice(1)) assert.ok(urns.has(r.parent!), `${r.name} has an unknown parent`);
        });

        it(`spreads over ${want.azs} zones with ${want.nat} NAT ${want.natKind === "aws:ec2/instance:Instance" ? "instance" : "gateway"}(s) and ${want.isolated} isolated subnets`, () => {
            const subnets = ofType(plan.resources, "aws:ec2/subnet:Subnet");
            const tier = (t: string) => subnets.filter((s) => inputs(s).tags["platform.io/subnet-tier"] === t).length;
            assert.deepStrictEqual([tier("public"), tier("private"), tier("isolated")], [want.azs, want.azs, want.isolated]);
            // A NAT gateway per NAT zone, or (natKind Instance) a NAT instance and no gateway.
            assert.deepStrictEqual(
                ["aws:ec2/natGateway:NatGateway", "aws:ec2/instance:Instance"].map((t) => ofType(plan.resources, t).length),
                ["aws:ec2/natGateway:NatGateway", "aws:ec2/instance:Instance"].map((t) => (t === want.natKind ? want.nat : 0)),
            );
            assert.strictEqual(inputs(ofType(plan.resources, "aws:ec2/vpc:Vpc")[0]).cidrBlock, want.cidr);
        });

        it(`has ${want.endpoints} interface endpoints plus the S3 gateway endpoint`, () => {
            const endpoints = ofType(plan.resources, "aws:ec2/vpcEndpoint:VpcEndpoint");
            assert.strictEqual(endpoints.filter((e) => inputs(e).vpcEndpointType === "Interface").length, want.endpoints);
            assert.strictEqual(endpoints.filter((e) => inputs(e).vpcEndpointType === "Gateway").length, 1);
        });

        it(`flow logs ${want.flowLogs ? "on, retained on destroy" : "off"}`, () => {
            const logs = ofType(plan.resources, "aws:cloudwatch/logGroup:LogGroup").filter((l) => l.name.includes("flow-logs"));
            assert.strictEqual(logs.length, want.flowLogs ? 1 : 0);
            if (want.flowLogs) {
                assert.strictEqual(logs[0].retainOnDelete, true);
                assert.strictEqual(inputs(logs[0]).retentionInDays, 365);
                assert.strictEqual(named(plan.resources, "platform-network-flow-logs-key").retainOnDelete, true);
            }
        });

        it("exports exactly the outputs contract", () => {
            assert.deepStrictEqual(Object.keys(plan.outputs).sort(), CONTRACT_KEYS);
            assert.strictEqual(plan.outputs.contractVersion, 2);
            assert.strictEqual(plan.outputs.environment, stack);
            assert.deepStrictEqual(
                [plan.outputs.defaultStorageClass, plan.outputs.statefulStorageClass, plan.outputs.efsStorageClass, plan.outputs.volumeSnapshotClass],
                stack === "prod" ? ["gp3", "gp3-retain", "efs", "ebs-snapshots"] : ["gp3", "gp3", "", "ebs-snapshots"],
            );
            assert.match(String(plan.outputs.backupBucketName), new RegExp(`^acme-${stack}-velero-\\d{12}-eu-west-1$`));
            // What a stack without the feature exports: empty strings, so consumers read every key.
            const replica = [plan.outputs.backupReplicaBucketName, plan.outputs.backupReplicaAccessPolicyArn];
            if (stack === "dev") assert.deepStrictEqual(replica, ["", ""]);
            else assert.deepStrictEqual(replica, [`acme-prod-velero-${want.account}-eu-central-1`, `arn:aws:iam::${want.account}:policy/platform-backup-bucket-replica-access`]);
            // The platform stack lists no tenant: each tenant's stack exports its own entry.
            assert.deepStrictEqual(plan.outputs.tenants, {});
            const payments = tenantStacks.find((p) => p.stack === `${stack}.payments`)?.outputs;
            assert.deepStrictEqual(
                payments,
                stack === "dev"
                    ? { tenant: "payments", namespaces: ["payments"], secretStore: "tenant-payments", repositoryUrl: "", argocdProject: "payments", runnerScaleSet: "" }
                    : { tenant: "payments", namespaces: ["payments"], secretStore: "tenant-payments", repositoryUrl: `${want.account}.dkr.ecr.eu-west-1.amazonaws.com/payments/apps`, argocdProject: "payments", runnerScaleSet: "payments-prod" },
            );
            assert.strictEqual(plan.outputs.vaultAddress, `https://vault.${stack === "prod" ? "" : "dev."}platform.acme.example`);
            assert.strictEqual((plan.outputs.privateSubnetIds as string[]).length, want.azs);
            assert.strictEqual((plan.outputs.natGatewayPublicIps as string[]).length, want.nat);
        });

        it("creates exactly four providers, each explicit: AWS, the cluster's Kubernetes, Vault's (after its initialisation) and Keycloak's (after it is Ready)", () => {
            const providers = plan.resources.filter((r) => r.type.startsWith("pulumi:providers:"));
            assert.deepStrictEqual(providers.map((p) => p.name).sort(), ["platform-aws", "platform-cluster-k8s", "platform-secrets-config-provider", "platform-sso-realm-provider"]);
        });
    });
}

describe("no stack file's platform outputs hold an admin password (every reader of the platform stack may show them) @stack", function () {
    this.timeout(120000);
    it("shows, secrets in the clear, neither Keycloak's master admin's nor Grafana's admin password, nor any generated password", async () => {
        const stacks = listStacks(PROJECT_DIR);
        assert.ok(stacks.length >= 2, stacks.join(", "));
        for (const stack of stacks) {
            const plan = await platformPlan(stack);
            const shown = JSON.stringify(stackOutputValues(plan));
            const passwords = adminPasswords(plan.resources);
            for (const [role, password] of Object.entries(passwords)) assert.ok(!shown.includes(password), `${stack}: the ${role} admin password is an output`);
            // The offline cloud's generated passwords (plan/fakes.ts): no output carries one, admin or not.
            assert.doesNotMatch(shown, /offline-plan-password-/, stack);
            // Where they are instead: their secrets, by ARN, plain outputs.
            assert.deepStrictEqual([plan.outputs.ssoAdminSecretArn, plan.outputs.grafanaAdminSecretArn].map((a) => /^arn:aws:secretsmanager:/.test(String(a))), [true, true], stack);
        }
    });
});
