// What a tenant's workloads can do in AWS, decided by an IAM policy simulator (@cloud-copilot/iam-simulate) over the
// plan's policies: the roles its namespaces' service accounts get through Pod Identity (whoever creates pods in a
// namespace may run them as any of its service accounts), their inline policies, and the target's resource policy
// (a bucket's, a secret's, a role's trust policy).
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import type { PlannedResource } from "../plan/engine";

export interface AwsState {
    readonly accountId: string;
    readonly region: string;
    /** `namespace/serviceAccount` → role ARN, from the Pod Identity associations. */
    readonly associations: ReadonlyMap<string, string>;
    /** Role ARN → its trust policy and inline policies. */
    readonly roles: ReadonlyMap<string, { readonly trust: unknown; readonly inline: readonly unknown[]; readonly managed: readonly string[] }>;
    /** Bucket ARN → its policy. */
    readonly buckets: ReadonlyMap<string, unknown>;
    /** Secret ARN (the plan's placeholder) → its policy, if it has one. */
    readonly secrets: ReadonlyMap<string, unknown>;
    /** ECR repository ARNs by repository name. */
    readonly repositories: ReadonlyMap<string, string>;
}

const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);

/** The plan's IAM, as the offline plan names it: a role's ARN and id carry its logical name (`…:role/<name>`, `<name>-id`). */
export function awsState(resources: readonly PlannedResource[]): AwsState {
    const of = (type: string) => resources.filter((r) => r.type === type);
    const associations = new Map(of("aws:eks/podIdentityAssociation:PodIdentityAssociation").map((r) => [`${r.inputs.namespace}/${r.inputs.serviceAccount}`, String(r.inputs.roleArn)] as const));
    const anyArn = [...associations.values()][0] ?? "arn:aws:iam::000000000000:role/none";
    const accountId = anyArn.split(":")[4];
    const repoArns = of("aws:ecr/repository:Repository").map((r) => String(r.inputs.name));
    // The cluster's region, as the Pod Identity trust policies name the cluster.
    const region = /arn:aws:eks:([a-z0-9-]+):/.exec(of("aws:iam/role:Role").map((r) => String(r.inputs.assumeRolePolicy)).join(" "))?.[1] ?? "";
    const roles = new Map(
        of("aws:iam/role:Role").map((r) => {
            const name = r.name;
            const inline = of("aws:iam/rolePolicy:RolePolicy")
                .filter((p) => p.inputs.role === `${name}-id` || p.inputs.role === name)
                .map((p) => json(p.inputs.policy));
            const managed = of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                .filter((p) => p.inputs.role === name || p.inputs.role === `${name}-id`)
                .map((p) => String(p.inputs.policyArn));
            return [`arn:aws:iam::${accountId}:role/${name}`, { trust: json(r.inputs.assumeRolePolicy), inline, managed }] as const;
        }),
    );
    const bucketPolicies = new Map(of("aws:s3/bucketPolicy:BucketPolicy").map((p) => [String(p.inputs.bucket), json(p.inputs.policy)] as const));
    const buckets = new Map(of("aws:s3/bucket:Bucket").map((b) => [`arn:aws:s3:::${b.inputs.bucket}`, bucketPolicies.get(String(b.inputs.bucket))] as const));
    const secretPolicies = of("aws:secretsmanager/secretPolicy:SecretPolicy").map((p) => json(p.inputs.policy) as { Statement: { Resource?: string | string[] }[] });
    const secrets = new Map(
        of("aws:secretsmanager/secret:Secret").map((s) => {
            const arn = `arn:aws:secretsmanager:${region}:${accountId}:secret:${s.name}`;
            // The policy naming the secret: the plan gives it the same placeholder ARN.
            const policy = secretPolicies.find((p) => JSON.stringify(p).includes(`:secret:${s.name}`));
            return [arn, policy] as const;
        }),
    );
    return { accountId, region, associations, roles, buckets, secrets, repositories: new Map(repoArns.map((n) => [n, `arn:aws:ecr:${region}:${accountId}:repository/${n}`])) };
}

/** A role session of `roleArn`, what Pod Identity's credentials sign with. */
const sessionOf = (roleArn: string) => roleArn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/eks-session";

/** Whether role `roleArn` may make the call: its inline policies, and the resource's policy when it has one (AWS's evaluation, same account). */
export async function roleMay(state: AwsState, roleArn: string, action: string, resource: string, resourcePolicy?: unknown): Promise<boolean> {
    const role = state.roles.get(roleArn);
    if (role === undefined) throw new Error(`no role ${roleArn} in the plan`);
    if (role.managed.length > 0) throw new Error(`${roleArn}: managed policies (${role.managed.join(", ")}) are not transcribed for the simulator`);
    const simulation: Simulation = {
        request: {
            principal: sessionOf(roleArn),
            action,
            resource: { resource, accountId: resource.startsWith("arn:aws:s3:::") ? state.accountId : resource.split(":")[4] || state.accountId },
            contextVariables: { "aws:PrincipalArn": roleArn, "aws:PrincipalAccount": state.accountId, "aws:SecureTransport": "true" },
        },
        identityPolicies: role.inline.map((policy, i) => ({ name: `inline-${i}`, policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy,
    };
    const result = await runSimulation(simulation, {});
    if (result.resultType === "error") throw new Error(`${action} on ${resource}: the simulator refused the request: ${JSON.stringify(result.errors)}`);
    return result.overallResult === "Allowed";
}
