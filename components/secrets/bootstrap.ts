import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { ClusterRef } from "../cluster/cluster-ref";
import { bootstrapKeyPolicy, bootstrapSecretPolicy, INIT_SERVICE_ACCOUNT, initDisruptionBudget, initIdentityPolicy, initJobSpec, rootTokenOf } from "./bootstrap-job";

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
}

/**
 * Initialises Vault without a human: a Job runs `vault operator init` once and hands the recovery keys and the
 * initial root token to a Secrets Manager secret encrypted with a key of its own, which only the admins can read.
 * The root token is read back at deploy time (after the Job) for the Vault provider; it stays a Pulumi secret.
 */
export class VaultBootstrap extends pulumi.ComponentResource {
    public readonly secretArn: pulumi.Output<string>;
    /** The initial root token (secret); unknown until the Job has run. */
    public readonly rootToken: pulumi.Output<string>;
    public readonly job: k8s.batch.v1.Job;

    constructor(name: string, args: VaultBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:secrets:VaultBootstrap", name, {}, opts);
        const protect = args.protect;
        const keep = { parent: this, protect, retainOnDelete: protect };
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;

        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Vault bootstrap material of ${args.namePrefix}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: pulumi.all([partition, args.cluster.identity.accountId]).apply(([p, account]) => JSON.stringify(bootstrapKeyPolicy(p, account, args.readers))),
            },
            keep,
        );
        const secret = new aws.secretsmanager.Secret(
            `${name}-secret`,
            {
                // A prefix, not a fixed name: a rebuilt stack starts a new Vault and a new secret, and the retained one stays.
                namePrefix: `${args.namePrefix}/vault/bootstrap-`,
                description: "Vault recovery keys and initial root token, written once by the vault-init Job",
                kmsKeyId: key.arn,
                recoveryWindowInDays: 30,
            },
            keep,
        );
        const identity = args.cluster.workloadIdentity(
            `${name}-init`,
            {
                namespace: args.namespace,
                serviceAccount: INIT_SERVICE_ACCOUNT,
                policy: pulumi.all([secret.arn, key.arn]).apply(([s, k]) => initIdentityPolicy(s, k, args.region)),
            },
            { parent: this },
        );
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
                initJobSpec({ namespace: args.namespace, vaultImage: args.vaultImage, awsCliImage: args.awsCliImage, secretArn, region: args.region, replicas: args.replicas }),
            ),
            // Pulumi waits for the Job to complete: Vault initialised and the material stored (or found stored).
            { ...k8sOpts, dependsOn: [...args.vault, serviceAccount, identity, secretPolicy, budget], customTimeouts: { create: "30m", update: "30m" } },
        );

        // Read back after the Job; during the first preview this is unknown rather than failing. AWSCURRENT only:
        // the Job completes only once material is stored, and rootTokenOf refuses the INITIALISING marker by name.
        const version = aws.secretsmanager.getSecretVersionOutput({ secretId: secret.arn }, { parent: this, dependsOn: [this.job] });
        this.rootToken = pulumi.secret(version.secretString.apply(rootTokenOf));
        this.secretArn = secret.arn;
        this.registerOutputs({ secretArn: this.secretArn });
    }
}
