import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { policyDocument, PolicyDocument } from "../shared/iam";

export interface AdminCredentialsArgs {
    readonly namePrefix: string;
    /** The key only the admins may decrypt with (Vault's bootstrap key): a reader needs the secret's policy and the key's. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** IAM principals (the cluster admins; the deployer and the tenant stacks' deploy role are among them) that may read and write them. */
    readonly readers: readonly string[];
    /** The passwords, by role (`keycloak`, `grafana`): each one secret of its own. */
    readonly passwords: Readonly<Record<string, pulumi.Input<string>>>;
    /** Production: protect and keep the secrets (their value is generated, a rebuild cannot write it again). */
    readonly protect: boolean;
}

/**
 * The platform's local administrators' passwords (Keycloak's master realm, Grafana's break-glass `admin`), in Secrets
 * Manager rather than in stack outputs: whoever may read the platform stack (every team whose stacks reference it)
 * may show its secret outputs, and these passwords make their holder a platform admin. Each secret is encrypted with
 * the admins-only key and its resource policy denies reading and writing to anyone but the admins.
 */
export class AdminCredentials extends pulumi.ComponentResource {
    /** Each password's secret ARN, by role. */
    public readonly secretArns: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: AdminCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:secrets:AdminCredentials", name, {}, opts);
        const keep = { parent: this, protect: args.protect, retainOnDelete: args.protect };
        const arns: Record<string, pulumi.Output<string>> = {};
        for (const [role, password] of Object.entries(args.passwords)) {
            const secret = new aws.secretsmanager.Secret(
                `${name}-${role}`,
                {
                    // A prefix: a rebuilt stack generates a new password into a new secret, and a retained one stays.
                    namePrefix: `${args.namePrefix}/admin/${role}-`,
                    description: `The ${role} administrator's password (the SecretString), readable by the cluster admins only`,
                    kmsKeyId: args.kmsKeyArn,
                    recoveryWindowInDays: 30,
                },
                keep,
            );
            new aws.secretsmanager.SecretPolicy(
                `${name}-${role}-policy`,
                { secretArn: secret.arn, policy: secret.arn.apply((arn) => JSON.stringify(adminSecretPolicy(arn, args.readers))) },
                // A kept secret keeps its policy (admins only) and its value: a destroy must not leave it open or empty.
                keep,
            );
            new aws.secretsmanager.SecretVersion(`${name}-${role}-value`, { secretId: secret.id, secretString: pulumi.secret(password) }, keep);
            arns[role] = secret.arn;
        }
        this.secretArns = arns;
        this.registerOutputs({ secretArns: arns });
    }
}

/**
 * An admin password's resource policy: denies reading it, writing it and changing this policy to anyone but the
 * admins. Denies, so no identity policy in the account widens it; the key's policy denies decrypting to the same
 * principals (bootstrapKeyPolicy), so a non-admin that got past this one still reads ciphertext only.
 */
export function adminSecretPolicy(secretArn: string, readers: readonly string[]): PolicyDocument {
    if (readers.length === 0) throw new Error("an admin password's secret needs a reader (cluster.admins)");
    const notAdmin = { StringNotEquals: { "aws:PrincipalArn": [...readers] } };
    return policyDocument(
        { Sid: "ReadOnlyByAdmins", Effect: "Deny", Principal: "*", Action: ["secretsmanager:GetSecretValue"], Resource: secretArn, Condition: notAdmin },
        {
            Sid: "WriteOnlyByAdmins",
            Effect: "Deny",
            Principal: "*",
            // Deleting or rotating is an outage (no admin could log in): admins only too.
            Action: [
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecret",
                "secretsmanager:UpdateSecretVersionStage",
                "secretsmanager:PutResourcePolicy",
                "secretsmanager:DeleteResourcePolicy",
                "secretsmanager:DeleteSecret",
                "secretsmanager:RotateSecret",
                "secretsmanager:CancelRotateSecret",
            ],
            Resource: secretArn,
            Condition: notAdmin,
        },
    );
}
