// Loaded by stryker.config.mjs only (never by `npm test`): credit the code a suite's `before` hooks run to every test
// of that suite. Stryker's mocha runner names the current test in a root `beforeEach` and never clears it, so without
// this the plan built in a stack suite's `before` hook was credited to the last test of the previous suite, and a
// mutant there ran only that test: the suites that read the plan never saw it (the "perTest understates" problem in
// reports/mutation/SCORES.md).
import Mocha = require("mocha");
import { creditBeforeHooks, isTimeBudgetTest } from "./mutation-credit";

interface StrykerNamespace {
    currentTestId?: string;
    mutantCoverage?: { static: Record<string, number>; perTest: Record<string, Record<string, number>> };
}
const stryker = (): StrykerNamespace | undefined => (globalThis as { __stryker__?: StrykerNamespace }).__stryker__;

// One mark per suite (not its title: two suites may share one).
const marks = new WeakMap<Mocha.Suite, string>();
let suitesMarked = 0;
const suitesByMark = new Map<string, Mocha.Suite>();

type HookFn = (this: Mocha.Context, done?: Mocha.Done) => unknown;
const originalBeforeAll = Mocha.Suite.prototype.beforeAll as (this: Mocha.Suite, ...args: unknown[]) => Mocha.Suite;

/** Every `before` hook marks what it covers with its suite; `afterAll` below hands that to the suite's tests. */
Mocha.Suite.prototype.beforeAll = function (this: Mocha.Suite, ...args: unknown[]): Mocha.Suite {
    const index = typeof args[0] === "function" ? 0 : 1;
    const fn = args[index] as HookFn | undefined;
    if (typeof fn !== "function") return originalBeforeAll.apply(this, args);
    const suite = this;
    const mark = () => {
        const ns = stryker();
        if (!ns) return;
        let key = marks.get(suite);
        if (key === undefined) {
            key = `\u0000before-hook ${++suitesMarked}: ${suite.fullTitle()}`;
            marks.set(suite, key);
        }
        suitesByMark.set(key, suite);
        ns.currentTestId = key;
    };
    // Mocha tells callback hooks from promise hooks by their arity, so the wrapper keeps it.
    const wrapped: HookFn =
        fn.length > 0
            ? function (this: Mocha.Context, done?: Mocha.Done) {
                  mark();
                  return fn.call(this, done);
              }
            : function (this: Mocha.Context) {
                  mark();
                  return fn.call(this);
              };
    const rest = [...args];
    rest[index] = wrapped;
    return originalBeforeAll.apply(this, rest);
};

export const mochaHooks = {
    // A mutant that only slows the plan past the budget would count as killed by the clock: those tests are skipped here.
    beforeEach(this: Mocha.Context): void {
        if (isTimeBudgetTest(this.currentTest?.title ?? "")) this.skip();
    },
    afterAll(): void {
        const coverage = stryker()?.mutantCoverage;
        if (coverage) creditBeforeHooks(coverage.perTest, suitesByMark);
        suitesByMark.clear();
    },
};
