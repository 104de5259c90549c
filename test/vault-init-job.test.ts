// The Vault init Job of every stack file, run as Kubernetes would run it (test/job-harness.ts): real dash and bash,
// the pod's real uid/gid/fsGroup/umask, a fake Vault and a fake Secrets Manager behind the real AWS CLI. Also the
// class check: every Job in every stack's plan is found, and every one that runs a shell script has scenarios here.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { rootTokenOf } from "../components/secrets/bootstrap-job";
import { PROJECT_DIR } from "../plan/engine";
import { listStacks } from "../plan/stack-files";
import { allContainers, assertHarnessCanRun, canRead, identityOf, JobManifest, jobsInPlan, runJob, runsShell, World } from "./job-harness";
import { committedPlan } from "./plans";

const STACKS = listStacks(PROJECT_DIR);
/** Jobs that run shell scripts, and the suites below that run them: a new one needs its own scenarios. */
const SHELL_JOBS_WITH_SCENARIOS = ["vault-init"];

async function withWorld<T>(secretArn: string, body: (w: World) => Promise<T>): Promise<T> {
    const world = await new World(secretArn).start();
    try {
        return await body(world);
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
            for (const found of others) {
                await withWorld("arn:none", async (w) => {
                    const run = await runJob(w, found.job);
                    assert.strictEqual(run.status, "Complete", `${found.resource}: ${run.log}`);
                    const c = found.job.spec.template.spec.containers[0];
                    const id = identityOf(found.job.spec.template.spec, c);
                    assert.deepStrictEqual(
                        w.calls.map((call) => [call.tool, call.argv, call.uid, call.gid]),
                        [[path.basename(c.command![0]), c.command!.slice(1), id.uid, id.gid]],
                        found.resource,
                    );
                });
            }
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
                            readable = canRead(identityOf(spec, store), file);
                            return true;
                        },
                    },
                });
                assert.strictEqual(run.status, "Stopped", run.log);
                assert.strictEqual(readable, true, `store (${JSON.stringify(identityOf(spec, store))}) cannot read the key file init wrote (${seen}): the recovery keys would be lost`);
            });
        });

        it("stores exactly what vault operator init printed, prints none of it, and removes the file", async () => {
            await withWorld(secretArn, async (w) => {
                let left: string[] | undefined;
                const run = await runJob(w, job, { inspectAfter: { container: "store", inspect: (volumes) => void (left = fs.readdirSync(volumes.get("bootstrap")!)) } });
                assert.strictEqual(run.status, "Complete", run.log);
                assert.deepStrictEqual(w.errors, []);
                assert.strictEqual(w.callsOf("vault", "operator", "init").length, 1);
                const printed = w.vault.printed ?? assert.fail("init printed nothing");
                assert.strictEqual(w.secretsManager.at("AWSCURRENT")?.value, printed);
                const material = JSON.parse(printed);
                assert.strictEqual(rootTokenOf(w.secretsManager.at("AWSCURRENT")!.value), material.root_token);
                for (const secret of [material.root_token, ...material.recovery_keys_b64, ...material.recovery_keys_hex]) assert.ok(!run.log.includes(secret), "a secret in the log");
                assert.ok(left && !left.includes("init.json"), `left in the memory volume: ${left}`);
            });
        });
    });
}
