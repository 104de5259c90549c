import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR, type PlannedResource } from "../plan/engine";
import { FCK_NAT } from "../components/network/nat";
import { committedPlan } from "./plans";
import { type ApiCall, type Context, type Deployer, refusedResources, requestTags, resourceTags } from "./deployer-iam";

const policy = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "docs", "deployer-policy.json"), "utf8")) as Deployer["policy"];
const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v) as Record<string, unknown>;

/** What a NAT instance of the plan is made of, as AWS would see it: ARNs (the plan's names as ids) and tags. */
interface NatInstanceView {
    readonly region: string;
    readonly accountId: string;
    readonly instance: { arn: string; tags: Record<string, string>; inputs: Record<string, any> };
    readonly eni: { arn: string; tags: Record<string, string> };
    readonly subnet: { arn: string; tags: Record<string, string> };
    readonly securityGroups: { arn: string; tags: Record<string, string> }[];
    readonly eip: { arn: string; tags: Record<string, string> };
    readonly routeTables: { arn: string; tags: Record<string, string> }[];
    readonly egressRules: { arn: string; tags: Record<string, string>; group: string }[];
    readonly key: { arn: string; policy: unknown };
}

/** The dev plan's NAT instances, each with the resources its lifecycle touches (found through the plan's references). */
function natInstances(resources: readonly PlannedResource[]): NatInstanceView[] {
    const provider = resources.find((r) => r.type === "pulumi:providers:aws" && r.name === "platform-aws");
    assert.ok(provider, "the platform's AWS provider");
    const region = String(provider.inputs.region);
    const accountId = (JSON.parse(String(provider.inputs.allowedAccountIds)) as string[])[0];
    const defaultTags = (json(provider.inputs.defaultTags).tags ?? {}) as Record<string, string>;
    const tagsOf = (r: PlannedResource) => ({ ...defaultTags, ...((r.inputs.tags ?? {}) as Record<string, string>) });
    const byId = (id: unknown) => {
        const r = resources.find((x) => `${x.name}-id` === id);
        assert.ok(r, `no resource with id ${String(id)}`);
        return r;
    };
    const arn = (type: string, r: PlannedResource) => `arn:aws:ec2:${region}:${accountId}:${type}/${r.name}`;
    return resources
        .filter((r) => r.type === "aws:ec2/instance:Instance")
        .map((instance) => {
            const eni = byId((instance.inputs.primaryNetworkInterface as { networkInterfaceId: string }).networkInterfaceId);
            const subnet = byId(eni.inputs.subnetId);
            const groups = (eni.inputs.securityGroups as string[]).map(byId);
            const eip = resources.find((r) => r.type === "aws:ec2/eip:Eip" && r.inputs.networkInterface === `${eni.name}-id`);
            assert.ok(eip, `${eni.name}: its Elastic IP`);
            const routeTables = resources.filter((r) => r.type === "aws:ec2/route:Route" && r.inputs.networkInterfaceId === `${eni.name}-id`).map((r) => byId(r.inputs.routeTableId));
            const egressRules = resources.filter((r) => r.type === "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule" && groups.some((g) => r.inputs.securityGroupId === `${g.name}-id`));
            const keyArn = String((instance.inputs.rootBlockDevice as { kmsKeyId: string }).kmsKeyId);
            const key = resources.find((r) => r.type === "aws:kms/key:Key" && keyArn.endsWith(`:key/${r.name}`));
            assert.ok(key, `${instance.name}: its root volume's key ${keyArn}`);
            return {
                region,
                accountId,
                instance: { arn: arn("instance", instance), tags: tagsOf(instance), inputs: instance.inputs as Record<string, any> },
                eni: { arn: arn("network-interface", eni), tags: tagsOf(eni) },
                subnet: { arn: arn("subnet", subnet), tags: tagsOf(subnet) },
                securityGroups: groups.map((g) => ({ arn: arn("security-group", g), tags: tagsOf(g) })),
                eip: { arn: arn("elastic-ip", eip), tags: tagsOf(eip) },
                routeTables: routeTables.map((t) => ({ arn: arn("route-table", t), tags: tagsOf(t) })),
                egressRules: egressRules.map((r) => ({ arn: arn("security-group-rule", r), tags: tagsOf(r), group: String(r.inputs.securityGroupId) })),
                key: { arn: keyArn, policy: json(key.inputs.policy) },
            };
        });
}

/** RunInstances as the provider sends it for the NAT instance (no launch template), each resource with its keys. */
function runInstances(n: NatInstanceView, over: { instance?: Context; image?: Context; volume?: Context; region?: string } = {}): ApiCall {
    const region = over.region ?? n.region;
    const inRegion = (a: string) => a.replace(`:${n.region}:`, `:${region}:`);
    const i = n.instance.inputs;
    const fckNat: Context = { "ec2:Owner": FCK_NAT.owner };
    return {
        action: "ec2:RunInstances",
        context: { "aws:RequestedRegion": region },
        resources: [
            {
                arn: inRegion(`arn:aws:ec2:${n.region}:${n.accountId}:instance/*`),
                context: {
                    ...requestTags(n.instance.tags),
                    "ec2:InstanceType": i.instanceType,
                    "ec2:MetadataHttpTokens": i.metadataOptions.httpTokens,
                    "ec2:MetadataHttpEndpoint": i.metadataOptions.httpEndpoint,
                    "ec2:MetadataHttpPutResponseHopLimit": String(i.metadataOptions.httpPutResponseHopLimit),
                    "ec2:RootDeviceType": "ebs",
                    ...over.instance,
                },
            },
            { arn: `arn:aws:ec2:${region}::image/${i.ami}`, context: { ...fckNat, "ec2:RootDeviceType": "ebs", ...over.image } },
            { arn: `arn:aws:ec2:${region}::snapshot/snap-0fcknat`, context: { ...fckNat, ...over.image } },
            // An existing interface: the SAR gives RunInstances no aws:ResourceTag on network-interface (region only).
            { arn: inRegion(n.eni.arn) },
            { arn: inRegion(n.subnet.arn), context: resourceTags(n.subnet.tags) },
            ...n.securityGroups.map((g) => ({ arn: inRegion(g.arn), context: resourceTags(g.tags) })),
            {
                arn: inRegion(`arn:aws:ec2:${n.region}:${n.accountId}:volume/*`),
                context: {
                    "ec2:Encrypted": String(i.rootBlockDevice.encrypted),
                    "ec2:VolumeType": i.rootBlockDevice.volumeType,
                    "ec2:VolumeSize": String(i.rootBlockDevice.volumeSize),
                    ...over.volume,
                },
            },
        ],
    };
}

/** EC2's calls to KMS for the encrypted root, made with the caller's credentials through EC2 (the key's policy applies). */
function throughEc2(n: NatInstanceView, action: string, extra: Context = {}): ApiCall {
    return {
        action,
        resources: [{ arn: n.key.arn, resourcePolicy: n.key.policy }],
        context: { "kms:ViaService": `ec2.${n.region}.amazonaws.com`, "kms:CallerAccount": n.accountId, ...extra },
    };
}

/**
 * Every call of a NAT instance's lifecycle, per step (terraform-provider-aws: resource_aws_instance create → RunInstances,
 * then read, update on change, delete → ModifyInstanceAttribute(DisableApiTermination=false) + TerminateInstances;
 * aws_network_interface, aws_eip with network_interface, the egress rule, the route).
 */
function lifecycle(n: NatInstanceView): { step: string; call: ApiCall }[] {
    const any = (action: string) => ({ action, resources: [{ arn: "*" }], context: { "aws:RequestedRegion": n.region } });
    const on = (action: string, ...rs: { arn: string; tags: Record<string, string> }[]): ApiCall => ({ action, resources: rs.map((r) => ({ arn: r.arn, context: resourceTags(r.tags) })) });
    const tagOnCreate = (createAction: string, r: { arn: string; tags: Record<string, string> }): ApiCall => ({
        action: "ec2:CreateTags",
        resources: [{ arn: r.arn, context: { ...requestTags(r.tags), "ec2:CreateAction": createAction } }],
    });
    const created = (action: string, r: { arn: string; tags: Record<string, string> }, ...parents: { arn: string; tags: Record<string, string> }[]): ApiCall => ({
        action,
        resources: [{ arn: r.arn, context: requestTags(r.tags) }, ...parents.map((p) => ({ arn: p.arn, context: resourceTags(p.tags) }))],
    });
    const instance = { arn: n.instance.arn, tags: n.instance.tags };
    const steps: [string, ApiCall][] = [
        ["getAmi", any("ec2:DescribeImages")],
        ...n.egressRules.flatMap((r): [string, ApiCall][] => {
            const group = n.securityGroups.find((g) => g.arn.endsWith(`/${r.group.replace(/-id$/, "")}`));
            assert.ok(group, r.arn);
            return [
                ["egress rule create", created("ec2:AuthorizeSecurityGroupEgress", r, group)],
                ["egress rule create", tagOnCreate("AuthorizeSecurityGroupEgress", r)],
                ["egress rule delete", on("ec2:RevokeSecurityGroupEgress", group)],
            ];
        }),
        ["interface create", created("ec2:CreateNetworkInterface", n.eni, n.subnet, ...n.securityGroups)],
        ["interface create", tagOnCreate("CreateNetworkInterface", n.eni)],
        ["interface create (source/dest check off)", on("ec2:ModifyNetworkInterfaceAttribute", n.eni)],
        ["interface read", any("ec2:DescribeNetworkInterfaces")],
        ["address create", created("ec2:AllocateAddress", n.eip)],
        ["address create", tagOnCreate("AllocateAddress", n.eip)],
        ["address create (network_interface)", on("ec2:AssociateAddress", n.eip, n.eni)],
        ["address read", any("ec2:DescribeAddresses")],
        ["instance create", runInstances(n)],
        ["instance create", tagOnCreate("RunInstances", instance)],
        ["instance create (root_block_device: device name)", any("ec2:DescribeImages")],
        ["instance create: encrypted root", throughEc2(n, "kms:CreateGrant", { "kms:GrantIsForAWSResource": "true" })],
        ["instance create: encrypted root", throughEc2(n, "kms:GenerateDataKeyWithoutPlaintext")],
        ["instance create: encrypted root", throughEc2(n, "kms:Decrypt")],
        ["instance create: encrypted root", throughEc2(n, "kms:DescribeKey")],
        ["instance create: encrypted root (from an encrypted snapshot)", throughEc2(n, "kms:ReEncryptFrom")],
        ["instance create: encrypted root (from an encrypted snapshot)", throughEc2(n, "kms:ReEncryptTo")],
        ...["ec2:DescribeInstances", "ec2:DescribeInstanceTypes", "ec2:DescribeInstanceCreditSpecifications", "ec2:DescribeVolumes", "ec2:DescribeTags"].map((a): [string, ApiCall] => ["instance read", any(a)]),
        ["instance read", on("ec2:DescribeInstanceAttribute", instance)],
        ...n.routeTables.flatMap((t): [string, ApiCall][] => [
            ["default route create", on("ec2:CreateRoute", t)],
            ["default route update", on("ec2:ReplaceRoute", t)],
            ["default route delete", on("ec2:DeleteRoute", t)],
        ]),
        ["instance update: tags", on("ec2:CreateTags", instance)],
        ["instance update: tags", on("ec2:DeleteTags", instance)],
        ["instance update: maintenance_options", on("ec2:ModifyInstanceMaintenanceOptions", instance)],
        ["instance update: metadata_options", on("ec2:ModifyInstanceMetadataOptions", instance)],
        ["instance update: credit_specification", on("ec2:ModifyInstanceCreditSpecification", instance)],
        ["instance update: instance_type (stop, modify, start)", on("ec2:StopInstances", instance)],
        ["instance update: instance_type (stop, modify, start)", on("ec2:ModifyInstanceAttribute", instance)],
        ["instance update: instance_type (stop, modify, start)", on("ec2:StartInstances", instance)],
        ["instance delete (DisableApiTermination=false)", on("ec2:ModifyInstanceAttribute", instance)],
        ["instance delete", on("ec2:TerminateInstances", instance)],
        ["address delete", on("ec2:DisassociateAddress", n.eip, n.eni)],
        ["address delete", on("ec2:ReleaseAddress", n.eip)],
        ["interface delete (still attached)", on("ec2:DetachNetworkInterface", instance, n.eni)],
        ["interface delete", on("ec2:DeleteNetworkInterface", n.eni)],
    ];
    return steps.map(([step, call]) => ({ step, call }));
}

describe("the deployer's IAM policy and the NAT instance (docs/deployer-policy.json, IAM simulator) @stack", () => {
    let nats: NatInstanceView[] = [];
    let deployer: Deployer;
    before(async () => {
        nats = natInstances((await committedPlan("dev")).resources);
        // Dev runs a NAT instance (network.natKind: Instance), so everything below has something to check.
        assert.ok(nats.length > 0, "dev's plan has a NAT instance");
        deployer = { accountId: nats[0].accountId, roleArn: `arn:aws:iam::${nats[0].accountId}:role/platform-deployments-dev-1a2b3c4`, policy };
    });

    it("allows every call of each NAT instance's lifecycle in dev's plan: create, read, update, delete", async () => {
        for (const n of nats) {
            assert.ok(n.egressRules.length > 0 && n.routeTables.length > 0, `${n.instance.arn}: its egress rule and routes`);
            const refused: string[] = [];
            for (const { step, call } of lifecycle(n)) {
                for (const arn of await refusedResources(deployer, call)) refused.push(`${step}: ${call.action} on ${arn}`);
            }
            assert.deepStrictEqual(refused, [], n.instance.arn);
        }
    });

    // Each abuse changes one thing of the real launch, which is allowed (above).
    const abuses: [string, (n: NatInstanceView) => ApiCall, string][] = [
        ["an image another account publishes", (n) => runInstances(n, { image: { "ec2:Owner": "123456789012" } }), "image"],
        ["an AWS-published image", (n) => runInstances(n, { image: { "ec2:Owner": "amazon" } }), "image"],
        ["another instance type", (n) => runInstances(n, { instance: { "ec2:InstanceType": "m7g.16xlarge" } }), "instance"],
        ["a larger size of the same family", (n) => runInstances(n, { instance: { "ec2:InstanceType": "t4g.2xlarge" } }), "instance"],
        ["a burstable type of another family", (n) => runInstances(n, { instance: { "ec2:InstanceType": "t3.nano" } }), "instance"],
        ["another region", (n) => runInstances(n, { region: "eu-central-1" }), "instance"],
        ["IMDSv1", (n) => runInstances(n, { instance: { "ec2:MetadataHttpTokens": "optional" } }), "instance"],
        ["an unencrypted root volume", (n) => runInstances(n, { volume: { "ec2:Encrypted": "false" } }), "volume"],
        ["an instance without the platform's tags", (n) => runInstances(n, { instance: { "aws:RequestTag/managed-by": "someone", "aws:RequestTag/project": "other" } }), "instance"],
        ["an instance not named as a NAT instance", (n) => runInstances(n, { instance: { "aws:RequestTag/Name": "acme-dev-miner" } }), "instance"],
    ];
    for (const [what, call, refusedOn] of abuses) {
        it(`refuses RunInstances with ${what}`, async () => {
            for (const n of nats) {
                const refused = await refusedResources(deployer, call(n));
                assert.ok(refused.some((arn) => arn.includes(`:${refusedOn}/`)), `${n.instance.arn}: refused on ${refused.join(", ") || "nothing"}`);
            }
        });
    }

    it("refuses to terminate or modify an instance that is not a platform NAT instance", async () => {
        const n = nats[0];
        const other = (tags: Record<string, string>) => ({ arn: `arn:aws:ec2:${n.region}:${n.accountId}:instance/i-0other`, context: resourceTags(tags) });
        const { Name: _name, ...platformTags } = n.instance.tags;
        for (const action of ["ec2:TerminateInstances", "ec2:ModifyInstanceAttribute", "ec2:StopInstances"]) {
            // Untagged; a node of the platform's (its tags, another name); a NAT instance's name without the platform's tags.
            for (const target of [other({}), other({ ...platformTags, Name: "acme-dev-node" }), other({ Name: n.instance.tags.Name })]) {
                assert.deepStrictEqual(await refusedResources(deployer, { action, resources: [target] }), [target.arn], `${action} on ${JSON.stringify(target.context)}`);
            }
        }
    });

    it("refuses the NAT key outside EC2 and an instance profile for the instance", async () => {
        const n = nats[0];
        const direct: ApiCall = { action: "kms:Decrypt", resources: [{ arn: n.key.arn, resourcePolicy: n.key.policy }], context: { "kms:CallerAccount": n.accountId } };
        assert.deepStrictEqual(await refusedResources(deployer, direct), [n.key.arn], "kms:Decrypt without EC2");
        // No instance role: passing any of the platform's roles to EC2 is refused.
        const role = `arn:aws:iam::${n.accountId}:role/platform-network-nat-role-1a2b3c4`;
        const pass: ApiCall = { action: "iam:PassRole", resources: [{ arn: role }], context: { "iam:PassedToService": "ec2.amazonaws.com" } };
        assert.deepStrictEqual(await refusedResources(deployer, pass), [role]);
    });
});
