// The Vault init Job of every stack file, run as Kubernetes would run it (test/job-harness.ts): real dash and bash,
// the pod's real uid/gid/fsGroup/umask, a fake Vault and a fake Secrets Manager behind the real AWS CLI. Also the
// class check: every Job in every stack's plan is found, and every one that runs a shell script has scenarios here.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { INIT_MARKER_STAGE, LOGIN_STAGE, loginStateOf, OPERATOR_TOKEN_SECRET } from "../components/secrets/bootstrap-job";
import { PROJECT_DIR } from "../plan/engine";
import { listStacks, readStackConfig } from "../plan/stack-files";
import { allContainers, assertHarnessCanRun, canRead, identityOf, JobManifest, JobRun, jobsInPlan, runJob, runsShell, World } from "./job-harness";
import { committedPlan } from "./plans";
import { inputs, named } from "./helpers";

/** Jobs that run shell scripts, and the suites below that run them: a new one needs its own scenarios. */
const SHELL_JOBS_WITH_SCENARIOS = ["vault-init"];

/** The stack file's cluster admins: whom docs/operations.md says the deployer's login is bound to. */
function readStackAdmins(stack: string): string[] {
    const cluster = readStackConfig(PROJECT_DIR, stack).config["platform:cluster"];
    return cluster ? ((JSON.parse(cluster) as { admins?: string[] }).admins ?? []) : [];
}

async function withWorld<T>(secretArn: string, body: (w: World) => Promise<T>): Promise<T> {
    const world = await new World(secretArn).start();
    try {
        const result = await body(world);
        assert.deepStrictEqual(world.errors, [], "requests the fakes could not answer");
        return result;
    } finally {
        await world.close();
    }
}

/** The test files that run the harness's shards (test/vault-init-job.<shard>.test.ts), one per core. */
export const HARNESS_SHARDS = 2;

/** The stack files of `shard` (0-based): every stack file is in one shard, taken in turn. */
export function harnessShard(shard: number, stacks: readonly string[] = listStacks(PROJECT_DIR)): string[] {
    return stacks.filter((_, i) => i % HARNESS_SHARDS === shard);
}

/**
 * The Job harness's suites for the stack files of `shard`: npm run test:harness runs the shards at once, one per core
 * (minutes of processes each).
 */
export function vaultInitJobSuites(shard: number): void {
    const STACKS = harnessShard(shard);
    describe("job harness: every stack file's Jobs @stack", function () {
        this.timeout(300_000);
        before(assertHarnessCanRun);

        // Shard-independent: once, in the first shard.
        if (shard === 0)
            it("finds the stack files", () => {
                assert.ok(listStacks(PROJECT_DIR).length >= 1, `no Pulumi.<stack>.yaml in ${PROJECT_DIR}`);
            });

        for (const stack of STACKS) {
            it(`${stack}: finds its Jobs, Helm hooks included; the shell-running ones are the ones with scenarios; runs the others`, async () => {
                const jobs = jobsInPlan(await committedPlan(stack));
                const names = jobs.map((j) => `${j.resource}:${j.job.metadata.name}`);
                assert.ok(jobs.some((j) => j.type === "kubernetes:batch/v1:Job"), `no Job resource in ${names}`);
                assert.ok(jobs.some((j) => j.type === "kubernetes:helm.sh/v3:Release" && j.job.metadata.annotations?.["helm.sh/hook"] === "pre-delete"), `no Helm hook Job in ${names}`);
                const shell = jobs.filter((j) => allContainers(j.job).some(runsShell));
                assert.deepStrictEqual([...new Set(shell.map((j) => j.job.metadata.name))].sort(), SHELL_JOBS_WITH_SCENARIOS, `Jobs that run shell scripts: ${names}`);
                const others = jobs.filter((j) => !shell.includes(j));
                assert.ok(others.length >= 1, "the kubectl hook Jobs");
                await withWorld("arn:none", async (w) => {
                    for (const found of others) {
                        const before = w.calls.length;
                        const run = await runJob(w, found.job);
                        assert.strictEqual(run.status, "Complete", `${found.resource}: ${run.log}`);
                        const c = found.job.spec.template.spec.containers[0];
                        const id = identityOf(found.job.spec.template.spec, c);
                        assert.deepStrictEqual(
                            w.calls.slice(before).map((call) => [call.tool, call.argv, call.uid, call.gid]),
                            [[path.basename(c.command![0]), c.command!.slice(1), id.uid, id.gid]],
                            found.resource,
                        );
                    }
                });
            });
        }
    });

    for (const stack of STACKS) {
        describe(`vault-init Job of stack ${stack}, run with real shells @stack`, function () {
            this.timeout(600_000);
            let job: JobManifest;
            let secretArn: string;
            let env: Record<string, string>;
            before(async () => {
                assertHarnessCanRun();
                const plan = await committedPlan(stack);
                const found = jobsInPlan(plan).filter((j) => j.job.metadata.name === "vault-init");
                assert.deepStrictEqual(found.map((j) => j.resource), ["platform-secrets-bootstrap-job"]);
                job = found[0].job;
                secretArn = String(plan.outputs.vaultBootstrapSecretArn);
                assert.match(secretArn, /^arn:aws:secretsmanager:/);
                const configure = job.spec.template.spec.initContainers?.find((c) => c.name === "configure") ?? assert.fail("no configure step");
                env = Object.fromEntries((configure.env ?? []).map((e) => [e.name, e.value ?? ""]));
            });

            const material = (w: World) => JSON.parse(w.vault.printed ?? assert.fail("init printed nothing"));
            /** AWSCURRENT holds what init printed with the root token replaced by its accessor: the keys, never the token. */
            const assertKeysStored = (w: World, log: string) => {
                const printed = material(w);
                const stored = JSON.parse(w.secretsManager.at("AWSCURRENT")?.value ?? assert.fail(log));
                const { root_token: token, ...keys } = printed;
                const accessor = stored.root_token_accessor;
                assert.match(String(accessor), /^[A-Za-z0-9_-]{16}$/, log);
                assert.deepStrictEqual(stored, { ...keys, root_token_accessor: accessor }, log);
                assert.ok(!w.secretsManager.versions.some((v) => v.value.includes(token)), "the root token in a stored version");
                assert.strictEqual(w.vault.initialisations, 1, "initialised once");
            };
            /** What the program checks before its provider logs in, and what Vault then holds: no live root token. */
            const assertLoginConfigured = (w: World, log: string) => {
                assert.strictEqual(loginStateOf(w.secretsManager.versions.map((v) => ({ versionStages: v.stages }))), LOGIN_STAGE, log);
                assert.deepStrictEqual(w.vault.liveRootTokens, [], `a root token is still valid:\n${log}`);
                assert.ok(w.vault.authMounts.has("aws/"), log);
                const hostname = env.VAULT_HOSTNAME;
                // Vault's public name under the stack file's domain (what the provider signs as its header value).
                assert.strictEqual(hostname, `vault.${JSON.parse(readStackConfig(PROJECT_DIR, stack).config["platform:ingress"]).domain}`);
                const region = env.AWS_REGION;
                assert.deepStrictEqual(w.vault.written.get("auth/aws/config/client"), {
                    iam_server_id_header_value: hostname,
                    sts_endpoint: `https://sts.${region}.amazonaws.com`,
                    sts_region: region,
                });
                assert.strictEqual(w.vault.policies.get("deployer"), env.DEPLOYER_POLICY);
                const role = w.vault.written.get("auth/aws/role/deployer") ?? assert.fail(log);
                assert.deepStrictEqual([role.auth_type, role.bound_iam_principal_arn.split(","), role.resolve_aws_unique_ids, role.token_policies], ["iam", readStackAdmins(stack), "true", "deployer"]);
            };
            const initCalls = (w: World) => w.callsOf("vault", "operator", "init").length;
            const initialisedOnce = (w: World) => assert.deepStrictEqual([w.vault.initialisations, initCalls(w)], [1, 1], "one vault operator init, and one initialisation");

            it("init writes the keys so that store, as the pod runs it, can read them; the root token stays owner-only in memory", async () => {
                await withWorld(secretArn, async (w) => {
                    const spec = job.spec.template.spec;
                    const store = allContainers(job).find((c) => c.name === "store") ?? assert.fail("no store step");
                    let seen = "";
                    let readable: boolean | undefined;
                    const run = await runJob(w, job, {
                        inspectAfter: {
                            container: "init",
                            inspect: (volumes) => {
                                const dir = volumes.get("bootstrap") ?? assert.fail("no bootstrap volume");
                                assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["keys.json", "root-token", "state"]);
                                for (const f of ["keys.json", "root-token"]) {
                                    const st = fs.statSync(path.join(dir, f));
                                    seen = `mode ${(st.mode & 0o7777).toString(8)}, owner ${st.uid}:${st.gid}`;
                                    assert.strictEqual(st.mode & 0o077, 0, `${f} is not owner-only: ${seen}`);
                                }
                                readable = canRead(identityOf(spec, store), path.join(dir, "keys.json"));
                                return true;
                            },
                        },
                    });
                    assert.strictEqual(run.status, "Stopped", run.log);
                    assert.strictEqual(readable, true, `store (${JSON.stringify(identityOf(spec, store))}) cannot read the key file init wrote (${seen}): the recovery keys would be lost`);
                });
            });

            it("stores the recovery keys and the token's accessor, configures the deployer's AWS login, revokes the root token, labels the material; prints no secret; a re-run does nothing", async () => {
                await withWorld(secretArn, async (w) => {
                    let left: string[] | undefined;
                    const run = await runJob(w, job, { inspectAfter: { container: "finish", inspect: (volumes) => void (left = fs.readdirSync(volumes.get("bootstrap")!)) } });
                    assert.strictEqual(run.status, "Complete", run.log);
                    assertKeysStored(w, run.log);
                    assertLoginConfigured(w, run.log);
                    assert.deepStrictEqual(w.secretsManager.at(LOGIN_STAGE), w.secretsManager.at("AWSCURRENT"));
                    const printed = material(w);
                    for (const secret of [printed.root_token, ...printed.recovery_keys_b64, ...printed.recovery_keys_hex]) assert.ok(!run.log.includes(secret), "a secret in the log");
                    assert.deepStrictEqual(left?.sort(), ["configured", "state", "stored"], "no key file, no token left in the memory volume");
                    // The writes were made with the root token, and the last call with it revoked it.
                    const withToken = w.calls.filter((c) => c.tool === "vault" && c.env.VAULT_TOKEN === printed.root_token);
                    assert.deepStrictEqual(withToken[withToken.length - 1].argv, ["token", "revoke", "-self"]);
                    const user = job.spec.template.spec.securityContext?.runAsUser;
                    assert.deepStrictEqual([...new Set(w.calls.map((c) => `${c.tool}:${c.uid}:${c.caReadable}`))].sort(), [`aws:${user}:true`, `vault:${user}:true`]);

                    const calls = w.calls.length;
                    const again = await runJob(w, job);
                    assert.strictEqual(again.status, "Complete", again.log);
                    assert.deepStrictEqual(w.calls.slice(calls).map((c) => [c.container, c.tool, c.argv[1]]), [["check-store", "aws", "describe-secret"]], "only the check, no marker, no Vault call");
                    assertLoginConfigured(w, again.log);
                });
            });

            it("check-store failing: the Job stops before init, loses nothing, and the re-run initialises", async () => {
                await withWorld(secretArn, async (w) => {
                    w.secretsManager.failNext("DescribeSecret", 3);
                    const failed = await runJob(w, job);
                    assert.deepStrictEqual([failed.status, failed.reason], ["Failed", "BackoffLimitExceeded"], failed.log);
                    assert.match(failed.log, /\[check-store\] cannot describe the bootstrap secret: not initialising Vault, nothing is lost/);
                    assert.deepStrictEqual([w.calls.filter((c) => c.tool === "vault").length, w.secretsManager.versions.length], [0, 0]);
                    const rerun = await runJob(w, job);
                    assert.strictEqual(rerun.status, "Complete", rerun.log);
                    assertKeysStored(w, rerun.log);
                    assertLoginConfigured(w, rerun.log);
                });
            });

            it("the marker write failing (PutSecretValue or its KMS key refused): the Job stops before init, and the re-run initialises", async () => {
                await withWorld(secretArn, async (w) => {
                    w.secretsManager.failNext("PutSecretValue", 3);
                    const failed = await runJob(w, job);
                    assert.deepStrictEqual([failed.status, failed.reason], ["Failed", "BackoffLimitExceeded"], failed.log);
                    assert.match(failed.log, /\[check-store\] cannot write the bootstrap secret \(PutSecretValue with its KMS key\): not initialising Vault, nothing is lost/);
                    assert.deepStrictEqual([w.calls.filter((c) => c.tool === "vault").length, w.secretsManager.versions.length], [0, 0]);
                    const rerun = await runJob(w, job);
                    assert.strictEqual(rerun.status, "Complete", rerun.log);
                    assertKeysStored(w, rerun.log);
                });
            });

            it("init failing before Vault is initialised: the marker stays, the material never; the re-run resumes and stores it as AWSCURRENT", async () => {
                await withWorld(secretArn, async (w) => {
                    w.vault.unreachable = 2;
                    w.vault.initFailures.push("before", "before", "before");
                    const failed = await runJob(w, job);
                    assert.deepStrictEqual([failed.status, failed.reason], ["Failed", "BackoffLimitExceeded"], failed.log);
                    assert.match(failed.log, /\[init\] waiting for Vault/);
                    assert.strictEqual(w.vault.initialized, false);
                    // The marker: AWSCURRENT too (the secret's first version), never read as material.
                    assert.deepStrictEqual(w.secretsManager.versions.map((v) => v.stages), [[INIT_MARKER_STAGE, "AWSCURRENT"]]);
                    assert.throws(() => loginStateOf(w.secretsManager.versions.map((v) => ({ versionStages: v.stages }))), /holds only the init Job's INITIALISING marker.*docs\/operations\.md: Vault, Recovery/);
                    const rerun = await runJob(w, job);
                    assert.strictEqual(rerun.status, "Complete", rerun.log);
                    assert.match(rerun.log, /\[check-store\] a previous run left its INITIALISING marker/);
                    assertKeysStored(w, rerun.log);
                    assertLoginConfigured(w, rerun.log);
                    assert.deepStrictEqual(w.secretsManager.versions.map((v) => v.stages), [[], [INIT_MARKER_STAGE, "AWSPREVIOUS"], ["AWSCURRENT", LOGIN_STAGE]]);
                });
            });

            it("init's answer lost after Vault initialised: stops loudly now and on every re-run, never initialises twice", async () => {
                await withWorld(secretArn, async (w) => {
                    w.vault.initFailures.push("after");
                    const failed = await runJob(w, job);
                    assert.deepStrictEqual([failed.status, failed.reason], ["Failed", "BackoffLimitExceeded"], failed.log);
                    assert.match(failed.log, /\[init\] Vault is initialised \(vault-0\.vault-internal\) but the bootstrap secret holds no recovery keys: stopping/);
                    const neverStored = (run: { runs: { name: string }[] }) => assert.ok(!run.runs.some((r) => r.name === "store"), "init itself stops the Job: store never starts");
                    neverStored(failed);
                    const rerun = await runJob(w, job);
                    assert.deepStrictEqual([rerun.status, rerun.reason], ["Failed", "BackoffLimitExceeded"], rerun.log);
                    assert.match(rerun.log, /\[init\] a previous run of this Job initialised it and lost what init printed before storing it/);
                    neverStored(rerun);
                    initialisedOnce(w);
                    assert.throws(() => loginStateOf(w.secretsManager.versions.map((v) => ({ versionStages: v.stages }))), /INITIALISING marker/);
                });
            });

            it("store's PutSecretValue failing: retries in the same pod until Secrets Manager takes it", async () => {
                await withWorld(secretArn, async (w) => {
                    const run = await runJob(w, job, { inspectAfter: { container: "init", inspect: () => void w.secretsManager.failNext("PutSecretValue", 2, "InternalServiceError", "try again") } });
                    assert.strictEqual(run.status, "Complete", run.log);
                    assert.strictEqual(run.log.match(/\[store\] storing failed; retrying/g)?.length, 2, run.log);
                    assert.strictEqual(run.pods, 1);
                    assertKeysStored(w, run.log);
                    assertLoginConfigured(w, run.log);
                });
            });

            it("the pod lost between init and store (evicted, node gone): the next pod stops loudly, never initialises twice", async () => {
                await withWorld(secretArn, async (w) => {
                    const run = await runJob(w, job, { loseThePodAfter: "init" });
                    assert.deepStrictEqual([run.status, run.pods], ["Failed", 2], run.log);
                    assert.ok(!run.runs.some((r) => r.name === "store"), "the second pod's init stops it: store never starts");
                    assert.match(run.log, /\[init\] a previous run of this Job initialised it and lost what init printed/);
                    initialisedOnce(w);
                });
            });

            it("store fails at once, saying why, when it cannot read the key file (no retry loop until the deadline)", async () => {
                await withWorld(secretArn, async (w) => {
                    // The bug of issue 34 brought back: store as another user than init.
                    const broken = JSON.parse(JSON.stringify(job)) as JobManifest;
                    const store = broken.spec.template.spec.initContainers!.find((c) => c.name === "store") as unknown as { securityContext: Record<string, unknown> };
                    store.securityContext.runAsUser = 2000;
                    const run = await runJob(w, broken);
                    assert.deepStrictEqual([run.status, run.reason, run.pods], ["Failed", "BackoffLimitExceeded", 1], run.log);
                    assert.match(run.log, /\[store\] cannot read \/bootstrap\/keys\.json as uid 2000, gid 1000, groups 1000 \(-rw------- 1 1000 1000 .*\): it holds Vault's only copy/);
                    assert.deepStrictEqual(w.callsOf("aws", "secretsmanager", "put-secret-value").filter((c) => c.container === "store"), []);
                    assert.strictEqual(w.calls.filter((c) => c.tool === "sleep" && c.container === "store").length, 0);
                });
            });

            it("configure failing midway (policy write, then the revoke): restarts in the same pod, redoes every write, revokes; nothing lost", async () => {
                await withWorld(secretArn, async (w) => {
                    w.vault.failNext("policy write", 1);
                    w.vault.failNext("token revoke", 1);
                    const run = await runJob(w, job);
                    assert.deepStrictEqual([run.status, run.pods], ["Complete", 1], run.log);
                    assert.strictEqual(run.runs.filter((r) => r.name === "configure").length, 3, run.log);
                    assert.strictEqual(run.runs.filter((r) => r.name === "init").length, 1, "init is not restarted: it completed");
                    assertKeysStored(w, run.log);
                    assertLoginConfigured(w, run.log);
                    initialisedOnce(w);
                });
            });

            it("the revoke done by Vault but its answer lost (timeout): the restarted configure finds the token refused and goes on to finish; no root token is valid", async () => {
                await withWorld(secretArn, async (w) => {
                    w.vault.failNext("token revoke", 1, "after");
                    const run = await runJob(w, job, {
                        // Vault not answering at the restart's first lookup: waited out, not taken for a refused token.
                        inspectAfter: { container: "configure", inspect: () => void (w.vault.failNext("token lookup", 1)) },
                    });
                    assert.deepStrictEqual([run.status, run.pods], ["Complete", 1], run.log);
                    assert.strictEqual(run.runs.filter((r) => r.name === "configure").length, 2, run.log);
                    assert.match(run.log, /\[configure\] Error: token revoke: .*context deadline exceeded/);
                    assert.match(run.log, /\[configure\] waiting for Vault to answer whether the token was revoked/);
                    assert.match(run.log, /\[configure\] the token was revoked before this container's restart: the login was configured/);
                    assert.deepStrictEqual(w.callsOf("vault", "token", "revoke").length, 1, "revoked once, by the first run");
                    assert.ok(!w.k8sSecrets.has(OPERATOR_TOKEN_SECRET), "no operator token involved");
                    assertKeysStored(w, run.log);
                    assertLoginConfigured(w, run.log);
                    initialisedOnce(w);
                    assert.ok(run.runs.some((r) => r.name === "finish" && r.code === 0), run.log);
                });
            });

            it("finish's labelling failing: retries in the same pod", async () => {
                await withWorld(secretArn, async (w) => {
                    w.secretsManager.failNext("UpdateSecretVersionStage", 2, "InternalServiceError", "try again");
                    const run = await runJob(w, job);
                    assert.deepStrictEqual([run.status, run.pods], ["Complete", 1], run.log);
                    assert.strictEqual(run.log.match(/\[finish\] labelling failed; retrying/g)?.length, 2, run.log);
                    assertLoginConfigured(w, run.log);
                });
            });

            /** The operator's step of docs/operations.md, Key custody: a root token generated with the recovery keys, given to the Job. */
            const resumeWithGeneratedRoot = async (w: World) => {
                const accessor = JSON.parse(w.secretsManager.at("AWSCURRENT")!.value).root_token_accessor;
                w.vault.revokeAccessor(accessor);
                w.k8sSecrets.set(OPERATOR_TOKEN_SECRET, { token: w.vault.generateRoot() });
                const rerun = await runJob(w, job);
                assert.strictEqual(rerun.status, "Complete", rerun.log);
                assert.match(rerun.log, /\[configure\] using the root token an operator supplied in the Secret vault-init-token/);
                assertLoginConfigured(w, rerun.log);
                initialisedOnce(w);
            };
            const stopsForAToken = (run: JobRun) => {
                assert.deepStrictEqual([run.status, run.reason], ["Failed", "BackoffLimitExceeded"], run.log);
                assert.match(run.log, /\[configure\] the bootstrap secret holds the recovery keys, but the deployer's AWS login is not known to be configured and this pod holds no root token: stopping/);
                assert.match(run.log, /docs\/operations\.md, Vault, Key custody/);
            };

            it("the pod lost after store: the keys are safe, the lost root token's accessor is stored; re-runs stop loudly until an operator gives a root token", async () => {
                await withWorld(secretArn, async (w) => {
                    const run = await runJob(w, job, { loseThePodAfter: "store" });
                    stopsForAToken(run);
                    assertKeysStored(w, run.log);
                    // Held by nobody (the memory volume is gone), still valid until revoked by the accessor stored with the keys.
                    const orphan = material(w).root_token;
                    assert.deepStrictEqual(w.vault.liveRootTokens, [orphan]);
                    assert.strictEqual(JSON.parse(w.secretsManager.at("AWSCURRENT")!.value).root_token_accessor, w.vault.tokens.get(orphan)?.accessor);
                    assert.throws(() => loginStateOf(w.secretsManager.versions.map((v) => ({ versionStages: v.stages }))), /not the VAULT_AWS_LOGIN label.*docs\/operations\.md, Vault, Key custody/);
                    stopsForAToken(await runJob(w, job));
                    await resumeWithGeneratedRoot(w);
                });
            });

            it("the pod lost after configure revoked the token, before the label: re-runs stop loudly (nothing proves the login), no root token is live", async () => {
                await withWorld(secretArn, async (w) => {
                    const run = await runJob(w, job, { loseThePodAfter: "configure" });
                    stopsForAToken(run);
                    assert.deepStrictEqual(w.vault.liveRootTokens, []);
                    await resumeWithGeneratedRoot(w);
                });
            });

            it("a stack initialised by the old Job (its secret holds root_token): the Job stops loudly, then configures with that token given and revokes it", async () => {
                await withWorld(secretArn, async (w) => {
                    // What the old Job left: Vault initialised, the whole init output stored as AWSCURRENT, no AWS login.
                    const old = w.vault.generateRoot();
                    w.vault.initialized = true;
                    w.secretsManager.put(JSON.stringify({ recovery_keys_b64: ["k"], recovery_keys_shares: 5, recovery_keys_threshold: 3, root_token: old }));
                    assert.throws(() => loginStateOf(w.secretsManager.versions.map((v) => ({ versionStages: v.stages }))), /docs\/operations\.md, Vault, Key custody/);
                    stopsForAToken(await runJob(w, job));
                    assert.deepStrictEqual(w.callsOf("vault", "operator", "init"), []);
                    w.k8sSecrets.set(OPERATOR_TOKEN_SECRET, { token: old });
                    const migrated = await runJob(w, job);
                    assert.strictEqual(migrated.status, "Complete", migrated.log);
                    assert.deepStrictEqual(w.vault.liveRootTokens, [], "the old root token is revoked");
                    assert.strictEqual(loginStateOf(w.secretsManager.versions.map((v) => ({ versionStages: v.stages }))), LOGIN_STAGE);
                    assert.strictEqual(w.vault.policies.get("deployer"), env.DEPLOYER_POLICY);
                    assert.deepStrictEqual(w.secretsManager.versions.length, 1, "the Job writes no version: it cannot read the keys");
                });
            });

            it("once done, a re-run with an operator's root token writes the policy and role again (new admins), revokes it; a stale token stops it loudly", async () => {
                await withWorld(secretArn, async (w) => {
                    assert.strictEqual((await runJob(w, job)).status, "Complete");
                    w.vault.policies.delete("deployer");
                    w.vault.written.delete("auth/aws/role/deployer");
                    const token = w.vault.generateRoot();
                    w.k8sSecrets.set(OPERATOR_TOKEN_SECRET, { token });
                    const again = await runJob(w, job);
                    assert.strictEqual(again.status, "Complete", again.log);
                    assertLoginConfigured(w, again.log);
                    initialisedOnce(w);
                    // The Secret left behind holds a revoked token: the next run says so instead of waiting out the deadline.
                    const stale = await runJob(w, job);
                    assert.deepStrictEqual([stale.status, stale.reason], ["Failed", "BackoffLimitExceeded"], stale.log);
                    assert.match(stale.log, /\[configure\] the token in the Secret vault-init-token is not valid \(revoked by an earlier run\?\): delete the Secret/);
                    assert.strictEqual(w.calls.filter((c) => c.tool === "sleep" && c.container === "configure").length, 0);
                });
            });

            it("keeps the pod from voluntary disruption while it holds the keys", () => {
                assert.strictEqual(job.spec.template.metadata?.annotations?.["karpenter.sh/do-not-disrupt"], "true");
            });
        });
    }

    describe("vault-init disruption budget in every stack file @stack", () => {
        for (const stack of STACKS) {
            it(`${stack}: a budget of one available pod selects the init pod, created before the Job`, async () => {
                const plan = await committedPlan(stack);
                const budget = named(plan.resources, "platform-secrets-bootstrap-disruption-budget");
                const job = named(plan.resources, "platform-secrets-bootstrap-job");
                assert.deepStrictEqual(inputs(budget).spec, { minAvailable: 1, selector: { matchLabels: inputs(job).spec.template.metadata.labels } });
                assert.strictEqual(inputs(budget).metadata.namespace, inputs(job).metadata.namespace);
                assert.ok(job.dependsOn.includes(budget.urn));
            });
        }
    });
}
