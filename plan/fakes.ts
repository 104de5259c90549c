// What the offline engine answers in place of AWS: plausible computed outputs and invoke results.
// Anything not listed fails loudly, so a new invoke is noticed instead of silently returning nothing.
import type * as pulumi from "@pulumi/pulumi";

export interface FakeCloud {
    readonly accountId: string;
    readonly region: string;
    readonly partition: string;
    /**
     * IAM role and user ARNs that exist. The offline plan cannot see an account, so it takes those the stack file
     * names as existing; tests remove one to see the preview fail. Undefined: every principal exists.
     */
    readonly iamPrincipals?: readonly string[];
    /** Who runs the plan (an STS or IAM ARN); default: an `offline-plan` role. */
    readonly callerArn?: string;
    /** Ids and names of the hosted zones that exist; undefined: every zone exists. */
    readonly hostedZones?: readonly string[];
    /** Outputs of other stacks, by `<org>/<project>/<stack>`, for programs that read them (StackReference). */
    readonly stackOutputs?: Readonly<Record<string, Record<string, unknown>>>;
    /** Which of those outputs are secrets, by stack. */
    readonly stackSecretOutputs?: Readonly<Record<string, readonly string[]>>;
    /**
     * Vault's deployer login role (auth/aws/role/deployer) as a read returns it: whom it binds, or "missing". Undefined:
     * what a deployed Vault holds, the principals this run's vault-init Job writes (its DEPLOYER_PRINCIPALS), and no
     * role until that Job is registered (on a first `up` the role exists once the Job ran). Tests change it to see a
     * Vault whose role an earlier Job wrote (admins removed since) stop the run.
     */
    readonly vaultDeployerRole?: { readonly boundIamPrincipalArns: readonly string[] } | "missing";
}

/** Per fake cloud: the principals its vault-init Job writes into the deployer role (see FakeCloud.vaultDeployerRole). */
const deployerRoleWritten = new WeakMap<FakeCloud, string[]>();

/** The vault-init Job's DEPLOYER_PRINCIPALS (its configure step's environment), if `inputs` are that Job's. */
function deployerPrincipalsOf(inputs: Record<string, any>): string[] | undefined {
    const containers: { env?: { name: string; value?: string }[] }[] = inputs.spec?.template?.spec?.initContainers ?? [];
    const value = containers.flatMap((c) => c.env ?? []).find((e) => e.name === "DEPLOYER_PRINCIPALS")?.value;
    return value === undefined ? undefined : value.split(",").filter((a) => a !== "");
}

/** An invoke failure as the engine reports it (the SDK reads gRPC's `details`). */
const invokeError = (message: string) => Object.assign(new Error(message), { details: message });

/** The IAM lookup's answer for `name`, or AWS's NoSuchEntity error. */
function fakePrincipal(cloud: FakeCloud, kind: "role" | "user", name: string): string {
    const arn = (cloud.iamPrincipals ?? [`arn:${cloud.partition}:iam::${cloud.accountId}:${kind}/${name}`]).find((a) => a.startsWith(`arn:${cloud.partition}:iam::${cloud.accountId}:${kind}/`) && a.endsWith(`/${name}`));
    if (!arn) throw invokeError(`NoSuchEntity: The ${kind} with name ${name} cannot be found.`);
    return arn;
}

/** `aws:ec2/vpc:Vpc` -> `ec2`. */
function awsService(type: string): string {
    return type.split(":")[1]?.split("/")[0] ?? "unknown";
}

/** A stable small number per name, so repeated plans print the same fake values. */
function stableOctet(name: string): number {
    let h = 0;
    for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return (h % 254) + 1;
}

/** Computed attributes for a new resource, on top of its inputs. */
export function fakeState(cloud: FakeCloud, type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    const service = awsService(type);
    const base: Record<string, unknown> = { ...inputs };
    // AWS provider v7 resources may name their own region (replicas); ARNs follow it.
    const region = typeof inputs.region === "string" ? inputs.region : cloud.region;
    if (type.startsWith("aws:")) {
        base.arn ??=
            service === "iam"
                ? `arn:${cloud.partition}:iam::${cloud.accountId}:${type.split(":")[2].toLowerCase()}/${inputs.name ?? name}`
                : `arn:${cloud.partition}:${service}:${region}:${cloud.accountId}:${type.split(":")[2].toLowerCase()}/${name}`;
        base.name ??= inputs.name ?? name;
    }
    if (type === "kubernetes:batch/v1:Job") {
        const principals = deployerPrincipalsOf(inputs);
        if (principals) deployerRoleWritten.set(cloud, principals);
    }
    switch (type) {
        case "aws:ec2/eip:Eip":
            return { ...base, publicIp: `203.0.113.${stableOctet(name)}`, allocationId: `eipalloc-${name}` };
        case "aws:eks/cluster:Cluster": {
            const clusterName = String(inputs.name ?? name);
            const oidcId = String(stableOctet(clusterName)).padStart(3, "0").repeat(10).slice(0, 32).toUpperCase();
            return {
                ...base,
                arn: `arn:${cloud.partition}:eks:${cloud.region}:${cloud.accountId}:cluster/${clusterName}`,
                endpoint: `https://${oidcId}.gr7.${cloud.region}.eks.amazonaws.com`,
                certificateAuthority: { data: Buffer.from(`offline-plan CA of ${clusterName}`).toString("base64") },
                identities: [{ oidcs: [{ issuer: `https://oidc.eks.${cloud.region}.amazonaws.com/id/${oidcId}` }] }],
                vpcConfig: { ...(inputs.vpcConfig as object), clusterSecurityGroupId: `sg-${clusterName}-cluster` },
                status: "ACTIVE",
            };
        }
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            return { ...base, arn: `arn:${cloud.partition}:iam::${cloud.accountId}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}` };
        case "aws:ec2/launchTemplate:LaunchTemplate":
            return { ...base, latestVersion: 1, defaultVersion: 1 };
        case "aws:eks/nodeGroup:NodeGroup":
            return { ...base, nodeGroupName: `${inputs.nodeGroupNamePrefix ?? ""}${stableOctet(name)}` };
        case "aws:sqs/queue:Queue":
            return {
                ...base,
                arn: `arn:${cloud.partition}:sqs:${cloud.region}:${cloud.accountId}:${inputs.name ?? name}`,
                url: `https://sqs.${cloud.region}.amazonaws.com/${cloud.accountId}/${inputs.name ?? name}`,
            };
        case "aws:s3/bucket:Bucket":
            return { ...base, arn: `arn:${cloud.partition}:s3:::${fakeId(type, name, inputs)}`, bucket: fakeId(type, name, inputs), region };
        case "aws:route53/zone:Zone": {
            const zoneId = `Z${String(stableOctet(name)).padStart(3, "0")}OFFLINEPLAN`;
            return {
                ...base,
                zoneId,
                arn: `arn:${cloud.partition}:route53:::hostedzone/${zoneId}`,
                nameServers: [1, 2, 3, 4].map((n) => `ns-${n}.awsdns-offline.example`),
            };
        }
        case "kubernetes:gateway.networking.k8s.io/v1:Gateway":
            // What the AWS Load Balancer Controller reports once the NLB exists.
            return { ...inputs, status: { addresses: [{ type: "Hostname", value: `k8s-${name}-0123456789.elb.${cloud.region}.amazonaws.com` }] } };
        case "aws:kms/key:Key":
            return { ...base, keyId: `key-${name}` };
        case "aws:ecr/repository:Repository":
            // Named by its name, as AWS does: policies scoped to the repository see its real ARN.
            return { ...base, arn: `arn:aws:ecr:${region}:${cloud.accountId}:repository/${inputs.name}`, repositoryUrl: `${cloud.accountId}.dkr.ecr.${region}.amazonaws.com/${inputs.name}` };
        case "pulumi:pulumi:StackReference":
            return { ...base, outputs: cloud.stackOutputs?.[String(inputs.name)] ?? {}, secretOutputNames: [...(cloud.stackSecretOutputs?.[String(inputs.name)] ?? [])] };
        case "aws:rds/instance:Instance":
            return { ...base, address: `${name}.offlineplan.${cloud.region}.rds.amazonaws.com`, port: 5432, endpoint: `${name}.offlineplan.${cloud.region}.rds.amazonaws.com:5432` };
        case "random:index/randomId:RandomId": {
            // Stable per name, twice byteLength hex digits as the provider's (internal/provider/resource_id.go).
            const bytes = Number(inputs.byteLength);
            const hex = Array.from({ length: bytes }, (_, i) => stableOctet(`${name}#${i}`).toString(16).padStart(2, "0")).join("");
            return { ...base, hex, b64Url: Buffer.from(hex, "hex").toString("base64url"), b64Std: Buffer.from(hex, "hex").toString("base64"), dec: BigInt(`0x${hex}`).toString() };
        }
        case "random:index/randomPassword:RandomPassword":
            // A recognisable value: tests assert it appears in no plaintext input or output.
            return { ...base, result: `offline-plan-password-${name}` };
        case "aws:cloudwatch/logGroup:LogGroup":
            return {
                ...base,
                arn: `arn:${cloud.partition}:logs:${cloud.region}:${cloud.accountId}:log-group:${inputs.name ?? name}`,
            };
        default:
            return base;
    }
}

/** What the offline cloud's Secrets Manager holds in secret `secretId`: a value naming it, so a test sees which secret was read. */
export const fakeSecretString = (secretId: string) => `offline-plan-secret-string-of-${secretId}`;

/** The id a new resource gets: its logical name + "-id", or what AWS uses as the id (a bucket's name). */
export function fakeId(type: string, name: string, inputs: Record<string, unknown>): string {
    if (type === "aws:s3/bucket:Bucket" && typeof inputs.bucket === "string") return inputs.bucket;
    return `${name}-id`;
}

export function fakeInvoke(cloud: FakeCloud, args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    switch (args.token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                accountId: cloud.accountId,
                arn: cloud.callerArn ?? `arn:${cloud.partition}:sts::${cloud.accountId}:assumed-role/offline-plan/plan`,
                userId: "AROAOFFLINEPLAN:plan",
                id: cloud.accountId,
            };
        case "aws:index/getPartition:getPartition":
            return { partition: cloud.partition, dnsSuffix: "amazonaws.com", id: cloud.partition };
        case "aws:index/getRegion:getRegion":
            return { name: cloud.region, region: cloud.region, id: cloud.region };
        case "aws:iam/getRole:getRole": {
            const name = String(args.inputs.name);
            const arn = fakePrincipal(cloud, "role", name);
            return { arn, name, path: arn.slice(arn.indexOf(":role") + 5, -name.length), uniqueId: `AROA${stableOctet(arn)}OFFLINE`, id: name };
        }
        case "aws:iam/getUser:getUser": {
            const userName = String(args.inputs.userName);
            const arn = fakePrincipal(cloud, "user", userName);
            return { arn, userName, path: arn.slice(arn.indexOf(":user") + 5, -userName.length), userId: `AIDA${stableOctet(arn)}OFFLINE`, id: userName };
        }
        case "aws:ec2/getAmi:getAmi": {
            // A public image by name: without an owner anyone's AMI of that name could answer, so the fake refuses it.
            const inputs = args.inputs as { owners?: string[]; filters?: { name: string; values: string[] }[]; mostRecent?: boolean };
            const filter = (n: string) => inputs.filters?.find((f) => f.name === n)?.values[0];
            const pattern = filter("name");
            if (!inputs.owners?.length || pattern === undefined) throw invokeError("the offline plan answers AMI lookups by owner and name filter only");
            const name = pattern.replace(/\*/g, "00000000");
            const id = `ami-0offline${String(stableOctet(name)).padStart(3, "0")}`;
            return { id, imageId: id, name, ownerId: inputs.owners[0], architecture: filter("architecture") ?? "x86_64", rootDeviceType: "ebs", blockDeviceMappings: [] };
        }
        case "aws:route53/getZone:getZone": {
            const inputs = args.inputs as { zoneId?: string; name?: string; privateZone?: boolean };
            const wanted = inputs.zoneId ?? inputs.name ?? "";
            // The fake account's zones are public: a lookup of a private zone finds none, as Route 53 would.
            if ((cloud.hostedZones && !cloud.hostedZones.includes(wanted)) || inputs.privateZone === true) {
                throw invokeError(`no matching Route 53 Hosted Zone found (${wanted})`);
            }
            const zoneId = inputs.zoneId ?? `Z${String(stableOctet(inputs.name ?? "")).padStart(3, "0")}OFFLINEPLAN`;
            const name = inputs.name ?? `zone-${zoneId.toLowerCase()}.example`;
            return {
                zoneId,
                name,
                arn: `arn:${cloud.partition}:route53:::hostedzone/${zoneId}`,
                nameServers: [],
                privateZone: false,
                id: zoneId,
            };
        }
        case "aws:secretsmanager/getSecretVersions:getSecretVersions": {
            // What the vault-init Job leaves: the stored keys as AWSCURRENT, labelled once the deployer's login exists.
            const secretId = String(args.inputs.secretId);
            const versions = [{ versionId: "offline-plan-version", versionStages: ["AWSCURRENT", "VAULT_AWS_LOGIN"], createdTime: "2026-08-07T12:00:00Z", lastAccessedDate: "" }];
            return { arn: secretId, secretId, versions, id: secretId };
        }
        case "aws:secretsmanager/getSecretVersion:getSecretVersion": {
            // A read through a configured AWS provider (the default one is not the deploy role), of a secret's ARN.
            const secretId = String(args.inputs.secretId);
            if (!String(args.provider ?? "").includes("pulumi:providers:aws::")) throw invokeError("the read does not go through a configured AWS provider");
            if (!secretId.startsWith(`arn:${cloud.partition}:secretsmanager:`)) throw invokeError(`ResourceNotFoundException: Secrets Manager can't find the specified secret (${secretId})`);
            return { arn: secretId, secretId, secretString: fakeSecretString(secretId), secretBinary: "", versionId: "offline-plan-version", versionStage: "AWSCURRENT", versionStages: ["AWSCURRENT"], createdDate: "2026-08-07T12:00:00Z", id: `${secretId}|AWSCURRENT` };
        }
        case "vault:generic/getSecret:getSecret": {
            // A read through the configured Vault provider (the default one has no address), of the deployer's role only.
            const path = String(args.inputs.path);
            if (path !== "auth/aws/role/deployer") throw new Error(`the offline plan's Vault holds auth/aws/role/deployer only, not ${path}; add it to plan/fakes.ts`);
            if (!String(args.provider ?? "").includes("pulumi:providers:vault::")) throw invokeError("no vault address: the read does not go through the configured Vault provider");
            const role = cloud.vaultDeployerRole;
            const bound = role === undefined ? deployerRoleWritten.get(cloud) : role === "missing" ? undefined : [...role.boundIamPrincipalArns];
            // terraform-provider-vault's generic secret data source when Vault answers 404.
            if (bound === undefined) throw invokeError(`no secret found at "${path}"`);
            // What Vault's AWS auth returns for the role (builtin/credential/aws, roleEntry.ToResponseData), in part.
            const data = {
                auth_type: "iam",
                bound_iam_principal_arn: bound,
                bound_iam_principal_id: bound.map((a) => `${a.includes(":user/") ? "AIDA" : "AROA"}${stableOctet(a)}OFFLINE`),
                resolve_aws_unique_ids: true,
                token_policies: ["deployer"],
                token_ttl: 7200,
                token_max_ttl: 7200,
            };
            // The provider's `data` holds strings only: other values as JSON (data_source_generic_secret.go).
            const strings = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
            return { path, data: strings, dataJson: JSON.stringify(data), id: path, leaseDuration: 0, leaseId: "", leaseRenewable: false, leaseStartTime: "" };
        }
        default:
            throw new Error(`the offline plan has no fake for invoke ${args.token}; add one to plan/fakes.ts`);
    }
}
