// The auto-unseal key's policy and the permissions of Vault's workload identity: the key, and what its AWS auth method
// needs to resolve the principals the deployer role is bound to.
import { accountKeyAdministration, policyDocument, PolicyDocument } from "../shared/iam";

/** KMS actions Vault's awskms seal calls (Encrypt/Decrypt the root key, DescribeKey at start-up). */
export const UNSEAL_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"] as const;

/** Administration by the account; use by Vault's role only (created before the key, so KMS accepts the policy). */
export function unsealKeyPolicy(partition: string, accountId: string, vaultRoleArn: string): PolicyDocument {
    return policyDocument(
        accountKeyAdministration(partition, accountId),
        { Sid: "VaultAutoUnseal", Effect: "Allow", Principal: { AWS: vaultRoleArn }, Action: [...UNSEAL_ACTIONS], Resource: "*" },
    );
}

/** Vault's role may use the unseal key, and nothing else. */
export function unsealIdentityPolicy(keyArn: string): PolicyDocument {
    return policyDocument({ Sid: "AutoUnseal", Effect: "Allow", Action: [...UNSEAL_ACTIONS], Resource: keyArn });
}

/**
 * With `resolve_aws_unique_ids` (on by default) Vault resolves each principal a role is bound to into its unique id
 * when the role is written, with its own AWS identity: iam:GetRole for a role, iam:GetUser for a user
 * (builtin/credential/aws backend.go, resolveArnToRealUniqueId); logins then compare the signed caller's unique id,
 * so a role deleted and recreated under the same name does not log in. Exactly those ARNs, nothing else: the login
 * itself is the client's signed sts:GetCallerIdentity, which Vault only forwards.
 */
export function awsAuthIdentityPolicy(principals: readonly string[]): PolicyDocument {
    const ofType = (type: string) => principals.filter((p) => /^arn:[^:]+:iam::\d{12}:(.+)$/.exec(p)?.[1].startsWith(`${type}/`));
    const roles = ofType("role");
    const users = ofType("user");
    const unknown = principals.filter((p) => !roles.includes(p) && !users.includes(p));
    if (unknown.length > 0) throw new Error(`Vault's AWS login binds IAM roles and users only, not ${unknown.join(", ")} (cluster.admins)`);
    return policyDocument(
        ...(roles.length > 0 ? [{ Sid: "ResolveBoundRoles", Effect: "Allow" as const, Action: ["iam:GetRole"], Resource: roles }] : []),
        ...(users.length > 0 ? [{ Sid: "ResolveBoundUsers", Effect: "Allow" as const, Action: ["iam:GetUser"], Resource: users }] : []),
    );
}
