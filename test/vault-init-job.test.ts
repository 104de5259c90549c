// The Vault init Job of every stack file, run as Kubernetes would run it (test/job-harness.ts): real dash and bash,
// the pod's real uid/gid/fsGroup/umask, a fake Vault and a fake Secrets Manager behind the real AWS CLI. Also the
// class check: every Job in every stack's plan is found, and every one that runs a shell script has scenarios here.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { INIT_MARKER_STAGE, rootTokenOf } from "../components/secrets/bootstrap-job";
import { PROJECT_DIR } from "../plan/engine";
import { listStacks } from "../plan/stack-files";
import { allContainers, assertHarnessCanRun, canRead, identityOf, JobManifest, jobsInPlan, runJob, runsShell, World } from "./job-harness";
import { committedPlan } from "./plans";
import { inputs, named } from "./helpers";

const STACKS = listStacks(PROJECT_DIR);
/** Jobs that run shell scripts, and the suites below that run them: a new one needs its own scenarios. */
const SHELL_JOBS_WITH_SCENARIOS = ["vault-init"];

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

describe("job harness: every stack file's Jobs @stack", function () {
    this.timeout(300_000);
    before(assertHarnessCanRun);

    it("finds the stack files", () => {
        assert.ok(STACKS.length >= 1, `no Pulumi.<stack>.yaml in ${PROJECT_DIR}`);
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
        before(async () => {
            assertHarnessCanRun();
            const plan = await committedPlan(stack);
            const found = jobsInPlan(plan).filter((j) => j.job.metadata.name === "vault-init");
            assert.deepStrictEqual(found.map((j) => j.resource), ["platform-secrets-bootstrap-job"]);
            job = found[0].job;
            secretArn = String(plan.outputs.vaultBootstrapSecretArn);
            assert.match(secretArn, /^arn:aws:secretsmanager:/);
        });

        it("init writes the key file so that store, as the pod runs it, can read it", async () => {
            await withWorld(secretArn, async (w) => {
                const spec = job.spec.template.spec;
                const store = spec.containers.find((c) => c.name === "store");
                assert.ok(store);
                let seen = "";
                let readable: boolean | undefined;
                const run = await runJob(w, job, {
                    inspectAfter: {
                        container: "init",
                        inspect: (volumes) => {
                            const file = path.join(volumes.get("bootstrap") ?? assert.fail("no bootstrap volume"), "init.json");
                            assert.ok(fs.existsSync(file), "init wrote no key file");
                            const st = fs.statSync(file);
                            seen = `mode ${(st.mode & 0o7777).toString(8)}, owner ${st.uid}:${st.gid}`;
                            assert.strictEqual(st.mode & 0o077, 0, `the key file is not owner-only: ${seen}`);
                            readable = canRead(identityOf(spec, store), file);
                            return true;
                        },
                    },
                });
                assert.strictEqual(run.status, "Stopped", run.log);
                assert.strictEqual(readable, true, `store (${JSON.stringify(identityOf(spec, store))}) cannot read the key file init wrote (${seen}): the recovery keys would be lost`);
            });
        });

        /** The material init printed is what AWSCURRENT holds, and the program's reading of it finds the token. */
        const assertStored = (w: World, log: string) => {
            const printed = w.vault.printed ?? assert.fail(`init printed nothing:\n${log}`);
            assert.strictEqual(w.secretsManager.at("AWSCURRENT")?.value, printed, log);
            assert.strictEqual(rootTokenOf(w.secretsManager.at("AWSCURRENT")!.value), JSON.parse(printed).root_token);
            assert.strictEqual(w.vault.initialisations, 1, "initialised once");
        };
        const initCalls = (w: World) => w.callsOf("vault", "operator", "init").length;
        const initialisedOnce = (w: World) => assert.deepStrictEqual([w.vault.initialisations, initCalls(w)], [1, 1], "one vault operator init, and one initialisation");

        it("stores exactly what vault operator init printed, prints none of it, removes the file; a re-run does nothing", async () => {
            await withWorld(secretArn, async (w) => {
                let left: string[] | undefined;
                const run = await runJob(w, job, { inspectAfter: { container: "store", inspect: (volumes) => void (left = fs.readdirSync(volumes.get("bootstrap")!)) } });
                assert.strictEqual(run.status, "Complete", run.log);
                assert.deepStrictEqual(w.errors, []);
                assertStored(w, run.log);
                const material = JSON.parse(w.vault.printed!);
                for (const secret of [material.root_token, ...material.recovery_keys_b64, ...material.recovery_keys_hex]) assert.ok(!run.log.includes(secret), "a secret in the log");
                assert.ok(left && !left.includes("init.json"), `left in the memory volume: ${left}`);
                // Every call (vault's could read the CA) ran as the pod's one user.
                const user = job.spec.template.spec.securityContext?.runAsUser;
                assert.deepStrictEqual([...new Set(w.calls.map((c) => `${c.tool}:${c.uid}:${c.caReadable}`))].sort(), [`aws:${user}:true`, `vault:${user}:true`]);

                const calls = w.calls.length;
                const again = await runJob(w, job);
                assert.strictEqual(again.status, "Complete", again.log);
                assert.deepStrictEqual(w.calls.slice(calls).map((c) => [c.container, c.tool, c.argv[1]]), [["check-store", "aws", "describe-secret"]], "only the check, no marker, no Vault call");
                assertStored(w, again.log);
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
                assertStored(w, rerun.log);
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
                assertStored(w, rerun.log);
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
                assert.throws(() => rootTokenOf(w.secretsManager.at("AWSCURRENT")!.value), /holds only the init Job's INITIALISING marker/);
                const rerun = await runJob(w, job);
                assert.strictEqual(rerun.status, "Complete", rerun.log);
                assert.match(rerun.log, /\[check-store\] a previous run left its INITIALISING marker/);
                assertStored(w, rerun.log);
                assert.deepStrictEqual(w.secretsManager.versions.map((v) => v.stages), [[], [INIT_MARKER_STAGE, "AWSPREVIOUS"], ["AWSCURRENT"]]);
            });
        });

        it("init's answer lost after Vault initialised: stops loudly now and on every re-run, never initialises twice", async () => {
            await withWorld(secretArn, async (w) => {
                w.vault.initFailures.push("after");
                const failed = await runJob(w, job);
                assert.deepStrictEqual([failed.status, failed.reason], ["Failed", "BackoffLimitExceeded"], failed.log);
                assert.match(failed.log, /\[init\] Vault is initialised \(vault-0\.vault-internal\) but the bootstrap secret holds no recovery keys or root token: stopping/);
                const neverStored = (run: { runs: { name: string }[] }) => assert.ok(!run.runs.some((r) => r.name === "store"), "init itself stops the Job: store never starts");
                neverStored(failed);
                const rerun = await runJob(w, job);
                assert.deepStrictEqual([rerun.status, rerun.reason], ["Failed", "BackoffLimitExceeded"], rerun.log);
                assert.match(rerun.log, /\[init\] a previous run of this Job initialised it and lost what init printed before storing it/);
                neverStored(rerun);
                initialisedOnce(w);
                assert.throws(() => rootTokenOf(w.secretsManager.at("AWSCURRENT")!.value), /INITIALISING marker/);
            });
        });

        it("store's PutSecretValue failing: retries in the same pod until Secrets Manager takes it", async () => {
            await withWorld(secretArn, async (w) => {
                const run = await runJob(w, job, { inspectAfter: { container: "init", inspect: () => void w.secretsManager.failNext("PutSecretValue", 2, "InternalServiceError", "try again") } });
                assert.strictEqual(run.status, "Complete", run.log);
                assert.strictEqual(run.log.match(/\[store\] storing failed; retrying/g)?.length, 2, run.log);
                assert.strictEqual(run.pods, 1);
                assertStored(w, run.log);
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
                const broken = JSON.parse(JSON.stringify(job)) as { spec: { template: { spec: { containers: { securityContext: Record<string, unknown> }[] } } } };
                broken.spec.template.spec.containers[0].securityContext.runAsUser = 2000;
                const run = await runJob(w, broken as unknown as JobManifest);
                assert.deepStrictEqual([run.status, run.reason, run.pods], ["Failed", "BackoffLimitExceeded", 1], run.log);
                assert.match(run.log, /\[store\] cannot read \/bootstrap\/init\.json as uid 2000, gid 1000, groups 1000 \(-rw------- 1 1000 1000 .*\): it holds Vault's only copy/);
                assert.deepStrictEqual(w.callsOf("aws", "secretsmanager", "put-secret-value").filter((c) => c.container === "store"), []);
                assert.strictEqual(w.calls.filter((c) => c.tool === "sleep" && c.container === "store").length, 0);
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
