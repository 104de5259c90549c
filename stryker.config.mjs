// StrykerJS, one layer at a time: `npm run mutation -- --layer cluster` (scripts/mutation.mjs sets MUTATION_LAYER).
// Each layer mutates its own code and runs the tests that are about it; the incremental file of each layer is kept
// in reports/mutation/ (build output, ignored by git) so a rerun only re-tests mutants whose code or tests changed.
const LAYERS = {
    network: {
        mutate: ["components/network/**/*.ts"],
        spec: ["test/cidr.test.ts", "test/nat.test.ts", "test/network.test.ts", "test/network-details.test.ts", "test/stacks.test.ts", "test/invariants.test.ts", "test/policies.test.ts"],
    },
    cluster: { mutate: ["components/cluster/**/*.ts"], spec: ["test/cluster.test.ts", "test/cluster-details.test.ts", "test/options.test.ts", "test/invariants.test.ts", "test/prerequisites.test.ts"] },
    storage: { mutate: ["components/storage/**/*.ts"], spec: ["test/storage.test.ts", "test/storage-details.test.ts", "test/backup.test.ts"] },
    backup: { mutate: ["components/backup/**/*.ts"], spec: ["test/backup.test.ts", "test/backup-details.test.ts", "test/storage-config.test.ts"] },
    ingress: { mutate: ["components/ingress/**/*.ts"], spec: ["test/ingress.test.ts", "test/ingress-details.test.ts", "test/finalizer-cleanup.test.ts", "test/prerequisites.test.ts", "test/ingress-config.test.ts", "test/exposure.test.ts"] },
    // Shared helpers are pinned where each layer uses them: every layer's detail tests run against them.
    shared: {
        mutate: ["components/shared/**/*.ts", "components/platform/**/*.ts"],
        spec: [
            "test/finalizer-cleanup.test.ts", "test/prerequisites.test.ts", "test/stacks.test.ts", "test/plan.test.ts", "test/sso-brokers.test.ts", "test/chart-contract.test.ts",
            // The adoption table (platform/adopt.ts) against every stack's rebuild.
            "test/teardown.test.ts",
            // The Go duration parser (durationHours) is tested where Velero reads it.
            "test/backup.test.ts", "test/shared-details.test.ts",
            "test/network-details.test.ts", "test/cluster-details.test.ts", "test/storage-details.test.ts", "test/backup-details.test.ts", "test/ingress-details.test.ts",
            "test/secrets-details.test.ts", "test/sso-details.test.ts", "test/observability-details.test.ts", "test/tenants-details.test.ts", "test/delivery-details.test.ts",
        ],
    },
    stacks: {
        mutate: ["stacks/**/*.ts"],
        // Most of the schema is static (module-level), so most mutants run the whole spec, and mocha stops at the first
        // failure: the files that catch the most run first (the generated JSON Schema holds every doc string, default,
        // range and pattern; the messages test breaks every key both stack files set).
        spec: [
            "test/stack-schema.test.ts", "test/config-messages.test.ts", "test/stack-errors.test.ts", "test/json-schema.test.ts", "test/config.test.ts", "test/config-gaps.test.ts", "test/cluster-config.test.ts", "test/storage-config.test.ts",
            "test/ingress-config.test.ts", "test/pulumi-yaml.test.ts", "test/secrets-config.test.ts", "test/sso-config.test.ts", "test/sso-database.test.ts", "test/observability-config.test.ts",
            "test/tenants-config.test.ts", "test/delivery-config.test.ts",
            // Last, as they plan whole stacks: the outputs contract (outputs.ts) and the program reading its config
            // through the Pulumi runtime (loadPlatformConfig, isConfigSecret).
            "test/platform-reference.test.ts", "test/stacks.test.ts",
        ],
    },
    secrets: {
        mutate: ["components/secrets/**/*.ts"],
        spec: ["test/secrets.test.ts", "test/secrets-details.test.ts", "test/secrets-bootstrap.test.ts", "test/secrets-config-as-code.test.ts", "test/secrets-external-secrets.test.ts", "test/chart-contract.test.ts", "test/policies.test.ts", "test/exposure.test.ts"],
    },
    policy: { mutate: ["policy/**/*.ts"], spec: ["test/policies.test.ts", "test/invariants.test.ts", "test/finalizer-cleanup.test.ts", "test/baseline-policies.test.ts", "test/teardown.test.ts", "test/exposure.test.ts", "test/argocd-projects.test.ts"] },
    sso: { mutate: ["components/sso/**/*.ts"], spec: ["test/sso.test.ts", "test/sso-brokers.test.ts", "test/sso-database.test.ts", "test/sso-details.test.ts", "test/exposure.test.ts"] },
    observability: { mutate: ["components/observability/**/*.ts"], spec: ["test/observability.test.ts", "test/observability-details.test.ts"] },
    tenants: { mutate: ["components/tenants/**/*.ts", "components/policy/**/*.ts"], spec: ["test/tenants.test.ts", "test/tenants-details.test.ts", "test/delivery.test.ts"] },
    delivery: { mutate: ["components/delivery/**/*.ts", "components/registry/**/*.ts"], spec: ["test/delivery.test.ts", "test/delivery-details.test.ts", "test/chart-contract.test.ts"] },
};

// The whole-platform rules (the policy pack over both stack plans) guard every layer: a mutant they catch is killed.
// So do the tables of what every component registers as outputs (each layer's `registerOutputs`) and of what every
// secret input holds (the plan masks them).
const PLATFORM_RULES = ["test/invariants.test.ts", "test/policies.test.ts", "test/component-outputs.test.ts", "test/secret-inputs.test.ts"];

const layer = process.env.MUTATION_LAYER ?? "stacks";
const COVERAGE = process.env.MUTATION_COVERAGE ?? "perTest";
const chosen = LAYERS[layer] && { ...LAYERS[layer], spec: [...new Set([...LAYERS[layer].spec, ...(layer === "stacks" ? [] : PLATFORM_RULES)])] };
if (!chosen) throw new Error(`unknown layer ${layer}; one of ${Object.keys(LAYERS).join(", ")}`);

export default {
    packageManager: "npm",
    testRunner: "mocha",
    // The TypeScript sources through tsx (Stryker mutates them in its sandbox), not .mocharc.json's compiled bin/.
    // test/mutation-coverage.ts credits what a suite's `before` hooks run (the stack plans) to that suite's tests.
    mochaOptions: { "no-config": true, spec: chosen.spec, require: ["tsx/cjs", "plan/startup.ts", "test/mutation-coverage.ts"] },
    checkers: ["typescript"],
    // TypeScript 7 (scripts/mutation.mjs links it), on tsconfig.dev.json adapted to it (tsconfig.mutation.json).
    tsconfigFile: "tsconfig.mutation.json",
    typescriptChecker: { experimentalNativePreview: true },
    mutate: chosen.mutate,
    // perTest runs, per mutant, the tests that reached it (a suite's `before` hooks count for each of its tests, see
    // test/mutation-coverage.ts); MUTATION_COVERAGE=all runs every spec test per mutant (same result, slower).
    coverageAnalysis: COVERAGE,
    incremental: true,
    incrementalFile: `reports/mutation/${layer}.json`,
    reporters: ["clear-text", "progress"],
    clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
    concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
    timeoutMS: 60000,
    tempDirName: ".stryker-tmp",
    cleanTempDir: true,
    // Static mutants (module-level code, run when a test file loads) run against every spec test: slower, but no
    // mutant is left out of the score.
    ignoreStatic: false,
};
