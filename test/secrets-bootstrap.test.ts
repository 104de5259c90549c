import * as assert from "assert";
import {
    bootstrapKeyPolicy,
    bootstrapSecretArnPattern,
    bootstrapSecretPolicy,
    checkStoreScript,
    INIT_GID,
    INIT_MARKER,
    INIT_SERVICE_ACCOUNT,
    INIT_UID,
    initDisruptionBudget,
    initIdentityPolicy,
    initJobSpec,
    initScript,
    RECOVERY_SHARES,
    configureScript,
    deployerBindingProblem,
    finishScript,
    LOGIN_STAGE,
    loginStateOf,
    RECOVERY_THRESHOLD,
    storeScript,
} from "../components/secrets/bootstrap-job";
import { assertLeastPrivilege, inputs, named } from "./helpers";
import { committedPlan, describeStacks } from "./plans";
import { PlanError, planStack, PROJECT_DIR } from "../plan/engine";
import type { FakeCloud } from "../plan/fakes";
import { readStackConfig } from "../plan/stack-files";

describe("secrets: unattended Vault initialisation (decisions)", () => {
    // What the scripts do is run, not read, in vault-init-job.ts (real shells, the pod's ids, the real AWS CLI).
    it("asks every server whether Vault is initialised, then the first one to initialise, with 5 recovery shares and threshold 3", () => {
        assert.match(initScript(3), /for server in vault-0\.vault-internal vault-1\.vault-internal vault-2\.vault-internal; do/);
        assert.match(initScript(1), /for server in vault-0\.vault-internal; do/);
        assert.match(initScript(3), /export VAULT_ADDR=https:\/\/vault-0\.vault-internal:8200\n[\s\S]*\n  vault operator init -format=json -recovery-shares=5 -recovery-threshold=3 > \/bootstrap\/init\.json\n/);
        assert.deepStrictEqual([RECOVERY_SHARES, RECOVERY_THRESHOLD], [5, 3]);
    });

    it("prints no secret: no trace, no reading of the key or token files but by the CLI that uses them", () => {
        for (const script of [checkStoreScript(), initScript(3), storeScript(), configureScript(), finishScript()]) assert.doesNotMatch(script, /set -x|cat \/bootstrap\/(init|keys)|echo "\$(VAULT_)?[Tt]oken/);
    });

    it("lets the provider log in only once the Job labelled the material; refuses the init marker and unlabelled material by the docs/operations.md paragraph", () => {
        const v = (...versionStages: string[]) => ({ versionStages });
        assert.strictEqual(loginStateOf([v("AWSPREVIOUS"), v("AWSCURRENT", LOGIN_STAGE)]), LOGIN_STAGE);
        assert.throws(() => loginStateOf([v("INITIALISING", "AWSCURRENT")]), /holds only the init Job's INITIALISING marker.*docs\/operations\.md: Vault, Recovery/);
        assert.throws(() => loginStateOf([v("AWSCURRENT"), v(LOGIN_STAGE)]), /not the VAULT_AWS_LOGIN label.*docs\/operations\.md, Vault, Key custody/);
        assert.throws(() => loginStateOf([v("AWSPREVIOUS")]), /no AWSCURRENT version/);
        assert.match(checkStoreScript(), new RegExp(`--secret-string '${JSON.stringify(INIT_MARKER)}' --version-stages INITIALISING AWSCURRENT`));
    });

    it("compares whom Vault's deployer role binds with the cluster admins, in any order, naming what was removed and what added", () => {
        const [a, b, c] = ["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b", "arn:aws:iam::1:user/c"];
        assert.strictEqual(deployerBindingProblem({ bound_iam_principal_arn: [b, a], resolve_aws_unique_ids: true }, [a, b]), undefined);
        assert.strictEqual(
            deployerBindingProblem({ bound_iam_principal_arn: [a, b, c] }, [a, b]),
            `Vault's deployer login (auth/aws/role/deployer) binds other IAM principals than platform:cluster.admins; removed from cluster.admins but still able to log in to Vault as the deployer: ${c}`,
        );
        assert.strictEqual(
            deployerBindingProblem({ bound_iam_principal_arn: [a, c] }, [a, b]),
            `Vault's deployer login (auth/aws/role/deployer) binds other IAM principals than platform:cluster.admins; removed from cluster.admins but still able to log in to Vault as the deployer: ${c}; in cluster.admins but not bound: ${b}`,
        );
        assert.match(deployerBindingProblem({}, [a]) ?? "", /in cluster\.admins but not bound: arn:aws:iam::1:role\/a$/, "a role without principals binds nobody");
        assert.strictEqual(deployerBindingProblem({ bound_iam_principal_arn: `${a},${b}` }, [a, b]), undefined, "the comma-separated form the Job writes");
    });

    it("runs check, init and store in one restricted pod, as one user, whose only copy of the keys is in memory", () => {
        const job = initJobSpec({
            namespace: "vault",
            vaultImage: "hashicorp/vault:2.0.4",
            awsCliImage: "public.ecr.aws/aws-cli/aws-cli:2.36.7",
            secretArn: "arn:s",
            region: "eu-west-1",
            replicas: 3,
            vaultHostname: "vault.example.org",
            deployerPrincipals: ["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b"],
            deployerPolicy: 'path "x" {}',
        });
        assert.deepStrictEqual(job.metadata.annotations, { "pulumi.com/replaceUnready": "true" }, "a failed run is replaced, not waited on");
        const pod = job.spec.template.spec;
        assert.deepStrictEqual([pod.serviceAccountName, pod.restartPolicy], [INIT_SERVICE_ACCOUNT, "OnFailure"]);
        assert.deepStrictEqual(pod.initContainers.map((c) => [c.name, c.image, c.command[2]]), [
            ["check-store", "public.ecr.aws/aws-cli/aws-cli:2.36.7", checkStoreScript()],
            ["init", "hashicorp/vault:2.0.4", initScript(3)],
            ["store", "public.ecr.aws/aws-cli/aws-cli:2.36.7", storeScript()],
            ["configure", "hashicorp/vault:2.0.4", configureScript()],
        ]);
        assert.deepStrictEqual(pod.containers.map((c) => [c.name, c.command[2]]), [["finish", finishScript()]]);
        const configure = pod.initContainers[3];
        assert.deepStrictEqual(configure.env.slice(2), [
            { name: "AWS_REGION", value: "eu-west-1" },
            { name: "VAULT_HOSTNAME", value: "vault.example.org" },
            { name: "DEPLOYER_PRINCIPALS", value: "arn:aws:iam::1:role/a,arn:aws:iam::1:role/b" },
            { name: "DEPLOYER_POLICY", value: 'path "x" {}' },
        ]);
        assert.deepStrictEqual(pod.volumes.find((v) => v.name === "operator-token")?.secret, { secretName: "vault-init-token", optional: true, items: [{ key: "token", path: "token" }] });
        assert.deepStrictEqual(pod.initContainers.filter((c) => c.volumeMounts.some((m) => m.name === "operator-token")).map((c) => c.name), ["configure"], "only configure sees an operator's token");
        assert.deepStrictEqual(pod.volumes.find((v) => v.name === "bootstrap")?.emptyDir, { medium: "Memory", sizeLimit: "1Mi" });
        assert.deepStrictEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: INIT_UID, runAsGroup: INIT_GID, fsGroup: INIT_GID, seccompProfile: { type: "RuntimeDefault" } });
        for (const c of [...pod.initContainers, ...pod.containers]) {
            assert.deepStrictEqual(c.securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, `${c.name}: the pod's one user`);
        }
        assert.deepStrictEqual(job.spec.template.metadata, { labels: { "app.kubernetes.io/name": "vault-init" }, annotations: { "karpenter.sh/do-not-disrupt": "true" } });
        assert.strictEqual(job.spec.activeDeadlineSeconds, 1800);
        assert.deepStrictEqual(initDisruptionBudget("vault"), { metadata: { name: "vault-init", namespace: "vault" }, spec: { minAvailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "vault-init" } } } });
    });

    it("lets the init identity write that secret only, using its key through Secrets Manager only, for that secret only", () => {
        const doc = initIdentityPolicy("arn:aws:secretsmanager:eu-west-1:1:secret:s", "arn:aws:kms:eu-west-1:1:key/k", "eu-west-1");
        assertLeastPrivilege(doc);
        assert.deepStrictEqual(doc.Statement.map((s: any) => [s.Action, s.Resource]), [
            [["secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds", "secretsmanager:UpdateSecretVersionStage"], "arn:aws:secretsmanager:eu-west-1:1:secret:s"],
            [["kms:GenerateDataKey", "kms:Decrypt"], "arn:aws:kms:eu-west-1:1:key/k"],
        ]);
        assert.deepStrictEqual((doc.Statement[1] as any).Condition, {
            StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com", "kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:eu-west-1:1:secret:s" },
        });
    });

    it("denies reading the secret to anyone but the admins, writing to anyone but them and init; decrypting to init but through Secrets Manager for a bootstrap secret", () => {
        const admins = ["arn:aws:iam::1:role/Admin"];
        const init = "arn:aws:iam::1:role/init";
        const secret = bootstrapSecretPolicy("arn:s", admins, init);
        assert.deepStrictEqual(secret.Statement.map((s: any) => [s.Effect, s.Action, s.Condition.StringNotEquals["aws:PrincipalArn"]]), [
            ["Deny", ["secretsmanager:GetSecretValue"], admins],
            ["Deny", ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:UpdateSecretVersionStage"], [...admins, init]],
        ]);
        const pattern = bootstrapSecretArnPattern("aws", "eu-west-1", "1", "acme-dev/vault/bootstrap-");
        assert.strictEqual(pattern, "arn:aws:secretsmanager:eu-west-1:1:secret:acme-dev/vault/bootstrap-*");
        const key = bootstrapKeyPolicy("aws", "1", "eu-west-1", admins, init, pattern);
        // What these statements allow and deny together is evaluated in secrets-bootstrap-access.test.ts.
        assert.deepStrictEqual(key.Statement.slice(1).map((s: any) => [s.Effect, s.Action, s.Condition]), [
            ["Deny", "kms:Decrypt", { StringNotEquals: { "aws:PrincipalArn": [...admins, init] } }],
            ["Deny", "kms:Decrypt", { StringEquals: { "aws:PrincipalArn": init }, StringNotEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } }],
            ["Deny", "kms:Decrypt", { StringEquals: { "aws:PrincipalArn": init }, ArnNotLike: { "kms:EncryptionContext:SecretARN": pattern } }],
        ]);
    });
});

describeStacks((stack) => `secrets: Vault bootstrap in stack ${stack}`, "platform-secrets-bootstrap", ({ stack, production, plan, res }) => {

        it("keeps the material in a secret encrypted with its own rotating key, both protected and kept in production", () => {
            const key = named(res(), "platform-secrets-bootstrap-key");
            const secret = named(res(), "platform-secrets-bootstrap-secret");
            assert.strictEqual(inputs(secret).kmsKeyId, `arn:aws:kms:eu-west-1:${production ? "222222222222" : "111111111111"}:key/platform-secrets-bootstrap-key`);
            assert.strictEqual(inputs(secret).namePrefix, `acme-${stack}/vault/bootstrap-`);
            assert.strictEqual(inputs(key).enableKeyRotation, true);
            assert.deepStrictEqual([key.protect, key.retainOnDelete, secret.protect, secret.retainOnDelete], [production, production, production, production]);
        });

        it("only the stack's admins may read it", () => {
            const admins = JSON.parse(JSON.stringify(plan().resources.filter((r) => r.type === "aws:eks/accessEntry:AccessEntry").map((r) => inputs(r).principalArn)));
            const policy = JSON.parse(inputs(named(res(), "platform-secrets-bootstrap-secret-policy")).policy);
            const readers = policy.Statement.find((s: any) => s.Sid === "ReadOnlyByAdmins").Condition.StringNotEquals["aws:PrincipalArn"];
            assert.ok(readers.length >= 1 && readers.every((r: string) => admins.includes(r)), `${readers} ⊆ ${admins}`);
            assert.ok(readers.includes(production ? "arn:aws:iam::222222222222:role/pulumi-deployments" : "arn:aws:iam::111111111111:role/pulumi-deployments"));
        });

        it("runs the Job after Vault, its identity and the secret policy; Pulumi waits for it up to 30 minutes", () => {
            const job = named(res(), "platform-secrets-bootstrap-job");
            const release = named(plan().resources, "platform-secrets-vault-vault");
            for (const dep of [release, named(res(), "platform-secrets-bootstrap-secret-policy"), named(res(), "platform-secrets-bootstrap-service-account")]) {
                assert.ok(job.dependsOn.includes(dep.urn), dep.name);
            }
            assert.deepStrictEqual(job.customTimeouts, { create: "30m", update: "30m" });
            assert.deepStrictEqual(inputs(job).spec.template.spec.initContainers[1].image, "hashicorp/vault:2.0.4");
            const association = inputs(named(res(), "platform-secrets-bootstrap-init-association"));
            assert.deepStrictEqual([association.namespace, association.serviceAccount], ["vault", "vault-init"]);
        });

        it("exports the secret's ARN only: no key or token in any output or plaintext input", () => {
            assert.match(String(plan().outputs.vaultBootstrapSecretArn), /^arn:aws:secretsmanager:eu-west-1:\d{12}:secret\//);
            const everything = JSON.stringify({ outputs: plan().outputs, inputs: plan().resources.map((r) => r.inputs) });
            assert.doesNotMatch(everything, /offline-plan-root-token|offline-plan-recovery-key/);
            assert.deepStrictEqual(plan().secretOutputs, ["kubeconfig"]);
        });
});

/** Plans `stack` against a Vault whose deployer role is `role`; returns the failure (or fails the test). */
async function planFailure(stack: string, role: FakeCloud["vaultDeployerRole"]): Promise<PlanError> {
    try {
        await planStack({ stack, cloud: (c) => ({ ...c, vaultDeployerRole: role }) });
    } catch (e) {
        assert.ok(e instanceof PlanError, String(e));
        return e;
    }
    return assert.fail("the plan should have stopped on the deployer's Vault login");
}

/** The stack file's cluster admins: whom the deployer's Vault login must bind. */
const stackAdmins = (stack: string): string[] => JSON.parse(readStackConfig(PROJECT_DIR, stack).config["platform:cluster"]).admins;
const ROOT_TOKEN_STEP =
    /To rewrite the role, put a root token in the Secret vault-init-token \(namespace vault, key token\) and run pulumi up --replace 'urn:pulumi:dev::[^' ]*kubernetes:batch\/v1:Job::platform-secrets-bootstrap-job': the vault-init Job writes the role with it and revokes it \(docs\/operations\.md, Vault, Root token\)$/;

describe("secrets: the deployer's Vault login binds exactly cluster.admins, read back after the init Job @stack", function () {
    this.timeout(120_000);

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: the role a deployed Vault holds (what the Job wrote) binds the admins: the secrets layer registers them`, async () => {
            const secrets = named((await committedPlan(stack)).resources, "platform-secrets");
            assert.deepStrictEqual(secrets.registeredOutputs?.deployerPrincipals, stackAdmins(stack));
        });
    }

    it("a role that still binds an admin removed from cluster.admins (a re-run without a root token) stops the run, naming the ARN and the operator's step", async () => {
        const removed = "arn:aws:iam::111111111111:role/FormerAdmin";
        const e = await planFailure("dev", { boundIamPrincipalArns: [...stackAdmins("dev"), removed] });
        assert.ok(
            e.message.startsWith(`Vault's deployer login (auth/aws/role/deployer) binds other IAM principals than platform:cluster.admins; removed from cluster.admins but still able to log in to Vault as the deployer: ${removed}. `),
            e.message,
        );
        assert.match(e.message, ROOT_TOKEN_STEP);
    });

    it("an admin added to cluster.admins but not bound stops the run too", async () => {
        const [first, ...rest] = stackAdmins("dev");
        const e = await planFailure("dev", { boundIamPrincipalArns: rest });
        assert.ok(e.message.includes(`; in cluster.admins but not bound: ${first}. To rewrite the role`), e.message);
        assert.doesNotMatch(e.message, /removed from cluster\.admins/);
    });

    it("no role once the Job completed stops the run, saying it cannot read it", async () => {
        const e = await planFailure("dev", "missing");
        assert.match(e.message, /^cannot read Vault's deployer login role \(auth\/aws\/role\/deployer\) after the vault-init Job completed \(.*no secret found at "auth\/aws\/role\/deployer".*\): put a root token/);
        assert.match(e.message, /\(docs\/operations\.md, Vault, Root token\)$/);
    });
});
