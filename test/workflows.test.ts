import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR } from "../plan/engine";
import { listStacks } from "../plan/stack-files";

const workflow = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", "pull-request.yml"), "utf8"));
const steps = (job: string): { uses?: string; run?: string; if?: string; with?: Record<string, unknown> }[] => workflow.jobs[job].steps;

describe("the pull-request workflow (.github/workflows/pull-request.yml)", () => {
    it("runs on pull requests with the least permissions it needs (OIDC for AWS, no keys)", () => {
        assert.deepStrictEqual(Object.keys(workflow.on), ["pull_request"]);
        assert.deepStrictEqual(workflow.permissions, { contents: "read", "pull-requests": "write" });
        assert.deepStrictEqual(Object.keys(workflow.jobs), ["test", "plan", "stacks", "preview"]);
        // Only the preview mints an OIDC token (the pull request's code runs in every job).
        assert.deepStrictEqual(
            Object.entries(workflow.jobs).filter(([, j]) => (j as { permissions?: Record<string, string> }).permissions?.["id-token"] === "write").map(([n]) => n),
            ["preview"],
        );
        assert.deepStrictEqual(workflow.jobs.preview.permissions, { contents: "read", "pull-requests": "write", "id-token": "write" });
        assert.doesNotMatch(JSON.stringify(workflow), /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
    });

    it("tests as CI does: npm ci, then the test command of the README and docs/testing.md on Node 22", () => {
        const s = steps("test");
        assert.deepStrictEqual(s.filter((x) => x.run).map((x) => x.run), ["npm ci --no-audit --no-fund", "npm test", "npm run test:harness"]);
        assert.strictEqual(s.find((x) => x.uses?.startsWith("actions/setup-node"))?.with?.["node-version"], 22);
    });

    it("plans every stack file of the target branch and diffs this branch against it, into the summary and a comment", () => {
        const s = steps("plan");
        const scripts = s.filter((x) => x.run).map((x) => x.run!).join("\n");
        assert.match(scripts, /for file in \.\.\/base\/Pulumi\.\*\.yaml/);
        // With --cost the saved plan carries the tenant stacks' plans, which the change's cost delta compares.
        assert.match(scripts, /--json "\$RUNNER_TEMP\/base\/\$stack\.json" --cost/);
        assert.match(scripts, /for file in Pulumi\.\*\.yaml/);
        assert.match(scripts, /--diff-file "\$RUNNER_TEMP\/base\/\$stack\.json"/);
        assert.match(scripts, /GITHUB_STEP_SUMMARY/);
        // A refused replacement or a failing policy fails the job (the diff exits 1).
        assert.match(scripts, /\|\| status=1[\s\S]*exit \$status/);
        assert.ok(s.some((x) => x.uses?.startsWith("marocchino/sticky-pull-request-comment@") && x.with?.path === "plan-diff.md"));
        assert.ok(listStacks(PROJECT_DIR).length >= 2, "the loops have stacks to plan");
    });

    it("previews only in the pr-preview environment, whose reviewers approve the pull request's code before it runs with credentials", () => {
        // GitHub gives a job an environment's secrets only once its protection rules pass; the token's own secret is
        // the environment's (docs/operations.md says to create it with required reviewers).
        assert.strictEqual(workflow.jobs.preview.environment, "pr-preview");
        assert.strictEqual(workflow.jobs.preview.env.PULUMI_ACCESS_TOKEN, "${{ secrets.PULUMI_ACCESS_TOKEN }}");
        for (const job of ["test", "plan", "stacks"]) assert.doesNotMatch(JSON.stringify(workflow.jobs[job]), /secrets\.|environment/, job);
        const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "operations.md"), "utf8");
        assert.match(doc, /`pr-preview`[^.]*required reviewers/);
        assert.match(doc, /repo:<owner>\/<repository>:environment:pr-preview/);
    });

    it("previews each stack with the policy pack only when credentials exist, through pinned actions", () => {
        const p = workflow.jobs.preview;
        assert.deepStrictEqual(p.needs, ["test", "stacks"]);
        assert.strictEqual(p.strategy.matrix.stack, "${{ fromJSON(needs.stacks.outputs.list) }}");
        assert.strictEqual(workflow.jobs.stacks.outputs.list, "${{ steps.list.outputs.list }}");
        const credentials = "env.PULUMI_ACCESS_TOKEN != '' && env.AWS_ROLE_ARN != ''";
        const all = steps("preview");
        const install = all.find((x) => x.uses?.startsWith("pulumi/actions@") && x.with?.command === undefined)!;
        const pulumi = all.find((x) => x.uses?.startsWith("pulumi/actions@") && x.with?.command === "preview")!;
        // The preview names <org>/platform/<stack>: it needs the organization too; the rest, credentials only.
        for (const x of all.filter((y) => y !== pulumi && !y.run?.includes("tenant-stacks"))) assert.strictEqual(x.if, credentials, JSON.stringify(x));
        assert.strictEqual(pulumi.if, `${credentials} && vars.PULUMI_ORG != ''`);
        // The CLI the pinned SDK belongs to, installed first and on its own (the tenant stacks' step, which may run after
        // a failed check or preview, drives it), then the registry look-up, as in Deployments, then the preview.
        const sdk = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8")).dependencies["@pulumi/pulumi"];
        assert.deepStrictEqual([install.with?.["pulumi-version"], pulumi.with?.["pulumi-version"]], [sdk, sdk]);
        const check = all.findIndex((x) => x.run === 'npm run -s check:images -- --stack "$STACK"');
        assert.ok(all.indexOf(install) < check && check < all.indexOf(pulumi), all.map((x) => x.uses ?? x.run).join(" | "));
        assert.strictEqual(p.env.STACK, "${{ matrix.stack }}");
        assert.deepStrictEqual([pulumi.with?.command, pulumi.with?.policyPacks], ["preview", "policy"]);
        for (const job of Object.keys(workflow.jobs)) {
            for (const x of steps(job).filter((y) => y.uses)) assert.match(x.uses!, /@v\d+$/, `${job}: ${x.uses} not pinned to a major`);
        }
    });
});

describe("the pull-request workflow's preview of tenant stacks", () => {
    const step = () => steps("preview").find((x) => x.run?.includes("tenant-stacks")) as { run: string; if: string; shell?: string };

    it("runs with credentials only, after a failed platform preview too, on a checkout that has the target branch", () => {
        assert.ok(step(), "the tenant stacks' preview step");
        assert.strictEqual(step().if, "${{ !cancelled() && env.PULUMI_ACCESS_TOKEN != '' && env.AWS_ROLE_ARN != '' && vars.PULUMI_ORG != '' }}");
        // Expressions reach the script through the environment only (no ${{ }} pasted into shell).
        assert.doesNotMatch(step().run, /\$\{\{/);
        const names = steps("preview").map((x) => x.uses ?? x.run ?? "");
        assert.ok(names.findIndex((n) => n.startsWith("pulumi/actions@")) < names.findIndex((n) => n.includes("tenant-stacks")), "after pulumi/actions, which installs the CLI the Automation API drives");
        assert.strictEqual(steps("preview").find((x) => x.uses?.startsWith("pulumi/actions@"))?.with?.command, undefined, "the first pulumi/actions step only installs the CLI");
        assert.strictEqual(steps("preview").find((x) => x.uses?.startsWith("actions/checkout@"))?.with?.["fetch-depth"], 0);
    });

    it("previews, with the real command line, only the matrix stack's tenant stacks the change concerns, in the organization's stacks", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-preview-"));
        try {
            const bin = path.join(dir, "bin");
            fs.mkdirSync(bin);
            fs.mkdirSync(path.join(dir, "tmp"));
            fs.writeFileSync(path.join(bin, "git"), `#!/bin/sh\necho "$@" > "${dir}/git-args"\nprintf 'tenants/prod/team-d.yaml\\n'\n`, { mode: 0o755 });
            fs.writeFileSync(path.join(bin, "npm"), `#!/bin/sh\necho "$*" > "${dir}/npm-args"\nexit 3\n`, { mode: 0o755 });
            fs.writeFileSync(path.join(dir, "step.sh"), step().run);
            const [shell, ...flags] = stepShell("preview", step());
            // The job's and the step's env as GitHub fills them: matrix stack prod, organization acme, target branch main.
            const stepEnv = step() as unknown as { env: Record<string, string> };
            assert.deepStrictEqual(stepEnv.env, { PULUMI_ORG: "${{ vars.PULUMI_ORG }}", BASE_REF: "${{ github.base_ref }}" });
            const env = { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: path.join(dir, "tmp"), STACK: "prod", PULUMI_ORG: "acme", BASE_REF: "main" };
            const run = spawnSync(shell, [...flags, path.join(dir, "step.sh")], { cwd: dir, env, encoding: "utf8" });
            assert.strictEqual(run.status, 3, "the command's failure fails the step");
            assert.strictEqual(fs.readFileSync(path.join(dir, "git-args"), "utf8"), "diff --name-only origin/main...HEAD\n");
            const changed = path.join(dir, "tmp", "changed-files");
            assert.strictEqual(fs.readFileSync(path.join(dir, "npm-args"), "utf8"), `run -s tenant-stacks -- --stack prod --preview --changed-files ${changed} --base origin/main --org acme\n`);
            assert.strictEqual(fs.readFileSync(changed, "utf8"), "tenants/prod/team-d.yaml\n");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("the pull-request workflow's stack list", () => {
    it("lists every stack file of a checkout, a generated one included, and not the project file", () => {
        const step = workflow.jobs.stacks.steps.find((x: { id?: string }) => x.id === "list");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stacks-job-"));
        for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "Pulumi.qa-eu.yaml"]) fs.writeFileSync(path.join(dir, f), "config: {}\n");
        const output = path.join(dir, "github-output");
        const r = spawnSync(stepShell("stacks", step)[0], [...stepShell("stacks", step).slice(1), "-c", step.run], { cwd: dir, env: { ...process.env, GITHUB_OUTPUT: output }, encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(fs.readFileSync(output, "utf8"), 'list=["dev","prod","qa-eu"]\n');
        // This checkout's own files give the list the preview runs, whatever their names.
        assert.ok(listStacks(PROJECT_DIR).length >= 1);
    });
});

/**
 * The command GitHub Actions runs a `run:` step with on Linux (docs: "Workflow syntax", jobs.<job_id>.steps[*].shell):
 * no shell named → `bash -e {0}` (no pipefail); `bash` → `bash --noprofile --norc -eo pipefail {0}`; `sh` → `sh -e {0}`.
 */
function stepShell(job: string, step: { shell?: string }): string[] {
    const shell = step.shell ?? workflow.jobs[job].defaults?.run?.shell ?? workflow.defaults?.run?.shell;
    if (shell === undefined) return ["bash", "-e"];
    if (shell === "bash") return ["bash", "--noprofile", "--norc", "-eo", "pipefail"];
    if (shell === "sh") return ["sh", "-e"];
    throw new Error(`${job}: shell ${shell} not modelled`);
}

/** Runs a step of the plan job as the runner would: its script with the target branch filled in, in `dir`, fakes in `bin` first on PATH. */
function runPlanStep(step: { run: string; shell?: string }, dir: string, bin: string) {
    fs.writeFileSync(path.join(dir, "step.sh"), step.run.replace(/\$\{\{\s*github\.base_ref\s*\}\}/g, "main"));
    const [shell, ...flags] = stepShell("plan", step);
    return spawnSync(shell, [...flags, path.join(dir, "step.sh")], {
        cwd: dir,
        env: { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: path.join(dir, "tmp"), GITHUB_STEP_SUMMARY: path.join(dir, "summary.md") },
        encoding: "utf8",
    });
}

describe("the pull-request workflow's scripts, run as GitHub Actions runs them", () => {
    /** Runs the plan job's diff step as GitHub would, with `npm` replaced by `fakeNpm` (a sh script body); a stack qa with a saved base plan. */
    const runDiffStep = (fakeNpm: string) => {
        const step = steps("plan").find((x) => x.run?.includes("--diff-file")) as { run: string; shell?: string };
        assert.ok(step, "the diff step");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-"));
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.mkdirSync(path.join(dir, "tmp", "base"), { recursive: true });
        fs.writeFileSync(path.join(dir, "Pulumi.qa.yaml"), "config: {}\n");
        fs.writeFileSync(path.join(dir, "tmp", "base", "qa.json"), "{}\n");
        fs.writeFileSync(path.join(bin, "npm"), `#!/bin/sh\n${fakeNpm}\n`, { mode: 0o755 });
        const run = runPlanStep(step, dir, bin);
        return { step, run, read: (file: string) => fs.readFileSync(path.join(dir, file), "utf8") };
    };

    it("a refused plan diff fails the diff step (a pipe into sed must not hide npm's exit code)", () => {
        // npm as the plan CLI behaves on a refused replacement: the diff printed, then exit 1.
        const { run, read } = runDiffStep("echo 'Plan diff against base'\necho 'refused: replaces aws:ecr/repository:Repository'\nexit 1");
        assert.notStrictEqual(run.status, 0, `the step passed: ${run.stdout}${run.stderr}`);
        assert.match(read("summary.md"), /refused: replaces/);
    });

    it("the comment carries the diff and the change's monthly cost delta, not the tree or the full cost report", () => {
        // npm as the plan CLI prints with --diff-file and --cost: tree, diff, the report, then the delta.
        const out = ["platform (12 resources)", "Plan diff against qa", "~ update x", "", "Contract stack: 55 outputs as the platform's (1 secret), policies passed", "", "Monthly floor cost of qa in eu-west-1", "network:Network  $1.00", "", "Monthly floor change from base to qa", "    platform $2.00 -> $1.00 (-$1.00/month)"];
        const { step, run, read } = runDiffStep(`printf '%s\\n' ${out.map((l) => `'${l.replace(/'/g, "'\\''")}'`).join(" ")}`);
        assert.match(step.run, /--diff-file "\$RUNNER_TEMP\/base\/\$stack\.json" --cost/);
        assert.strictEqual(run.status, 0, run.stderr);
        const body = read("plan-diff.md");
        // The contract stack's verdict, which the plan prints after the diff, stays in the comment, once.
        assert.match(body, /Plan diff against qa\n~ update x\n\nContract stack: 55 outputs as the platform's \(1 secret\), policies passed\n\nMonthly floor change from base to qa\n {4}platform \$2\.00 -> \$1\.00 \(-\$1\.00\/month\)/);
        assert.strictEqual(body.split("Contract stack:").length, 2);
        assert.ok(!body.includes("platform (12 resources)") && !body.includes("Monthly floor cost of"), body);
    });

    it("plans, per stack file, only the tenant stacks the change concerns, from the files changed since the target branch; one failure fails the step", () => {
        const step = steps("plan").find((x) => x.run?.includes("--changed-files")) as { run: string; shell?: string; if?: string };
        assert.ok(step, "the tenant stacks step");
        // A step without `if` runs on success() only: it would be skipped once the diff step before it failed.
        // always() and !cancelled() run after a failure (GitHub's status check functions).
        assert.ok(["always()", "!cancelled()"].includes(String(step.if).replace(/^\$\{\{\s*|\s*\}\}$/g, "")), `its if: ${step.if}`);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-tenants-"));
        try {
            const bin = path.join(dir, "bin");
            fs.mkdirSync(bin);
            fs.mkdirSync(path.join(dir, "tmp"));
            for (const s of ["dev", "prod"]) fs.writeFileSync(path.join(dir, `Pulumi.${s}.yaml`), "config: {}\n");
            // git as `git diff --name-only <range>` answers (the range recorded); npm as the tenant-stacks CLI: prod's tenant stack fails.
            fs.writeFileSync(path.join(bin, "git"), `#!/bin/sh\necho "$@" > "${dir}/git-args"\nprintf 'tenants/prod/team-d.yaml\\nREADME.md\\n'\n`, { mode: 0o755 });
            fs.writeFileSync(path.join(bin, "npm"), `#!/bin/sh\necho "npm $*"\necho "changed: $(tr '\\n' ' ' < "$9")"\ncase "$*" in *prod*) exit 1;; esac\n`, { mode: 0o755 });
            const run = runPlanStep(step, dir, bin);
            assert.strictEqual(run.status, 1, `${run.stdout}${run.stderr}`);
            assert.strictEqual(fs.readFileSync(path.join(dir, "git-args"), "utf8"), "diff --name-only origin/main...HEAD\n");
            const changed = path.join(dir, "tmp", "changed-files");
            assert.strictEqual(fs.readFileSync(path.join(dir, "tenant-stacks.md"), "utf8"), [
                "## Tenant stacks this change concerns",
                "### dev",
                "```",
                `npm run -s tenant-stacks -- --stack dev --plan --changed-files ${changed}`,
                "changed: tenants/prod/team-d.yaml README.md ",
                "```",
                "### prod",
                "```",
                `npm run -s tenant-stacks -- --stack prod --plan --changed-files ${changed}`,
                "changed: tenants/prod/team-d.yaml README.md ",
                "```",
                "",
            ].join("\n"));
            assert.strictEqual(fs.readFileSync(path.join(dir, "summary.md"), "utf8"), fs.readFileSync(path.join(dir, "tenant-stacks.md"), "utf8"));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("every script with a pipe runs with pipefail", () => {
        const piped = Object.keys(workflow.jobs).flatMap((job) => steps(job).filter((s) => /[^|]\|[^|]/.test(s.run ?? "")).map((s) => ({ job, s })));
        assert.ok(piped.length >= 1);
        for (const { job, s } of piped) assert.ok(stepShell(job, s as { shell?: string }).includes("pipefail") || /set -o pipefail/.test(s.run ?? ""), `${job}: ${s.run}`);
    });
});
