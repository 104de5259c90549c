import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterRef } from "../cluster/cluster-ref";
import { bootstrapKeyPolicy, bootstrapSecretArnPattern, bootstrapSecretPolicy, INIT_SERVICE_ACCOUNT, initDisruptionBudget, initIdentityPolicy, initJobSpec, loginStateOf } from "./bootstrap-job";

export interface VaultBootstrapArgs {
    readonly cluster: ClusterRef;
    readonly namespace: string;
    readonly region: string;
    readonly namePrefix: string;
    readonly vaultImage: string;
    readonly awsCliImage: string;
    /** IAM principals (the cluster admins; the deployer is one) that may read the bootstrap material. */
    readonly readers: readonly string[];
    /** The Vault release (and what it needs) the Job waits for. */
    readonly vault: pulumi.Resource[];
    /** Vault servers: the Job asks each whether Vault is initialised already. */
    readonly replicas: number;
    /** Production: protect and keep the secret and its key. */
    readonly protect: boolean;
    /** Vault's public hostname: logins sign it (X-Vault-AWS-IAM-Server-ID). */
    readonly vaultHostname: string;
    /** The deployer policy the Job writes (HCL). */
    readonly deployerPolicy: string;
}

/**
 * Initialises Vault without a human: a Job runs `vault operator init` once, hands the recovery keys to a Secrets
 * Manager secret encrypted with a key of its own, which only the admins can read, configures the deployer's AWS IAM
 * login with the root token and revokes it. Nobody keeps a root token; the program never reads the secret's value.
 */
export class VaultBootstrap extends pulumi.ComponentResource {
    public readonly secretArn: pulumi.Output<string>;
    /** The key only the admins may decrypt with: the admin passwords' secrets (AdminCredentials) are encrypted with it too. */
    public readonly keyArn: pulumi.Output<string>;
    /** Known once the Job has labelled the material: the deployer's login exists (else the run stops, saying why). */
    public readonly loginReady: pulumi.Output<string>;
    public readonly job: k8s.batch.v1.Job;

    constructor(name: string, args: VaultBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:secrets:VaultBootstrap", name, {}, opts);
        const protect = args.protect;
        const keep = { parent: this, protect, retainOnDelete: protect };
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const secretNamePrefix = `${args.namePrefix}/vault/bootstrap-`;

        // The key's policy names the init role, whose permissions name the key and the secret: the role comes first
        // and its permissions take the key's and the secret's ARNs once they exist.
        const [keyArn, resolveKeyArn] = pulumi.deferredOutput<string>();
        const [secretArn, resolveSecretArn] = pulumi.deferredOutput<string>();
        const identity = args.cluster.workloadIdentity(
            `${name}-init`,
            {
                namespace: args.namespace,
                serviceAccount: INIT_SERVICE_ACCOUNT,
                policy: pulumi.all([secretArn, keyArn]).apply(([s, k]) => initIdentityPolicy(s, k, args.region)),
            },
            { parent: this },
        );
        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Vault bootstrap material and admin passwords of ${args.namePrefix}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: pulumi
                    .all([partition, args.cluster.identity.accountId, identity.roleArn])
                    .apply(([p, account, initRole]) =>
                        JSON.stringify(bootstrapKeyPolicy(p, account, args.region, args.readers, initRole, bootstrapSecretArnPattern(p, args.region, account, secretNamePrefix))),
                    ),
            },
            keep,
        );
        const secret = new aws.secretsmanager.Secret(
            `${name}-secret`,
            {
                // A prefix, not a fixed name: a rebuilt stack starts a new Vault and a new secret, and the retained one stays.
                namePrefix: secretNamePrefix,
                description: "Vault recovery keys (and the revoked initial root token's accessor), written once by the vault-init Job",
                kmsKeyId: key.arn,
                recoveryWindowInDays: 30,
            },
            keep,
        );
        resolveKeyArn(key.arn);
        resolveSecretArn(secret.arn);
        const secretPolicy = new aws.secretsmanager.SecretPolicy(
            `${name}-secret-policy`,
            {
                secretArn: secret.arn,
                policy: pulumi.all([secret.arn, identity.roleArn]).apply(([s, role]) => JSON.stringify(bootstrapSecretPolicy(s, args.readers, role))),
            },
            { parent: this },
        );

        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            { metadata: { name: INIT_SERVICE_ACCOUNT, namespace: args.namespace } },
            { ...k8sOpts, dependsOn: args.vault },
        );
        // In force before the pod starts: no drain takes it while it holds the keys.
        const budget = new k8s.policy.v1.PodDisruptionBudget(`${name}-disruption-budget`, initDisruptionBudget(args.namespace), { ...k8sOpts, dependsOn: args.vault });
        this.job = new k8s.batch.v1.Job(
            `${name}-job`,
            secret.arn.apply((secretArn) =>
                initJobSpec({
                    namespace: args.namespace,
                    vaultImage: args.vaultImage,
                    awsCliImage: args.awsCliImage,
                    placement: args.cluster.platformPods,
                    secretArn,
                    region: args.region,
                    replicas: args.replicas,
                    vaultHostname: args.vaultHostname,
                    deployerPrincipals: args.readers,
                    deployerPolicy: args.deployerPolicy,
                }),
            ),
            // Pulumi waits for the Job to complete: Vault initialised, the keys stored, the login configured (or found so).
            { ...k8sOpts, dependsOn: [...args.vault, serviceAccount, identity, secretPolicy, budget], customTimeouts: { create: "30m", update: "30m" } },
        );

        // The versions' labels, after the Job (unknown in the first preview rather than failing): loginStateOf
        // refuses the INITIALISING marker and material the Job has not labelled, naming the docs/operations.md paragraph.
        const versions = aws.secretsmanager.getSecretVersionsOutput({ secretId: secret.arn }, { parent: this, dependsOn: [this.job] });
        this.loginReady = versions.versions.apply(loginStateOf);
        this.secretArn = secret.arn;
        this.keyArn = key.arn;
        this.registerOutputs({ secretArn: this.secretArn });
    }
}
