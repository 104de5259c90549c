// The auto-unseal key's policy and the permissions of Vault's workload identity on it.
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
