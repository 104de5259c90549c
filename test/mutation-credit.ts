// The pure half of test/mutation-coverage.ts: hand what a suite's `before` hooks covered to each test below it.

/** The shape of a mocha suite this needs: its tests and nested suites. */
export interface SuiteTree {
    readonly tests: readonly { fullTitle(): string }[];
    readonly suites: readonly SuiteTree[];
}

/** Mutant hits per test id, as Stryker's instrumenter records them. */
export type PerTestCoverage = Record<string, Record<string, number>>;

function testIds(suite: SuiteTree): string[] {
    return [...suite.tests.map((t) => t.fullTitle()), ...suite.suites.flatMap(testIds)];
}

/** Moves each hook mark's hits onto every test of its suite (nested suites included) and removes the mark. */
export function creditBeforeHooks(perTest: PerTestCoverage, suitesByMark: ReadonlyMap<string, SuiteTree>): void {
    for (const [mark, suite] of suitesByMark) {
        const hits = perTest[mark];
        delete perTest[mark];
        if (!hits) continue;
        for (const id of testIds(suite)) {
            const target = (perTest[id] ??= {});
            for (const [mutant, count] of Object.entries(hits)) target[mutant] = (target[mutant] ?? 0) + count;
        }
    }
}

/** Tests of a time budget ("evaluates in under 5 seconds") measure the machine, and Stryker's instrumentation slows it. */
export const isTimeBudgetTest = (title: string): boolean => /\bin under \d+ (seconds|ms)\b/.test(title);
