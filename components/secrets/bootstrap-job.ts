// Unattended initialisation of Vault as pure data: the init Job's pod, its scripts, and the IAM/resource policies
// around the Secrets Manager secret that receives the recovery keys and the initial root token.
import { accountKeyAdministration, policyDocument, PolicyDocument } from "../shared/iam";
import { VAULT_RELEASE, VAULT_TLS_SECRET } from "./constants";

export const INIT_SERVICE_ACCOUNT = "vault-init";
export const INIT_JOB = "vault-init";
/** Shamir shares of the recovery keys `vault operator init` returns with an auto-unseal seal, and how many it takes. */
export const RECOVERY_SHARES = 5;
export const RECOVERY_THRESHOLD = 3;

/**
 * Initialises Vault once. It does nothing when the bootstrap secret holds material already (the check step counted
 * its versions) or when any server says Vault is initialised (a re-run, a server back on an empty volume while the
 * others hold the cluster); else it waits until the first server answers and runs `vault operator init` into a
 * memory-backed file the store step reads. Nothing secret is printed.
 */
export function initScript(replicas: number): string {
    const servers = Array.from({ length: replicas }, (_, i) => `${VAULT_RELEASE}-${i}.${VAULT_RELEASE}-internal`).join(" ");
    return `set -eu
umask 077
if [ "$(cat /bootstrap/versions)" != "0" ]; then
  echo "the bootstrap secret holds material already: not initialising"
  exit 0
fi
while true; do
  code=0; VAULT_ADDR=https://${VAULT_RELEASE}-0.${VAULT_RELEASE}-internal:8200 vault status -format=json > /tmp/status.json || code=$?
  # 0: unsealed, 2: sealed or not initialised; 1: not reachable yet
  [ "$code" -ne 1 ] && break
  echo "waiting for Vault"; sleep 5
done
for server in ${servers}; do
  VAULT_ADDR="https://$server:8200" vault status -format=json > /tmp/status.json || true
  if grep -q '"initialized": true' /tmp/status.json; then
    echo "Vault is initialised already ($server): nothing to do"
    exit 0
  fi
done
VAULT_ADDR=https://${VAULT_RELEASE}-0.${VAULT_RELEASE}-internal:8200 vault operator init -format=json -recovery-shares=${RECOVERY_SHARES} -recovery-threshold=${RECOVERY_THRESHOLD} > /bootstrap/init.json
echo "Vault initialised; the store step keeps the recovery keys and root token"
`;
}

/** The root token in what the store step kept; a missing one is an error (never an empty token for the provider). */
export function rootTokenOf(secretString: string): string {
    const token = (JSON.parse(secretString) as { root_token?: unknown }).root_token;
    if (typeof token !== "string" || token === "") {
        throw new Error("the Vault bootstrap secret has no root_token: put a token with the platform-admin policy there (README, Root token)");
    }
    return token;
}

/** Stores what init wrote (retrying until Secrets Manager takes it, since the keys exist nowhere else), then removes it. */
export function storeScript(): string {
    return `set -u
if [ ! -s /bootstrap/init.json ]; then echo "nothing to store: Vault was initialised before"; exit 0; fi
until aws secretsmanager put-secret-value --secret-id "$SECRET_ARN" --secret-string file:///bootstrap/init.json --query VersionId --output text; do
  echo "storing failed; retrying"; sleep 10
done
rm -f /bootstrap/init.json
`;
}

export interface InitJobArgs {
    readonly namespace: string;
    readonly vaultImage: string;
    readonly awsCliImage: string;
    readonly secretArn: string;
    readonly region: string;
    readonly replicas: number;
}

const RESTRICTED = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
};

/** The Job: check it can write the secret, initialise (first server), store; restricted Pod Security, no token in logs. */
export function initJobSpec(a: InitJobArgs) {
    const aws = (name: string, command: string) => ({
        name,
        image: a.awsCliImage,
        command: ["/bin/sh", "-c", command],
        env: [
            { name: "SECRET_ARN", value: a.secretArn },
            { name: "AWS_REGION", value: a.region },
            { name: "HOME", value: "/tmp" },
        ],
        securityContext: { ...RESTRICTED, runAsUser: 1000 },
        volumeMounts: [{ name: "bootstrap", mountPath: "/bootstrap" }, { name: "tmp", mountPath: "/tmp" }],
    });
    return {
        // A failed run (deadline, backoff) is replaced by the next `pulumi up` instead of blocking it.
        metadata: { name: INIT_JOB, namespace: a.namespace, annotations: { "pulumi.com/replaceUnready": "true" } },
        spec: {
            backoffLimit: 3,
            activeDeadlineSeconds: 1800,
            template: {
                metadata: { labels: { "app.kubernetes.io/name": INIT_JOB } },
                spec: {
                    serviceAccountName: INIT_SERVICE_ACCOUNT,
                    // OnFailure keeps the pod, and with it the memory-backed file, while the store step retries.
                    restartPolicy: "OnFailure",
                    initContainers: [
                        // Before anything exists that could be lost: prove the identity can reach the secret.
                        // Counts its versions: material stored before means Vault was initialised before.
                        aws("check-store", `aws secretsmanager describe-secret --secret-id "$SECRET_ARN" --query 'length(VersionIdsToStages || \`{}\`)' --output text > /bootstrap/versions`),
                        {
                            name: "init",
                            image: a.vaultImage,
                            command: ["/bin/sh", "-c", initScript(a.replicas)],
                            env: [
                                { name: "VAULT_CACERT", value: "/tls/ca.crt" },
                                { name: "HOME", value: "/tmp" },
                            ],
                            securityContext: { ...RESTRICTED, runAsUser: 100 },
                            volumeMounts: [
                                { name: "bootstrap", mountPath: "/bootstrap" },
                                { name: "tmp", mountPath: "/tmp" },
                                { name: "tls", mountPath: "/tls", readOnly: true },
                            ],
                        },
                    ],
                    containers: [aws("store", storeScript())],
                    volumes: [
                        { name: "bootstrap", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                        { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
                        { name: "tls", secret: { secretName: VAULT_TLS_SECRET, items: [{ key: "ca.crt", path: "ca.crt" }] } },
                    ],
                    securityContext: { runAsNonRoot: true, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
                },
            },
        },
    };
}

/** The init identity may write the bootstrap secret (and describe it); a new version needs GenerateDataKey, through Secrets Manager only. */
export function initIdentityPolicy(secretArn: string, keyArn: string, region: string): PolicyDocument {
    return policyDocument(
        { Sid: "StoreBootstrap", Effect: "Allow", Action: ["secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"], Resource: secretArn },
        {
            Sid: "EncryptThroughSecretsManager",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey"],
            Resource: keyArn,
            Condition: { StringEquals: { "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
        },
    );
}

/**
 * The secret's resource policy: only the admins (the deployer is one) may read it; only the init identity and the
 * admins may write it. Denies, so no identity policy elsewhere in the account can widen it.
 */
export function bootstrapSecretPolicy(secretArn: string, readers: readonly string[], initRoleArn: string): PolicyDocument {
    return policyDocument(
        {
            Sid: "ReadOnlyByAdmins",
            Effect: "Deny",
            Principal: "*",
            Action: ["secretsmanager:GetSecretValue"],
            Resource: secretArn,
            Condition: { StringNotEquals: { "aws:PrincipalArn": [...readers] } },
        },
        {
            Sid: "WriteOnlyByInitAndAdmins",
            Effect: "Deny",
            Principal: "*",
            Action: ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret"],
            Resource: secretArn,
            Condition: { StringNotEquals: { "aws:PrincipalArn": [...readers, initRoleArn] } },
        },
    );
}

/** The bootstrap key: administered by the account; only the admins may decrypt with it (Secrets Manager reads). */
export function bootstrapKeyPolicy(partition: string, accountId: string, readers: readonly string[]): PolicyDocument {
    return policyDocument(
        accountKeyAdministration(partition, accountId),
        {
            Sid: "DecryptOnlyByAdmins",
            Effect: "Deny",
            Principal: "*",
            Action: "kms:Decrypt",
            Resource: "*",
            Condition: { StringNotEquals: { "aws:PrincipalArn": [...readers] } },
        },
    );
}
