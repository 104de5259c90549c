// Loaded by mocha after plan/startup (.mocharc.json `require`, and npm run test:file): in the main process and in
// each parallel worker, it installs the plan cache (test/plan-cache.ts) for every plan the tests evaluate; once per
// run, in the main process, it drops the entries of code that is no longer there.
import { installPlanCache, PLAN_CACHE_DIR, pruneOtherFingerprints } from "./plan-cache";

const cache = installPlanCache();

export function mochaGlobalSetup(): void {
    if (cache) pruneOtherFingerprints(PLAN_CACHE_DIR, cache.dir);
}
