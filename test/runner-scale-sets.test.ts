import * as assert from "assert";
import { PROJECT_DIR } from "../plan/engine";
import { listStacks } from "../plan/stack-files";
import { committedPlan } from "./plans";
import { inputs } from "./helpers";

interface ScaleSet {
    readonly stack: string;
    readonly url: string;
    readonly name: string;
}

/**
 * Whether a workflow could be picked up by both: GitHub offers a repository's jobs the scale sets registered on the
 * repository and on its organization (or enterprise), matched by the name in `runs-on:`.
 */
const overlap = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);

describe("runner scale sets of different stacks never answer the same runs-on @stack", () => {
    it("no two stack files register one name where one repository's workflows see both", async () => {
        const sets: ScaleSet[] = [];
        for (const stack of listStacks(PROJECT_DIR)) {
            const plan = await committedPlan(stack);
            for (const r of plan.resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release" && String(x.inputs.chart).endsWith("/gha-runner-scale-set"))) {
                sets.push({ stack, url: inputs(r).values.githubConfigUrl, name: inputs(r).values.runnerScaleSetName });
            }
        }
        // The committed examples hold the case the review found: dev's organization-wide set and prod's repository set for one tenant.
        assert.ok(new Set(sets.map((s) => s.stack)).size >= 2, JSON.stringify(sets));
        const clashes = sets.flatMap((a, i) => sets.slice(i + 1).filter((b) => b.stack !== a.stack && b.name === a.name && overlap(a.url, b.url)).map((b) => `${a.stack} and ${b.stack}: ${a.name} (${a.url}, ${b.url})`));
        assert.deepStrictEqual(clashes, []);
    });
});
