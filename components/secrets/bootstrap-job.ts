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
 * The one identity of every container in the init pod. init writes the key file owner-only (umask 077) and store
 * reads it, so they share the uid; the gid is explicit because without runAsGroup containerd takes it from each
 * image's /etc/passwd (pkg/oci/spec_opts.go, WithUserID): the Vault image's vault user is 100:1000, the AWS CLI image
 * has no user 1000, so gid 0. A key file store could not read was lost with the pod (issue 34).
 */
export const INIT_UID = 1000;
export const INIT_GID = 1000;
/** Labels of the init pod (the disruption budget selects it by them). */
export const INIT_POD_LABELS = { "app.kubernetes.io/name": INIT_JOB } as const;

/**
 * Staging label of the marker version the check step writes before init. Secrets Manager gives a secret's first
 * version AWSCURRENT whatever VersionStages says (PutSecretValue API reference), so every marker also takes
 * AWSCURRENT explicitly: while no material is stored, AWSCURRENT sits with INITIALISING on the newest marker, and a
 * version with AWSCURRENT and without INITIALISING is always material (what store, or an admin, put there).
 */
export const INIT_MARKER_STAGE = "INITIALISING";
/** The marker's value: no key, no token; rootTokenOf refuses it by name. */
export const INIT_MARKER = { vault_init: "started" } as const;

/**
 * Before anything exists that could be lost: reads the secret's staging labels (DescribeSecret; the init role never
 * reads values) and records in /bootstrap/state whether material is stored ("stored"), a previous run left only its
 * marker ("resumed"), or neither ("fresh"). Unless stored, it writes the marker: a PutSecretValue with the KMS key,
 * proving the role can store before init runs, and leaving a trace a half-done run can be recognised by.
 */
export function checkStoreScript(): string {
    const versions = "values(VersionIdsToStages || `{}`)";
    const has = (label: string) => `contains(@, \`"${label}"\`)`;
    return `set -eu
counts=$(aws secretsmanager describe-secret --secret-id "$SECRET_ARN" --query '[length(${versions}[?${has("AWSCURRENT")} && !${has(INIT_MARKER_STAGE)}]), length(${versions}[?${has(INIT_MARKER_STAGE)}])]' --output text) || {
  echo "cannot describe the bootstrap secret: not initialising Vault, nothing is lost" >&2
  exit 1
}
set -- $counts
if [ "$1" != 0 ]; then
  echo stored > /bootstrap/state
  echo "the bootstrap secret holds Vault's material already: nothing to initialise"
  exit 0
fi
state=fresh
if [ "$2" != 0 ]; then
  state=resumed
  echo "a previous run left its ${INIT_MARKER_STAGE} marker in the bootstrap secret and stored no material"
fi
aws secretsmanager put-secret-value --secret-id "$SECRET_ARN" --secret-string '${JSON.stringify(INIT_MARKER)}' --version-stages ${INIT_MARKER_STAGE} AWSCURRENT --query VersionId --output text > /dev/null || {
  echo "cannot write the bootstrap secret (PutSecretValue with its KMS key): not initialising Vault, nothing is lost" >&2
  exit 1
}
echo "$state" > /bootstrap/state
`;
}

/**
 * Initialises Vault once. It does nothing when the check step found material stored; it stops, loudly, when any
 * server says Vault is initialised while no material is stored (the recovery keys and root token of that init exist
 * nowhere: carrying on would leave a Vault nobody holds a token for); else it waits until the first server answers and
 * runs `vault operator init` into a memory-backed file, owner-only, that the store step reads. Nothing secret is printed.
 */
export function initScript(replicas: number): string {
    const servers = Array.from({ length: replicas }, (_, i) => `${VAULT_RELEASE}-${i}.${VAULT_RELEASE}-internal`).join(" ");
    return `set -eu
umask 077
state=$(cat /bootstrap/state)
if [ "$state" = stored ]; then
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
    echo "Vault is initialised ($server) but the bootstrap secret holds no recovery keys or root token: stopping" >&2
    if [ "$state" = resumed ]; then echo "a previous run of this Job initialised it and lost what init printed before storing it" >&2; fi
    echo "put that material in the secret if you hold it (docs/operations.md: Vault, Recovery); else Vault must be initialised anew" >&2
    exit 1
  fi
done
VAULT_ADDR=https://${VAULT_RELEASE}-0.${VAULT_RELEASE}-internal:8200 vault operator init -format=json -recovery-shares=${RECOVERY_SHARES} -recovery-threshold=${RECOVERY_THRESHOLD} > /bootstrap/init.json
echo "Vault initialised; the store step keeps the recovery keys and root token"
`;
}

/** The root token in what the store step kept; a missing one, or the init marker, is an error (never an empty token for the provider). */
export function rootTokenOf(secretString: string): string {
    const value = JSON.parse(secretString) as { root_token?: unknown; vault_init?: unknown };
    if (value.vault_init !== undefined) {
        throw new Error(`the Vault bootstrap secret holds only the init Job's ${INIT_MARKER_STAGE} marker: Vault's initialisation stored no recovery keys or root token (docs/operations.md: Vault, Recovery)`);
    }
    const token = value.root_token;
    if (typeof token !== "string" || token === "") {
        throw new Error("the Vault bootstrap secret has no root_token: put a token with the platform-admin policy there (docs/operations.md: Vault, Root token)");
    }
    return token;
}

/**
 * Stores what init wrote, then removes it. Retries only Secrets Manager: the keys exist nowhere else, and the pod
 * (restartPolicy OnFailure) keeps the file while it retries. A file it cannot read is not retried: it fails at once,
 * saying so, since waiting would only run out the deadline and drop the memory volume with the keys.
 */
export function storeScript(): string {
    return `set -u
key=/bootstrap/init.json
if [ "$(cat /bootstrap/state)" = stored ]; then echo "nothing to store: the bootstrap secret holds the material already"; exit 0; fi
unreadable() {
  echo "cannot read $key as uid $(id -u), gid $(id -g), groups $(id -G) ($(ls -ln "$key" 2>&1)): it holds Vault's only copy of the recovery keys and root token; init and store must run as the same user" >&2
  exit 1
}
[ -r "$key" ] || unreadable
if [ ! -s "$key" ]; then echo "$key is empty: vault operator init printed nothing" >&2; exit 1; fi
until aws secretsmanager put-secret-value --secret-id "$SECRET_ARN" --secret-string "file://$key" --query VersionId --output text; do
  [ -r "$key" ] || unreadable
  echo "storing failed; retrying"; sleep 10
done
rm -f "$key"
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
        securityContext: RESTRICTED,
        volumeMounts: [{ name: "bootstrap", mountPath: "/bootstrap" }, { name: "tmp", mountPath: "/tmp" }],
    });
    return {
        // A failed run (deadline, backoff) is replaced by the next `pulumi up` instead of blocking it.
        metadata: { name: INIT_JOB, namespace: a.namespace, annotations: { "pulumi.com/replaceUnready": "true" } },
        spec: {
            backoffLimit: 3,
            activeDeadlineSeconds: 1800,
            template: {
                // Karpenter leaves the node alone while the pod holds the keys (consolidation, drift); the budget
                // below covers drains through the eviction API.
                metadata: { labels: { ...INIT_POD_LABELS }, annotations: { "karpenter.sh/do-not-disrupt": "true" } },
                spec: {
                    serviceAccountName: INIT_SERVICE_ACCOUNT,
                    // OnFailure keeps the pod, and with it the memory-backed file, while the store step retries.
                    restartPolicy: "OnFailure",
                    initContainers: [
                        // Before anything exists that could be lost: material stored already, or a marker written.
                        aws("check-store", checkStoreScript()),
                        {
                            name: "init",
                            image: a.vaultImage,
                            command: ["/bin/sh", "-c", initScript(a.replicas)],
                            env: [
                                { name: "VAULT_CACERT", value: "/tls/ca.crt" },
                                { name: "HOME", value: "/tmp" },
                            ],
                            securityContext: RESTRICTED,
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
                    securityContext: { runAsNonRoot: true, runAsUser: INIT_UID, runAsGroup: INIT_GID, fsGroup: INIT_GID, seccompProfile: { type: "RuntimeDefault" } },
                },
            },
        },
    };
}

/**
 * Keeps voluntary evictions (drains, node upgrades) off the init pod while store runs: from init's end to store's the
 * keys live only in the pod's memory volume. The eviction API skips budgets for Pending (init containers still
 * running), finished and deleting pods (kubernetes pkg/registry/core/pod/storage/eviction.go, canIgnorePDB), so it
 * holds exactly while the pod runs and costs nothing once the Job is done. An integer minAvailable is what a budget
 * over pods of a controller without a scale subresource (a Job) may use.
 */
export function initDisruptionBudget(namespace: string) {
    return { metadata: { name: INIT_JOB, namespace }, spec: { minAvailable: 1, selector: { matchLabels: { ...INIT_POD_LABELS } } } };
}

/**
 * The init identity may write the bootstrap secret (and describe it). Secrets Manager uses a customer managed key on
 * the caller's behalf when it stores a new version: the caller needs kms:GenerateDataKey and kms:Decrypt on it (AWS
 * Secrets Manager UG, security-encryption, "Permissions for the KMS key"); both only through Secrets Manager and
 * only for this secret (the SecretARN pair of the encryption context Secrets Manager supplies, same page,
 * "Secrets Manager encryption context"). Decrypt never reads the value: GetSecretValue is not granted here, and the
 * secret's resource policy denies it to everyone but the admins.
 */
export function initIdentityPolicy(secretArn: string, keyArn: string, region: string): PolicyDocument {
    return policyDocument(
        { Sid: "StoreBootstrap", Effect: "Allow", Action: ["secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret"], Resource: secretArn },
        {
            Sid: "KeyThroughSecretsManagerForThisSecret",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: keyArn,
            Condition: { StringEquals: { "kms:ViaService": secretsManagerService(region), "kms:EncryptionContext:SecretARN": secretArn } },
        },
    );
}

const secretsManagerService = (region: string) => `secretsmanager.${region}.amazonaws.com`;

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

/**
 * The bootstrap key: administered by the account; only the admins may decrypt with it (Secrets Manager reads), and
 * the init identity only as Secrets Manager does on its behalf when it stores a version of a bootstrap secret of this
 * stack. The secret's ARN cannot be named here (the secret is encrypted with this key, so it is created after it):
 * `secretArnPattern` is the stack's bootstrap name prefix; the secret's resource policy still decides who may write.
 * Negated condition operators match when the key is absent (IAM UG, reference_policies_elements_condition_operators),
 * so a direct Decrypt, which carries no kms:ViaService and no SecretARN context, is denied.
 */
export function bootstrapKeyPolicy(partition: string, accountId: string, region: string, readers: readonly string[], initRoleArn: string, secretArnPattern: string): PolicyDocument {
    const asInit = { StringEquals: { "aws:PrincipalArn": initRoleArn } };
    return policyDocument(
        accountKeyAdministration(partition, accountId),
        {
            Sid: "DecryptOnlyByAdminsAndInit",
            Effect: "Deny",
            Principal: "*",
            Action: "kms:Decrypt",
            Resource: "*",
            Condition: { StringNotEquals: { "aws:PrincipalArn": [...readers, initRoleArn] } },
        },
        {
            Sid: "InitDecryptsOnlyThroughSecretsManager",
            Effect: "Deny",
            Principal: "*",
            Action: "kms:Decrypt",
            Resource: "*",
            Condition: { ...asInit, StringNotEquals: { "kms:ViaService": secretsManagerService(region) } },
        },
        {
            Sid: "InitDecryptsOnlyForTheBootstrapSecret",
            Effect: "Deny",
            Principal: "*",
            Action: "kms:Decrypt",
            Resource: "*",
            Condition: { ...asInit, ArnNotLike: { "kms:EncryptionContext:SecretARN": secretArnPattern } },
        },
    );
}

/** Every bootstrap secret of the stack: the secret's name prefix, then the random part the provider appends. */
export function bootstrapSecretArnPattern(partition: string, region: string, accountId: string, namePrefix: string): string {
    return `arn:${partition}:secretsmanager:${region}:${accountId}:secret:${namePrefix}*`;
}
