// The tests' plan cache (test/plan-cache.ts) must never serve a plan that a fresh evaluation would not give: each
// input a plan is evaluated from changes what is served. The evaluations here are stand-ins that read files the way
// the program reads its tenants directory; no stack is planned.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Plan, PlanCache, PlanError, PlanRequest, planStack, secretInputs, StoredPlan, usePlanCache } from "../plan/engine";
import type { FakeCloud } from "../plan/fakes";
import { codeFingerprint, DiskPlanCache, pruneOtherFingerprints, stableJson } from "./plan-cache";

const REQUEST: PlanRequest = {
    program: "/project/bin/index.js",
    cwd: "/project",
    project: "platform",
    stack: "dev",
    config: { "platform:region": "eu-west-1", "platform:tenants": '{"directory":"tenants"}' },
    secretKeys: [],
    cloud: { accountId: "111111111111", region: "eu-west-1", partition: "aws" },
};
const plan = (marker: string): StoredPlan => ({
    plan: { project: "platform", stack: "dev", resources: [{ name: marker } as never], outputs: { marker }, secretOutputs: [], elapsedMs: 1 },
    secretInputs: { 0: { password: `secret of ${marker}` } },
});

describe("plan cache: what it serves is what an evaluation gives", () => {
    let root: string;
    let work: string;
    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cache-"));
        work = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cache-work-"));
    });
    afterEach(() => {
        for (const dir of [root, work]) fs.rmSync(dir, { recursive: true, force: true });
    });

    /** An evaluation that reads what a program may read (a file, a folder's listing, whether a file exists), counted. */
    function evaluator() {
        const runs: string[] = [];
        const evaluate = async () => {
            const text = fs.readFileSync(path.join(work, "tenant.yaml"), "utf8");
            const listing = fs.readdirSync(work).sort().join(",");
            const extra = fs.existsSync(path.join(work, "extra.yaml"));
            runs.push(`${text} [${listing}] ${extra}`);
            return plan(runs[runs.length - 1]);
        };
        return { runs, evaluate };
    }

    it("serves a plan evaluated before, secret inputs included, as a copy of its own, without evaluating again", async () => {
        fs.writeFileSync(path.join(work, "tenant.yaml"), "name: a");
        const cache = new DiskPlanCache(root, "code");
        const { runs, evaluate } = evaluator();
        const first = await cache.plan(REQUEST, evaluate);
        const second = await cache.plan(REQUEST, evaluate);
        assert.deepStrictEqual(runs, ["name: a [tenant.yaml] false"]);
        assert.deepStrictEqual(second, plan("name: a [tenant.yaml] false"));
        assert.deepStrictEqual(first, second);
        assert.notStrictEqual(first.plan, second.plan, "each caller gets its own objects");
        assert.deepStrictEqual(cache.counts, { served: 1, evaluated: 1, stale: 0 });
        // Another process (the other mocha worker, a later run) reads the same entry.
        const other = new DiskPlanCache(root, "code");
        assert.deepStrictEqual(await other.plan(REQUEST, evaluate), second);
        assert.strictEqual(runs.length, 1);
    });

    it("evaluates again when a file the program read changed, a folder it listed gained a file, or a missing file appeared", async () => {
        const tenant = path.join(work, "tenant.yaml");
        fs.writeFileSync(tenant, "name: a");
        const cache = new DiskPlanCache(root, "code");
        const { runs, evaluate } = evaluator();
        await cache.plan(REQUEST, evaluate);
        fs.writeFileSync(tenant, "name: b");
        assert.deepStrictEqual((await cache.plan(REQUEST, evaluate)).plan.outputs, { marker: "name: b [tenant.yaml] false" });
        fs.writeFileSync(path.join(work, "other.yaml"), "name: c");
        assert.deepStrictEqual((await cache.plan(REQUEST, evaluate)).plan.outputs, { marker: "name: b [other.yaml,tenant.yaml] false" });
        fs.writeFileSync(path.join(work, "extra.yaml"), "");
        assert.deepStrictEqual((await cache.plan(REQUEST, evaluate)).plan.outputs, { marker: "name: b [extra.yaml,other.yaml,tenant.yaml] true" });
        assert.strictEqual(runs.length, 4);
        assert.deepStrictEqual(cache.counts, { served: 0, evaluated: 4, stale: 3 });
        // Unchanged since the last evaluation: served.
        await cache.plan(REQUEST, evaluate);
        assert.strictEqual(runs.length, 4);
    });

    it("keys by the whole request (config, secret keys, fake cloud, program, working directory), not by the order of its keys", async () => {
        fs.writeFileSync(path.join(work, "tenant.yaml"), "name: a");
        const cache = new DiskPlanCache(root, "code");
        let runs = 0;
        const evaluate = async () => plan(String(++runs));
        const variants: PlanRequest[] = [
            { ...REQUEST, config: { ...REQUEST.config, "platform:region": "eu-central-1" } },
            { ...REQUEST, secretKeys: ["platform:region"] },
            { ...REQUEST, cloud: { ...REQUEST.cloud, iamPrincipals: [] } },
            { ...REQUEST, program: "/other/bin/index.js" },
            { ...REQUEST, cwd: "/other" },
            { ...REQUEST, stack: "prod" },
        ];
        for (const request of [REQUEST, ...variants]) await cache.plan(request, evaluate);
        assert.strictEqual(runs, 1 + variants.length, "each variant evaluated");
        const reordered = { ...REQUEST, config: Object.fromEntries(Object.entries(REQUEST.config).reverse()) };
        assert.notStrictEqual(JSON.stringify(reordered), JSON.stringify(REQUEST));
        assert.strictEqual(stableJson(reordered), stableJson(REQUEST));
        assert.deepStrictEqual((await cache.plan(reordered, evaluate)).plan.outputs, { marker: "1" });
    });

    it("keeps the entries of one code fingerprint apart from another's, and pruning keeps the current one only", async () => {
        fs.writeFileSync(path.join(work, "tenant.yaml"), "name: a");
        const { runs, evaluate } = evaluator();
        const before = new DiskPlanCache(root, "code-before");
        const after = new DiskPlanCache(root, "code-after");
        await before.plan(REQUEST, evaluate);
        await after.plan(REQUEST, evaluate);
        assert.strictEqual(runs.length, 2);
        pruneOtherFingerprints(root, after.dir);
        assert.deepStrictEqual(fs.readdirSync(root), ["code-after"]);
    });

    it("keeps nothing of a failure other than the program's (a PlanError whose cause survives JSON), and leaves no lock behind", async () => {
        fs.writeFileSync(path.join(work, "tenant.yaml"), "name: a");
        const cache = new DiskPlanCache(root, "code");
        await assert.rejects(
            cache.plan(REQUEST, async () => {
                throw new Error("config error");
            }),
            /config error/,
        );
        // A cause with a field JSON cannot hold (a function) could not be thrown again as it was.
        const odd = Object.assign(new Error("odd"), { retry: () => 1 });
        await assert.rejects(
            cache.plan(REQUEST, async () => {
                throw new PlanError(odd, []);
            }),
            /^PlanError: odd$/,
        );
        assert.deepStrictEqual(fs.readdirSync(cache.dir), []);
        const { runs, evaluate } = evaluator();
        await cache.plan(REQUEST, evaluate);
        assert.strictEqual(runs.length, 1);
    });

    it("serves the program's failure again (message, cause, what was registered) without evaluating, until a file it read changes", async () => {
        const tenant = path.join(work, "tenant.yaml");
        fs.writeFileSync(tenant, "name: a");
        const cache = new DiskPlanCache(root, "code");
        let runs = 0;
        const evaluate = async (): Promise<StoredPlan> => {
            runs++;
            const text = fs.readFileSync(tenant, "utf8");
            if (text === "name: a") {
                const cause = Object.assign(new Error(`error serializing property "x": bad ${text}`), { problems: [`problem of ${text}`] });
                cause.name = "ConfigError";
                throw new PlanError(cause, [{ name: "registered-before", inputs: { a: 1 } } as never]);
            }
            return plan(text);
        };
        const caught = async () => {
            try {
                await cache.plan(REQUEST, evaluate);
            } catch (e) {
                return e as PlanError;
            }
            assert.fail("the failure should be served again");
        };
        const fresh = await caught();
        const served = await caught();
        assert.strictEqual(runs, 1);
        assert.deepStrictEqual(cache.counts, { served: 1, evaluated: 1, stale: 0 });
        assert.ok(served instanceof PlanError);
        const seen = (e: PlanError) => {
            const cause = e.cause as Error;
            return { message: e.message, registered: e.registered, cause: { name: cause.name, message: cause.message, stack: cause.stack, fields: { ...cause } } };
        };
        assert.deepStrictEqual(seen(served), seen(fresh));
        assert.deepStrictEqual(seen(served).message, "bad name: a");
        assert.deepStrictEqual((served.cause as { problems?: string[] }).problems, ["problem of name: a"]);
        // The file the failing program read changed: evaluated again, and this time it succeeds.
        fs.writeFileSync(tenant, "name: b");
        assert.deepStrictEqual((await cache.plan(REQUEST, evaluate)).plan.outputs, { marker: "name: b" });
        assert.strictEqual(runs, 2);
    });

    it("keeps nothing when the program read a file by descriptor (what it got cannot be checked later)", async () => {
        const file = path.join(work, "tenant.yaml");
        fs.writeFileSync(file, "name: a");
        const cache = new DiskPlanCache(root, "code");
        let runs = 0;
        const evaluate = async () => {
            const fd = fs.openSync(file, "r");
            try {
                return plan(`${fs.readFileSync(fd, "utf8")} ${++runs}`);
            } finally {
                fs.closeSync(fd);
            }
        };
        await cache.plan(REQUEST, evaluate);
        await cache.plan(REQUEST, evaluate);
        assert.strictEqual(runs, 2);
        assert.deepStrictEqual(fs.readdirSync(cache.dir), []);
    });

    it("waits for another process evaluating the same request instead of evaluating it twice", async () => {
        fs.writeFileSync(path.join(work, "tenant.yaml"), "name: a");
        const one = new DiskPlanCache(root, "code");
        const two = new DiskPlanCache(root, "code");
        let runs = 0;
        let release!: () => void;
        const slow = async () => {
            runs++;
            await new Promise<void>((resolve) => (release = resolve));
            return plan("slow");
        };
        const first = one.plan(REQUEST, slow);
        await new Promise((resolve) => setTimeout(resolve, 50));
        const second = two.plan(REQUEST, slow);
        await new Promise((resolve) => setTimeout(resolve, 250));
        release();
        assert.deepStrictEqual([(await first).plan.outputs, (await second).plan.outputs], [{ marker: "slow" }, { marker: "slow" }]);
        assert.strictEqual(runs, 1);
        assert.deepStrictEqual(two.counts, { served: 1, evaluated: 0, stale: 0 });
    });
});

describe("plan cache: the code fingerprint", () => {
    let project: string;
    beforeEach(() => {
        project = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cache-code-"));
        for (const [file, text] of Object.entries({
            "bin/index.js": "program",
            "bin/components/a.js": "component",
            "bin/index.js.map": "map",
            "bin/test/a.test.js": "test",
            "bin/.plan-cache/x/y.json": "{}",
            "package-lock.json": "lock",
        })) {
            fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
            fs.writeFileSync(path.join(project, file), text);
        }
    });
    afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

    const fingerprint = () => codeFingerprint(path.join(project, "bin"), project);
    const change = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
        fs.writeFileSync(path.join(project, file), text);
    };

    it("changes with any compiled file of the program, a new one, or the installed packages", () => {
        const start = fingerprint();
        assert.strictEqual(fingerprint(), start, "stable");
        change("bin/components/a.js", "component changed");
        const changed = fingerprint();
        assert.notStrictEqual(changed, start);
        change("bin/components/b.js", "another component");
        const added = fingerprint();
        assert.notStrictEqual(added, changed);
        change("package-lock.json", "another lock");
        const locked = fingerprint();
        assert.notStrictEqual(locked, added);
        // npm's record of what node_modules holds wins over the lock file.
        change("node_modules/.package-lock.json", "installed");
        assert.notStrictEqual(fingerprint(), locked);
    });

    it("does not change with the tests, source maps or the cache itself", () => {
        const start = fingerprint();
        change("bin/test/a.test.js", "test changed");
        change("bin/index.js.map", "map changed");
        change("bin/.plan-cache/x/z.json", "{}");
        assert.strictEqual(fingerprint(), start);
    });
});

describe("plan cache: a stack file's plan served is the plan a fresh evaluation gives @stack", function () {
    this.timeout(180000);
    let root: string;
    let installed: PlanCache | undefined;
    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cache-stack-"));
        installed = usePlanCache(undefined);
    });
    after(() => {
        usePlanCache(installed);
        fs.rmSync(root, { recursive: true, force: true });
    });

    it("dev: the same resources, options, outputs and secret inputs, served without evaluating the program again", async () => {
        // One evaluation (what the caller that evaluates gets), then the same request read back from disk.
        const cache = new DiskPlanCache(root);
        usePlanCache(cache);
        const fresh = await planStack({ stack: "dev" });
        const served = await planStack({ stack: "dev" });
        assert.deepStrictEqual(cache.counts, { served: 1, evaluated: 1, stale: 0 });
        // What a test can see of a plan: its JSON (members left undefined are absent either way) and its secret inputs.
        const seen = (p: Plan) => JSON.parse(JSON.stringify({ ...p, elapsedMs: 0, secrets: p.resources.map((r) => secretInputs(r)) }));
        assert.ok(fresh.resources.some((r) => secretInputs(r) !== r.inputs), "dev has secret inputs to compare");
        assert.deepStrictEqual(seen(served), seen(fresh));
    });

    it("dev without its viewer role: the failure served is the failure a fresh evaluation gives, secret inputs of what was registered included", async () => {
        const cache = new DiskPlanCache(root);
        usePlanCache(cache);
        const viewer = "arn:aws:iam::111111111111:role/Developer";
        const without = (c: FakeCloud): FakeCloud => ({ ...c, iamPrincipals: (c.iamPrincipals ?? []).filter((a) => a !== viewer) });
        const failure = async () => {
            try {
                await planStack({ stack: "dev", cloud: without });
            } catch (e) {
                return e as PlanError;
            }
            assert.fail("dev without its viewer role should fail");
        };
        const fresh = await failure();
        const served = await failure();
        assert.deepStrictEqual(cache.counts, { served: 1, evaluated: 1, stale: 0 });
        const seen = (e: PlanError) => {
            const cause = e.cause as Error;
            const registered = JSON.parse(JSON.stringify({ resources: e.registered, secrets: e.registered.map((r) => secretInputs(r)) }));
            // Not the promise the SDK hangs on an error it passed on (its leaked-promise report's handle): never stored.
            const { promise, ...fields } = cause as Error & { promise?: unknown };
            assert.ok(promise === undefined || promise instanceof Promise);
            return { message: e.message, cause: { name: cause.name, message: cause.message, stack: cause.stack, fields }, registered };
        };
        assert.match(fresh.message, /^platform:cluster\.viewers\[0\]: IAM role arn:aws:iam::111111111111:role\/Developer does not exist/);
        assert.ok(fresh.registered.length > 0, "resources were registered before the failure");
        assert.ok(fresh.registered.some((r) => secretInputs(r) !== r.inputs), "some of them have secret inputs to compare");
        assert.deepStrictEqual(seen(served), seen(fresh));
    });
});
