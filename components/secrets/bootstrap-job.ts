// Unattended initialisation of Vault as pure data: the init Job's pod, its scripts, and the IAM/resource policies
// around the Secrets Manager secret that receives the recovery keys. The initial root token never leaves the pod: it
// configures the deployer's AWS IAM login and is revoked (issue 34 item 7).
import { accountKeyAdministration, policyDocument, PolicyDocument } from "../shared/iam";
import { VAULT_RELEASE, VAULT_TLS_SECRET } from "./constants";
import { placePod, type PodPlacement } from "../shared/placement";

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
/** The marker's value: no key, no token; loginStateOf refuses it by name. */
export const INIT_MARKER = { vault_init: "started" } as const;
/**
 * Staging label the finish step puts on the stored material once the deployer's AWS login is configured and the root
 * token revoked. Material without it (a run lost after storing, a stack initialised by the Job before issue 34 item 7,
 * material an admin put back) is "pending": the keys are safe, the login is not known to exist.
 */
export const LOGIN_STAGE = "VAULT_AWS_LOGIN";
/** Vault's AWS auth mount, the deployer's login role there, and its policy (written by the init Job only). */
export const AWS_AUTH_PATH = "aws";
export const DEPLOYER_ROLE = "deployer";
export const DEPLOYER_POLICY = "deployer";
/** The deployer's login role in Vault: the program reads it back after the Job (deployerBindingProblem). */
export const DEPLOYER_ROLE_PATH = `auth/${AWS_AUTH_PATH}/role/${DEPLOYER_ROLE}`;
/** Login tokens of the deployer: one `pulumi up` (the init Job alone may take 30 minutes). */
export const DEPLOYER_TOKEN_TTL = "2h";
/**
 * Kubernetes Secret (key `token`) an operator creates to let a re-run configure the login with a root token they
 * generated (or the old Job stored): docs/operations.md, Vault, Key custody. The Job revokes that token when done.
 */
export const OPERATOR_TOKEN_SECRET = "vault-init-token";

/** The regional STS endpoint: Vault forwards the signed request there, so it must be where the client signed for. */
export const stsEndpoint = (region: string) => `https://sts.${region}.amazonaws.com`;

/**
 * Before anything exists that could be lost: reads the secret's staging labels (DescribeSecret; the init role never
 * reads values) and records in /bootstrap/state whether the material is stored and the login configured ("done"), the
 * material is stored but the login not known to be ("pending"), a previous run left only its marker ("resumed"), or
 * neither ("fresh"). Unless material is stored, it writes the marker: a PutSecretValue with the KMS key, proving the
 * role can store before init runs, and leaving a trace a half-done run can be recognised by.
 */
export function checkStoreScript(): string {
    const versions = "values(VersionIdsToStages || `{}`)";
    const has = (label: string) => `contains(@, \`"${label}"\`)`;
    const material = `${has("AWSCURRENT")} && !${has(INIT_MARKER_STAGE)}`;
    return `set -eu
counts=$(aws secretsmanager describe-secret --secret-id "$SECRET_ARN" --query '[length(${versions}[?${material} && ${has(LOGIN_STAGE)}]), length(${versions}[?${material}]), length(${versions}[?${has(INIT_MARKER_STAGE)}])]' --output text) || {
  echo "cannot describe the bootstrap secret: not initialising Vault, nothing is lost" >&2
  exit 1
}
set -- $counts
if [ "$1" != 0 ]; then
  echo done > /bootstrap/state
  echo "the bootstrap secret holds Vault's recovery keys and the deployer's AWS login is configured: nothing to do"
  exit 0
fi
if [ "$2" != 0 ]; then
  echo pending > /bootstrap/state
  echo "the bootstrap secret holds Vault's recovery keys, but the deployer's AWS login is not known to be configured"
  exit 0
fi
state=fresh
if [ "$3" != 0 ]; then
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

const FIRST_SERVER = `https://${VAULT_RELEASE}-0.${VAULT_RELEASE}-internal:8200`;
/** The line `vault operator init -format=json` prints the root token on (Go's MarshalIndent, two spaces). */
const ROOT_TOKEN_LINE = `^  "root_token": "\\([^"]*\\)",\\{0,1\\}$`;

/**
 * Initialises Vault once. It does nothing when the check step found material stored; it stops, loudly, when any
 * server says Vault is initialised while no material is stored (the recovery keys of that init exist nowhere:
 * carrying on would leave a Vault nobody holds keys or a token for); else it waits until the first server answers and
 * runs `vault operator init` into a memory-backed file, owner-only. Then it splits what init printed: the root token
 * to /bootstrap/root-token (for the configure step, in this pod only), and the rest, with the token's accessor in its
 * place, to /bootstrap/keys.json for the store step; the accessor lets an operator revoke the token should the pod be
 * lost before the configure step does. A restart in the same pod resumes from the files. Nothing secret is printed.
 */
export function initScript(replicas: number): string {
    const servers = Array.from({ length: replicas }, (_, i) => `${VAULT_RELEASE}-${i}.${VAULT_RELEASE}-internal`).join(" ");
    return `set -eu
umask 077
state=$(cat /bootstrap/state)
if [ "$state" = done ] || [ "$state" = pending ]; then
  echo "the bootstrap secret holds the recovery keys already: not initialising"
  exit 0
fi
if [ -s /bootstrap/keys.json ]; then echo "initialised by this pod before its restart"; exit 0; fi
export VAULT_ADDR=${FIRST_SERVER}
if [ ! -s /bootstrap/init.json ]; then
  while true; do
    code=0; vault status -format=json > /tmp/status.json || code=$?
    # 0: unsealed, 2: sealed or not initialised; 1: not reachable yet
    [ "$code" -ne 1 ] && break
    echo "waiting for Vault"; sleep 5
  done
  for server in ${servers}; do
    VAULT_ADDR="https://$server:8200" vault status -format=json > /tmp/status.json || true
    if grep -q '"initialized": true' /tmp/status.json; then
      echo "Vault is initialised ($server) but the bootstrap secret holds no recovery keys: stopping" >&2
      if [ "$state" = resumed ]; then echo "a previous run of this Job initialised it and lost what init printed before storing it" >&2; fi
      echo "put that material in the secret if you hold it (docs/operations.md: Vault, Recovery); else Vault must be initialised anew" >&2
      exit 1
    fi
  done
  vault operator init -format=json -recovery-shares=${RECOVERY_SHARES} -recovery-threshold=${RECOVERY_THRESHOLD} > /bootstrap/init.json
  echo "Vault initialised"
fi
token=$(sed -n 's/${ROOT_TOKEN_LINE}/\\1/p' /bootstrap/init.json)
if [ -z "$token" ]; then echo "no root token where vault operator init prints it: stopping (the keys are still in this pod)" >&2; exit 1; fi
# Auto-unseal takes a moment after init: the token is valid once the server is unsealed and active.
until accessor=$(VAULT_TOKEN="$token" vault token lookup -field=accessor); do echo "waiting for Vault to unseal"; sleep 5; done
printf '%s' "$token" > /bootstrap/root-token
sed 's/^  "root_token": "[^"]*"/  "root_token_accessor": "'"$accessor"'"/' /bootstrap/init.json > /bootstrap/keys.json.tmp
if grep -qF "$token" /bootstrap/keys.json.tmp || ! grep -q '"root_token_accessor"' /bootstrap/keys.json.tmp; then
  echo "could not take the root token out of what init printed: stopping (the keys are still in this pod)" >&2
  exit 1
fi
mv /bootstrap/keys.json.tmp /bootstrap/keys.json
rm -f /bootstrap/init.json
echo "the store step keeps the recovery keys and the root token's accessor; the token stays in this pod"
`;
}

/**
 * Where the deployer's login stands, from the staging labels of the bootstrap secret's versions (never its value: the
 * program reads no key). The INITIALISING marker as AWSCURRENT, or material without the login label, stop the run
 * with the docs/operations.md paragraph that says what to do; the provider would otherwise fail with Vault's terse refusal.
 */
export function loginStateOf(versions: readonly { readonly versionStages: readonly string[] }[]): string {
    const current = versions.find((v) => v.versionStages.includes("AWSCURRENT"));
    if (current === undefined) throw new Error("the Vault bootstrap secret has no AWSCURRENT version: the vault-init Job stored nothing (docs/operations.md: Vault, Recovery)");
    if (current.versionStages.includes(INIT_MARKER_STAGE)) {
        throw new Error(`the Vault bootstrap secret holds only the init Job's ${INIT_MARKER_STAGE} marker: Vault's initialisation stored no recovery keys (docs/operations.md: Vault, Recovery)`);
    }
    if (!current.versionStages.includes(LOGIN_STAGE)) {
        throw new Error(
            `the Vault bootstrap secret holds recovery keys, but not the ${LOGIN_STAGE} label the vault-init Job sets once the deployer's AWS login is configured and the root token revoked (a run lost midway, or a stack initialised before that login existed): docs/operations.md, Vault, Key custody`,
        );
    }
    return LOGIN_STAGE;
}

/** What the operator does to let the Job rewrite the deployer's policy or role (docs/operations.md, Vault, Root token). */
export function rootTokenStep(namespace: string, jobUrn: string): string {
    return (
        `put a root token in the Secret ${OPERATOR_TOKEN_SECRET} (namespace ${namespace}, key token) and run pulumi up --replace '${jobUrn}': ` +
        `the vault-init Job writes the role with it and revokes it (docs/operations.md, Vault, Root token)`
    );
}

/**
 * The IAM principals Vault's deployer role binds (its \`bound_iam_principal_arn\`, read back once the Job completed)
 * against the cluster admins, in any order: undefined when they are the same, else what differs. The Job writes the
 * role only with a root token, so a change of \`cluster.admins\` without one leaves it as it was: a removed admin could
 * still log in as the deployer (resolve_aws_unique_ids binds the principal's unique id), a new one could not.
 */
export function deployerBindingProblem(roleData: Readonly<Record<string, unknown>>, admins: readonly string[]): string | undefined {
    const field = roleData.bound_iam_principal_arn;
    const bound = Array.isArray(field) ? field.map(String) : typeof field === "string" && field !== "" ? field.split(",") : [];
    const removed = bound.filter((a) => !admins.includes(a));
    const added = admins.filter((a) => !bound.includes(a));
    if (removed.length === 0 && added.length === 0) return undefined;
    return [
        `Vault's deployer login (${DEPLOYER_ROLE_PATH}) binds other IAM principals than platform:cluster.admins`,
        ...(removed.length > 0 ? [`removed from cluster.admins but still able to log in to Vault as the deployer: ${removed.join(", ")}`] : []),
        ...(added.length > 0 ? [`in cluster.admins but not bound: ${added.join(", ")}`] : []),
    ].join("; ");
}

/**
 * Stores the recovery keys and the root token's accessor (never the token), then removes the file. Retries only
 * Secrets Manager: the keys exist nowhere else, and the pod (restartPolicy OnFailure) keeps the file while it retries.
 * A file it cannot read is not retried: it fails at once, saying so, since waiting would only run out the deadline
 * and drop the memory volume with the keys.
 */
export function storeScript(): string {
    return `set -u
key=/bootstrap/keys.json
state=$(cat /bootstrap/state)
if [ "$state" = done ] || [ "$state" = pending ]; then echo "nothing to store: the bootstrap secret holds the recovery keys already"; exit 0; fi
if [ -f /bootstrap/stored ]; then echo "stored by this pod before its restart"; exit 0; fi
unreadable() {
  echo "cannot read $key as uid $(id -u), gid $(id -g), groups $(id -G) ($(ls -ln "$key" 2>&1)): it holds Vault's only copy of the recovery keys; init and store must run as the same user" >&2
  exit 1
}
[ -r "$key" ] || unreadable
if [ ! -s "$key" ]; then echo "$key is empty: vault operator init printed nothing" >&2; exit 1; fi
until aws secretsmanager put-secret-value --secret-id "$SECRET_ARN" --secret-string "file://$key" --query VersionId --output text; do
  [ -r "$key" ] || unreadable
  echo "storing failed; retrying"; sleep 10
done
: > /bootstrap/stored
rm -f "$key"
`;
}

/**
 * With the root token (this pod's, or one an operator supplied in the ${OPERATOR_TOKEN_SECRET} Secret): enables AWS
 * auth, binds its client config to Vault's hostname (the signed X-Vault-AWS-IAM-Server-ID header, so a login signed
 * for another Vault cannot be replayed here) and to the regional STS endpoint the provider signs for, writes the
 * deployer policy and a role bound to the admins with it; then revokes the token. Every write is idempotent, so a
 * restart in the same pod redoes them all; a restart after the revoke was asked for (the /bootstrap/revoking marker)
 * whose token Vault now refuses goes straight on to finish: the revoke went through, after every write. Without a
 * token it stops and names the docs/operations.md paragraph. Once done, it
 * runs again only when an operator supplies a token (new admins or a new deployer policy need root to be written).
 */
export function configureScript(): string {
    return `set -eu
umask 077
state=$(cat /bootstrap/state)
# Done, and no operator token: nothing to do. With one (new admins, a new deployer policy), configure again.
if [ "$state" = done ] && [ ! -s /operator/token ]; then echo "the deployer's AWS login is configured already"; exit 0; fi
if [ -f /bootstrap/configured ]; then echo "configured by this pod before its restart"; exit 0; fi
if [ -s /bootstrap/root-token ]; then
  token=/bootstrap/root-token
elif [ -s /operator/token ]; then
  token=/operator/token
  echo "using the root token an operator supplied in the Secret ${OPERATOR_TOKEN_SECRET}"
else
  echo "the bootstrap secret holds the recovery keys, but the deployer's AWS login is not known to be configured and this pod holds no root token: stopping" >&2
  echo "generate one with the recovery keys (or take the root_token an earlier Job stored), put it in the Secret ${OPERATOR_TOKEN_SECRET} (key token) and run pulumi up again: docs/operations.md, Vault, Key custody" >&2
  exit 1
fi
VAULT_TOKEN=$(cat "$token")
export VAULT_TOKEN VAULT_ADDR=${FIRST_SERVER}
# Restarted after asking Vault to revoke the token: if Vault refuses it now (403), the revoke went through and every
# write before it was done; any other failure (Vault not answering) is waited out, and a token still valid is used again.
if [ -f /bootstrap/revoking ]; then
  until vault token lookup -field=accessor > /dev/null 2> /tmp/lookup.err; do
    if grep -q "Code: 403" /tmp/lookup.err; then
      : > /bootstrap/configured
      rm -f /bootstrap/root-token /bootstrap/revoking
      echo "the token was revoked before this container's restart: the login was configured"
      exit 0
    fi
    cat /tmp/lookup.err >&2
    echo "waiting for Vault to answer whether the token was revoked"; sleep 5
  done
fi
if [ "$token" = /operator/token ] && ! vault token lookup -field=accessor > /dev/null; then
  echo "the token in the Secret ${OPERATOR_TOKEN_SECRET} is not valid (revoked by an earlier run?): delete the Secret, or put a valid root token in it (docs/operations.md, Vault, Key custody)" >&2
  exit 1
fi
until vault token lookup -field=accessor > /dev/null; do echo "waiting for Vault to accept the token"; sleep 5; done
vault auth list -format=json > /tmp/auth.json
grep -q '"${AWS_AUTH_PATH}/"' /tmp/auth.json || vault auth enable -path=${AWS_AUTH_PATH} aws
vault write auth/${AWS_AUTH_PATH}/config/client iam_server_id_header_value="$VAULT_HOSTNAME" sts_endpoint="https://sts.$AWS_REGION.amazonaws.com" sts_region="$AWS_REGION"
printf '%s' "$DEPLOYER_POLICY" | vault policy write ${DEPLOYER_POLICY} -
vault write auth/${AWS_AUTH_PATH}/role/${DEPLOYER_ROLE} auth_type=iam bound_iam_principal_arn="$DEPLOYER_PRINCIPALS" resolve_aws_unique_ids=true token_policies=${DEPLOYER_POLICY} token_ttl=${DEPLOYER_TOKEN_TTL} token_max_ttl=${DEPLOYER_TOKEN_TTL}
# Before the revoke: should it succeed on the server and its answer be lost, the restart finds the token refused.
: > /bootstrap/revoking
vault token revoke -self
: > /bootstrap/configured
rm -f /bootstrap/root-token /bootstrap/revoking
echo "the deployer logs in with AWS IAM; the root token is revoked"
`;
}

/**
 * Labels the current material ${LOGIN_STAGE} once the login is configured: what the program checks before the
 * provider logs in. The label moves (from an older version, when an admin put material back since).
 */
export function finishScript(): string {
    return `set -u
if [ "$(cat /bootstrap/state)" = done ]; then echo "nothing to label"; exit 0; fi
versions() { aws secretsmanager list-secret-version-ids --secret-id "$SECRET_ARN" --query "Versions[?contains(VersionStages, '$1')].VersionId | [0]" --output text; }
until current=$(versions AWSCURRENT) && labelled=$(versions ${LOGIN_STAGE}); do echo "listing versions failed; retrying"; sleep 10; done
from=""
if [ "$labelled" != None ] && [ "$labelled" != "$current" ]; then from="--remove-from-version-id $labelled"; fi
until aws secretsmanager update-secret-version-stage --secret-id "$SECRET_ARN" --version-stage ${LOGIN_STAGE} --move-to-version-id "$current" $from; do
  echo "labelling failed; retrying"; sleep 10
done
echo "the bootstrap secret's current version is labelled ${LOGIN_STAGE}"
`;
}

export interface InitJobArgs {
    readonly namespace: string;
    readonly vaultImage: string;
    readonly awsCliImage: string;
    /** Where the platform's pods go. */
    readonly placement?: PodPlacement;
    readonly secretArn: string;
    readonly region: string;
    readonly replicas: number;
    /** Vault's public hostname: the value of the X-Vault-AWS-IAM-Server-ID header every login must sign. */
    readonly vaultHostname: string;
    /** IAM principals (the cluster admins; the deployer is one) that may log in as the deployer. */
    readonly deployerPrincipals: readonly string[];
    /** The deployer policy (HCL): what the configuration step may do, and nothing that would widen it. */
    readonly deployerPolicy: string;
}

const RESTRICTED = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
};

/**
 * The Job: check it can write the secret, initialise (first server), store the keys, configure the deployer's login
 * and revoke the root token, label the material; restricted Pod Security, no key or token in logs.
 */
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
    const vault = (name: string, command: string, env: { name: string; value: string }[] = []) => ({
        name,
        image: a.vaultImage,
        command: ["/bin/sh", "-c", command],
        env: [{ name: "VAULT_CACERT", value: "/tls/ca.crt" }, { name: "HOME", value: "/tmp" }, ...env],
        securityContext: RESTRICTED,
        volumeMounts: [
            { name: "bootstrap", mountPath: "/bootstrap" },
            { name: "tmp", mountPath: "/tmp" },
            { name: "tls", mountPath: "/tls", readOnly: true },
            ...(name === "configure" ? [{ name: "operator-token", mountPath: "/operator", readOnly: true }] : []),
        ],
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
                    ...placePod(undefined, a.placement ?? {}),
                    initContainers: [
                        // Before anything exists that could be lost: material stored already, or a marker written.
                        aws("check-store", checkStoreScript()),
                        vault("init", initScript(a.replicas)),
                        // The keys leave the pod as early as they can: before anything else may fail.
                        aws("store", storeScript()),
                        vault("configure", configureScript(), [
                            { name: "AWS_REGION", value: a.region },
                            { name: "VAULT_HOSTNAME", value: a.vaultHostname },
                            { name: "DEPLOYER_PRINCIPALS", value: a.deployerPrincipals.join(",") },
                            { name: "DEPLOYER_POLICY", value: a.deployerPolicy },
                        ]),
                    ],
                    containers: [aws("finish", finishScript())],
                    volumes: [
                        { name: "bootstrap", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                        { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
                        { name: "tls", secret: { secretName: VAULT_TLS_SECRET, items: [{ key: "ca.crt", path: "ca.crt" }] } },
                        // Absent unless an operator resumes a run that lost its root token (docs/operations.md, Key custody).
                        { name: "operator-token", secret: { secretName: OPERATOR_TOKEN_SECRET, optional: true, items: [{ key: "token", path: "token" }] } },
                    ],
                    securityContext: { runAsNonRoot: true, runAsUser: INIT_UID, runAsGroup: INIT_GID, fsGroup: INIT_GID, seccompProfile: { type: "RuntimeDefault" } },
                },
            },
        },
    };
}

/**
 * Keeps voluntary evictions (drains, node upgrades) off the init pod while it runs. The eviction API skips budgets for
 * Pending (init containers still running), finished and deleting pods (kubernetes pkg/registry/core/pod/storage/
 * eviction.go, canIgnorePDB): it holds for the finish step only, so the window from init to store (seconds, init
 * containers) is covered by Karpenter's do-not-disrupt alone, and a loss there stops loudly (docs/operations.md, Recovery). An integer minAvailable is what a budget
 * over pods of a controller without a scale subresource (a Job) may use.
 */
export function initDisruptionBudget(namespace: string) {
    return { metadata: { name: INIT_JOB, namespace }, spec: { minAvailable: 1, selector: { matchLabels: { ...INIT_POD_LABELS } } } };
}

/**
 * The init identity may write the bootstrap secret, describe it, list its versions and move the login label. Secrets Manager uses a customer managed key on
 * the caller's behalf when it stores a new version: the caller needs kms:GenerateDataKey and kms:Decrypt on it (AWS
 * Secrets Manager UG, security-encryption, "Permissions for the KMS key"); both only through Secrets Manager and
 * only for this secret (the SecretARN pair of the encryption context Secrets Manager supplies, same page,
 * "Secrets Manager encryption context"). Decrypt never reads the value: GetSecretValue is not granted here, and the
 * secret's resource policy denies it to everyone but the admins.
 */
export function initIdentityPolicy(secretArn: string, keyArn: string, region: string): PolicyDocument {
    return policyDocument(
        {
            Sid: "StoreBootstrap",
            Effect: "Allow",
            Action: ["secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds", "secretsmanager:UpdateSecretVersionStage"],
            Resource: secretArn,
        },
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
            Action: ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:UpdateSecretVersionStage"],
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
