import * as assert from "assert";
import { DEPLOYER_POLICY_PARTS } from "../deployments/deployments";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../plan/engine";
import { listStacks } from "../plan/stack-files";
import { committedPlan, platformPlan } from "./plans";
import { leavesFinalSnapshot } from "../policy/rules/invariants";

const policy = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "docs", "deployer-policy.json"), "utf8")) as {
    Version: string;
    Statement: { Sid: string; Effect: string; Action: string | string[]; Resource: string | string[] }[];
};
const actions = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** The IAM service prefix each Pulumi AWS module calls; a module missing here fails the test until the policy covers it. */
const SERVICE_OF_MODULE: Readonly<Record<string, string>> = {
    ec2: "ec2",
    vpc: "ec2",
    eks: "eks",
    iam: "iam",
    kms: "kms",
    s3: "s3",
    "cloudwatch/logGroup": "logs",
    "cloudwatch/eventRule": "events",
    "cloudwatch/eventTarget": "events",
    sqs: "sqs",
    efs: "elasticfilesystem",
    route53: "route53",
    secretsmanager: "secretsmanager",
    rds: "rds",
    ecr: "ecr",
};

/** The managed policies the deployments program attaches, by Sid prefix (docs/operations.md names the same split). */
const PARTS = DEPLOYER_POLICY_PARTS;

describe("the deployer's IAM policy (docs/deployer-policy.json)", () => {
    it("is an IAM policy document of distinct Sids, with no '*' action or service-wide wildcard", () => {
        assert.strictEqual(policy.Version, "2012-10-17");
        assert.strictEqual(new Set(policy.Statement.map((s) => s.Sid)).size, policy.Statement.length);
        for (const s of policy.Statement) {
            assert.strictEqual(s.Effect, "Allow", s.Sid);
            for (const a of actions(s)) assert.match(a, /^[a-z0-9-]+:[A-Za-z0-9]+\*?$/, `${s.Sid}: ${a}`);
        }
    });

    it("fits in managed policies of 6,144 characters each (whitespace not counted), within a role's 10, split by Sid prefix as docs/operations.md says", () => {
        // IAM's default quota of managed policies attached to a role (the deploy role holds these only).
        assert.ok(PARTS.length <= 10, `${PARTS.length} parts`);
        for (const s of policy.Statement) {
            const parts = PARTS.filter((prefixes) => prefixes.some((p) => s.Sid.startsWith(p)));
            assert.strictEqual(parts.length, 1, `${s.Sid} belongs to exactly one part, not ${parts.length}`);
        }
        const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "operations.md"), "utf8");
        assert.ok(doc.includes(`(${PARTS.map((p) => p.map((x) => `\`${x}\``).join("+")).join(", ")})`), "docs/operations.md names the parts the program attaches");
        for (const prefixes of PARTS) {
            const part = { Version: "2012-10-17", Statement: policy.Statement.filter((s) => prefixes.some((p) => s.Sid.startsWith(p))) };
            assert.ok(JSON.stringify(part).length <= 6144, `${prefixes.join("+")}: ${JSON.stringify(part).length} characters`);
        }
    });

    for (const stack of listStacks(PROJECT_DIR)) {
        it(`grants actions of every AWS service stack ${stack} creates resources in @stack`, async () => {
            const plan = await committedPlan(stack);
            const modules = [...new Set(plan.resources.filter((r) => r.type.startsWith("aws:") && r.custom).map((r) => r.type.split(":")[1]))];
            assert.ok(modules.length >= 8, modules.join(", "));
            const granted = new Set(policy.Statement.flatMap((s) => actions(s).map((a) => a.split(":")[0])));
            for (const module of modules) {
                const service = SERVICE_OF_MODULE[module] ?? SERVICE_OF_MODULE[module.split("/")[0]];
                assert.ok(service, `aws:${module}: add its IAM service to this test and its actions to docs/deployer-policy.json`);
                assert.ok(granted.has(service), `aws:${module} needs ${service}:* actions in docs/deployer-policy.json`);
            }
        });
    }

    it("docs/deployer-policy.md's table names every AWS type of the platform stacks with its counts, and only Sids the policy has @stack", async () => {
        const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "deployer-policy.md"), "utf8");
        const section = doc.slice(doc.indexOf("## Plan resource types"), doc.indexOf("## Not granted on purpose"));
        const rows = [...section.matchAll(/^\| (aws:[^ |]+) \| (\d+) \| (\d+) \| ([^|]+) \|$/gm)].map((m) => ({ type: m[1], dev: Number(m[2]), prod: Number(m[3]), sids: m[4] }));
        const counted = async (stack: string) => {
            const plan = await platformPlan(stack);
            const c = new Map<string, number>();
            for (const r of plan.resources.filter((x) => x.custom && x.type.startsWith("aws:"))) c.set(r.type, (c.get(r.type) ?? 0) + 1);
            return c;
        };
        const [dev, prod] = [await counted("dev"), await counted("prod")];
        const types = [...new Set([...dev.keys(), ...prod.keys()])].sort();
        assert.ok(types.length > 40, `${types.length} types`);
        assert.deepStrictEqual(
            rows.map((r) => [r.type, r.dev, r.prod]),
            types.map((t) => [t, dev.get(t) ?? 0, prod.get(t) ?? 0]),
        );
        // Each Sid named (a trailing * stands for a family) is one of the policy's.
        const sids = policy.Statement.map((st) => st.Sid);
        for (const r of rows) {
            for (const named of r.sids.replace(/\([^)]*\)/g, "").split(",").map((x) => x.trim()).filter(Boolean)) {
                assert.ok(named.endsWith("*") ? sids.some((sid) => sid.startsWith(named.slice(0, -1))) : sids.includes(named), `${r.type}: ${named} is no Sid of the policy`);
            }
        }
    });

    it("lets the deployer take every stack's final snapshot on delete and restore a new instance from it @stack", async () => {
        // IAM's wildcards: * any run of characters, ? one.
        const matches = (pattern: string, arn: string) => new RegExp(`^${pattern.split("*").map((p) => p.split("?").map((q) => q.replace(/[.+^${}()|[\]\\]/g, "\\$&")).join(".")).join(".*")}$`).test(arn);
        const allowed = (action: string, arn: string) => policy.Statement.some((s) => actions(s).includes(action) && (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).some((p) => matches(p, arn)));
        const snapshots: string[] = [];
        for (const stack of listStacks(PROJECT_DIR)) {
            const plan = await committedPlan(stack);
            for (const r of plan.resources.filter((x) => leavesFinalSnapshot({ type: x.type, props: x.inputs }))) {
                // DeleteDBInstance with a final snapshot needs CreateDBSnapshot on it; the rebuild restores from it.
                const arn = `arn:aws:rds:eu-west-1:222222222222:snapshot:${r.inputs.finalSnapshotIdentifier}`;
                assert.deepStrictEqual(["rds:CreateDBSnapshot", "rds:RestoreDBInstanceFromDBSnapshot"].filter((a) => !allowed(a, arn)), [], `${stack}: ${arn}`);
                snapshots.push(arn);
            }
        }
        // The production example leaves one, so the check above ran.
        assert.ok(snapshots.length > 0);
        assert.ok(!allowed("rds:RestoreDBInstanceFromDBSnapshot", "arn:aws:rds:eu-west-1:222222222222:snapshot:other-database"), "the pattern is not everything");
    });
});
