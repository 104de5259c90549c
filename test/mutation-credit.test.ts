import * as assert from "assert";
import { creditBeforeHooks, PerTestCoverage, SuiteTree } from "./mutation-credit";

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
