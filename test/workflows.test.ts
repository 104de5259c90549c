import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR } from "../plan/engine";
import { listStacks } from "../plan/stack-files";

const workflow = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", "pull-request.yml"), "utf8"));
const steps = (job: string): { uses?: string; run?: string; if?: string; with?: Record<string, unknown> }[] => workflow.jobs[job].steps;

describe("the pull-request workflow (.github/workflows/pull-request.yml)", () => {
    it("runs on pull requests with the least permissions it needs (OIDC for AWS, no keys)", () => {
        assert.deepStrictEqual(Object.keys(workflow.on), ["pull_request"]);
        assert.deepStrictEqual(workflow.permissions, { contents: "read", "pull-requests": "write", "id-token": "write" });
        assert.deepStrictEqual(Object.keys(workflow.jobs), ["test", "plan", "preview"]);
        assert.doesNotMatch(JSON.stringify(workflow), /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
    });

    it("tests as CI does: npm ci, then the README's test command on Node 22", () => {
        const s = steps("test");
        assert.deepStrictEqual(s.filter((x) => x.run).map((x) => x.run), ["npm ci --no-audit --no-fund", "npm test"]);
        assert.strictEqual(s.find((x) => x.uses?.startsWith("actions/setup-node"))?.with?.["node-version"], 22);
    });

    it("plans every stack file of the target branch and diffs this branch against it, into the summary and a comment", () => {
        const s = steps("plan");
        const scripts = s.filter((x) => x.run).map((x) => x.run!).join("\n");
        assert.match(scripts, /for file in \.\.\/base\/Pulumi\.\*\.yaml/);
        assert.match(scripts, /--json "\$RUNNER_TEMP\/base\/\$stack\.json"/);
        assert.match(scripts, /for file in Pulumi\.\*\.yaml/);
        assert.match(scripts, /--diff-file "\$RUNNER_TEMP\/base\/\$stack\.json"/);
        assert.match(scripts, /GITHUB_STEP_SUMMARY/);
        // A refused replacement or a failing policy fails the job (the diff exits 1).
        assert.match(scripts, /\|\| status=1[\s\S]*exit \$status/);
        assert.ok(s.some((x) => x.uses?.startsWith("marocchino/sticky-pull-request-comment@") && x.with?.path === "plan-diff.md"));
        assert.ok(listStacks(PROJECT_DIR).length >= 2, "the loops have stacks to plan");
    });

    it("previews each stack with the policy pack only when credentials exist, through pinned actions", () => {
        const p = workflow.jobs.preview;
        assert.deepStrictEqual(p.strategy.matrix.stack, ["dev", "prod"]);
        for (const x of steps("preview")) assert.strictEqual(x.if, "env.PULUMI_ACCESS_TOKEN != '' && env.AWS_ROLE_ARN != ''", JSON.stringify(x));
        const pulumi = steps("preview").find((x) => x.uses?.startsWith("pulumi/actions@"))!;
        assert.deepStrictEqual([pulumi.with?.command, pulumi.with?.policyPacks], ["preview", "policy"]);
        for (const job of Object.keys(workflow.jobs)) {
            for (const x of steps(job).filter((y) => y.uses)) assert.match(x.uses!, /@v\d+$/, `${job}: ${x.uses} not pinned to a major`);
        }
    });
});
