import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { creditBeforeHooks, isTimeBudgetTest, PerTestCoverage, SuiteTree } from "./mutation-credit";
import { PROJECT_DIR } from "../plan/engine";

const suite = (tests: string[], suites: SuiteTree[] = []): SuiteTree => ({ tests: tests.map((t) => ({ fullTitle: () => t })), suites });

describe("mutation coverage: what a before hook runs counts for every test of its suite", () => {
    it("adds the hook's hits to each test, nested suites included, and drops the mark", () => {
        const perTest: PerTestCoverage = { "hook:a": { "1": 2, "7": 1 }, "a t1": { "1": 1 }, "other": { "9": 1 } };
        creditBeforeHooks(perTest, new Map([["hook:a", suite(["a t1", "a t2"], [suite(["a b t3"])])]]));
        assert.deepStrictEqual(perTest, { "a t1": { "1": 3, "7": 1 }, "a t2": { "1": 2, "7": 1 }, "a b t3": { "1": 2, "7": 1 }, other: { "9": 1 } });
    });

    it("leaves the coverage alone for a hook that covered nothing", () => {
        const perTest: PerTestCoverage = { "a t1": { "1": 1 } };
        creditBeforeHooks(perTest, new Map([["hook:a", suite(["a t1"])]]));
        assert.deepStrictEqual(perTest, { "a t1": { "1": 1 } });
    });
});

describe("mutation runs: tests of a time budget are skipped (a slower plan is not a killed mutant)", () => {
    it("knows the stack plans' budget test by its title, and no ordinary title", () => {
        // Timings left the unit suite (npm run bench:plan measures them): no test file holds a budget any more.
        const files = fs.readdirSync(path.join(PROJECT_DIR, "test")).filter((f) => f.endsWith(".test.ts"));
        assert.ok(files.includes("stacks.test.ts"));
        const budgets = files.flatMap((f) => [...fs.readFileSync(path.join(PROJECT_DIR, "test", f), "utf8").matchAll(/it\("([^"]+)"/g)].map((m) => m[1]).filter(isTimeBudgetTest));
        assert.deepStrictEqual(budgets, []);
        assert.deepStrictEqual(["builds one explicit AWS provider", "keeps a name under 53 characters", "under 5 seconds"].filter(isTimeBudgetTest), []);
        assert.strictEqual(isTimeBudgetTest("answers in under 200 ms"), true);
    });
});
