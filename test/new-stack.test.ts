import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planStack, PROJECT_DIR } from "../plan/engine";
import { checkPolicies } from "../plan/policy-runner";
import { main, PER_STACK_VALUES } from "../plan/new-stack";
import { readStackConfig, sharedGithubApps } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";

/** A scratch project: Pulumi.yaml and the committed examples, nothing else. */
function scratchProject(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "new-stack-"));
    for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"]) fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(dir, f));
    return dir;
}

const required = ["--account", "333333333333", "--region", "eu-central-1", "--domain", "qa.platform.example.org", "--admin", "arn:aws:iam::333333333333:role/PlatformAdmin", "--admin-cidr", "192.0.2.0/24"];
const more = ["--owner", "team@example.org", "--cost-centre", "CC-QA", "--cidr", "10.40.0.0/16"];

function run(dir: string, args: string[]): { code: number; stderr: string; stdout: string } {
    const errors: string[] = [];
    const lines: string[] = [];
    const [error, log] = [console.error, console.log];
    console.error = (...a: unknown[]) => void errors.push(a.join(" "));
    console.log = (...a: unknown[]) => void lines.push(a.join(" "));
    try {
        return { code: main(args, dir), stderr: errors.join("\n"), stdout: lines.join("\n") };
    } finally {
        [console.error, console.log] = [error, log];
    }
}

/** What `pulumi config set --secret <key>` leaves in a stack file (the offline reader masks the ciphertext). */
function setSecret(dir: string, stack: string, key: string): void {
    fs.appendFileSync(path.join(dir, `Pulumi.${stack}.yaml`), `  platform:${key}:\n    secure: v1:test-ciphertext\n`);
}

/** The prod example's cache credentials, as `pulumi config set --secret --path` leaves them. */
function setCacheCredentials(dir: string, stack: string): void {
    const leaf = "        secure: v1:test-ciphertext\n";
    const entry = (prefix: string) => `    ${prefix}:\n      username:\n${leaf}      accessToken:\n${leaf}`;
    fs.appendFileSync(path.join(dir, `Pulumi.${stack}.yaml`), `  platform:pullThroughCacheCredentials:\n${entry("docker-hub")}${entry("ghcr")}`);
}


describe("npm run new-stack: a validated stack file for a new environment", () => {
    it("writes a development stack from the dev example with every per-stack value replaced, and the schema accepts it", () => {
        const dir = scratchProject();
        assert.strictEqual(run(dir, ["qa", "--tier", "staging", ...required, ...more, "--viewer", "arn:aws:iam::333333333333:role/Dev"]).code, 0);
        const raw = readStackConfig(dir, "qa").config;
        const cfg = parsePlatformConfig(raw, "platform");
        assert.strictEqual(cfg.environment, "qa");
        assert.strictEqual(cfg.tier, "staging");
        assert.strictEqual(cfg.name, "qa");
        assert.deepStrictEqual(cfg.allowedAccountIds, ["333333333333"]);
        assert.strictEqual(cfg.region, "eu-central-1");
        assert.strictEqual(cfg.network.cidr, "10.40.0.0/16");
        assert.deepStrictEqual(cfg.network.reservedCidrs, []);
        assert.deepStrictEqual(cfg.cluster.admins, ["arn:aws:iam::333333333333:role/PlatformAdmin"]);
        assert.deepStrictEqual(cfg.cluster.viewers, ["arn:aws:iam::333333333333:role/Dev"]);
        assert.strictEqual(cfg.ingress.domain, "qa.platform.example.org");
        assert.deepStrictEqual(cfg.ingress.hostedZone, { mode: "Delegated" });
        assert.strictEqual(cfg.ingress.certificates.email, "team@example.org");
        // The dev example restricts only the admin console: so does the new stack, to its own CIDRs.
        assert.deepStrictEqual(cfg.ingress.allowedCidrs, { "sso-admin": ["192.0.2.0/24"] });
        // No tenant yet; each one onboarded gets a stack of its own.
        assert.deepStrictEqual([cfg.tenants.all, cfg.tenants.placement], [[], "OwnStacks"]);
        // Nothing of the example's account or domain is left behind.
        const text = fs.readFileSync(path.join(dir, "Pulumi.qa.yaml"), "utf8");
        assert.doesNotMatch(text, /111111111111|acme\.example|acme-dev/);
    });

    it("writes a production stack from the prod example: zones dropped unless given, the backup copy region required", () => {
        const dir = scratchProject();
        const refused = run(dir, ["live", "--tier", "production", ...required, ...more]);
        assert.strictEqual(refused.code, 1);
        assert.match(refused.stderr, /--replica-region: the production example copies backups to another region; name one other than eu-central-1/);
        assert.ok(!fs.existsSync(path.join(dir, "Pulumi.live.yaml")));
        const written = run(dir, ["live", "--tier", "production", ...required, ...more, "--replica-region", "eu-west-1", "--zone-id", "Z0123456789ABC"]);
        assert.strictEqual(written.code, 0);
        // The example's receiver secret is encrypted for the example: dropped, and the command says what to set.
        assert.doesNotMatch(fs.readFileSync(path.join(dir, "Pulumi.live.yaml"), "utf8"), /platform:alertReceiverSecret:|EXAMPLE-replace/);
        // Every secret the stack requires, in the schema's words, each command naming the stack (structured ones by --path).
        assert.match(written.stdout, /platform:alertReceiverSecret: required with receiver type Slack: pulumi config set --stack live --secret alertReceiverSecret <URL>/);
        assert.match(written.stdout, /pulumi config set --stack live --secret --path 'pullThroughCacheCredentials\.docker-hub\.username'/);
        assert.match(written.stdout, /pulumi config set --stack live --secret --path 'pullThroughCacheCredentials\.ghcr\.username'/);
        assert.match(written.stdout, /--secrets-provider passphrase/);
        assert.throws(() => parsePlatformConfig(readStackConfig(dir, "live").config, "platform"), /platform:alertReceiverSecret: required with receiver type Slack/);
        setSecret(dir, "live", "alertReceiverSecret");
        assert.throws(() => parsePlatformConfig(readStackConfig(dir, "live").config, "platform"), /platform:pullThroughCacheCredentials\.docker-hub: required for the DockerHub cache/);
        setCacheCredentials(dir, "live");
        const cfg = parsePlatformConfig(readStackConfig(dir, "live").config, "platform");
        assert.strictEqual(cfg.tier, "production");
        assert.strictEqual(cfg.appDelivery.runners.runnerImage, "333333333333.dkr.ecr.eu-central-1.amazonaws.com/ghcr/actions/actions-runner:2.336.0");
        // Signing keys are the new stack's own (one per tenant, created with it): nothing of the example's to replace.
        assert.deepStrictEqual(cfg.appDelivery.signatures.verifier, { type: "TenantKmsKeys" });
        assert.strictEqual(cfg.network.availabilityZones, undefined);
        assert.strictEqual(cfg.backup.replicaRegion, "eu-west-1");
        assert.deepStrictEqual(cfg.ingress.hostedZone, { mode: "Existing", zoneId: "Z0123456789ABC" });
        // The prod example restricts Vault too: both names get the new stack's CIDRs, none of the example's.
        assert.deepStrictEqual(cfg.ingress.allowedCidrs, { "sso-admin": ["192.0.2.0/24"], vault: ["192.0.2.0/24"] });
        assert.strictEqual(cfg.cluster.karpenter.amiVersion, "v20260714", "production keeps the example's pinned AMI");
        // Nothing of the example's account, domain, names or network is left behind.
        const text = fs.readFileSync(path.join(dir, "Pulumi.live.yaml"), "utf8");
        assert.doesNotMatch(text, /222222222222|acme\.example|acme-prod|198\.51\.100\.|203\.0\.113\.|10\.30\.0\.0/);
        assert.deepStrictEqual([cfg.cluster.endpoint.publicAccess, cfg.cluster.endpoint.publicAccessCidrs, cfg.cluster.endpoint.privateAccess], [false, [], true]);
    });

    it("opens the API endpoint to the given CIDRs only, and takes a separate ACME contact", () => {
        const dir = scratchProject();
        assert.strictEqual(run(dir, ["qa", "--tier", "production", ...required, ...more, "--replica-region", "eu-west-1", "--public-cidr", "198.18.0.0/24", "--email", "acme@example.org"]).code, 0);
        setSecret(dir, "qa", "alertReceiverSecret");
        setCacheCredentials(dir, "qa");
        const cfg = parsePlatformConfig(readStackConfig(dir, "qa").config, "platform");
        assert.deepStrictEqual([cfg.cluster.endpoint.publicAccess, cfg.cluster.endpoint.publicAccessCidrs], [true, ["198.18.0.0/24"]]);
        assert.strictEqual(cfg.ingress.certificates.email, "acme@example.org");
    });

    it("writes a header of its own and the schema line once, not the example's", () => {
        const dir = scratchProject();
        assert.strictEqual(run(dir, ["qa", "--tier", "production", ...required, ...more, "--replica-region", "eu-west-1"]).code, 0);
        const text = fs.readFileSync(path.join(dir, "Pulumi.qa.yaml"), "utf8");
        assert.match(text, /^# qa: written by npm run new-stack from Pulumi\.prod\.yaml/);
        assert.strictEqual(text.match(/yaml-language-server/g)?.length, 1, text.slice(0, 300));
        assert.doesNotMatch(text, /^# Production:/m);
    });

    it("warns when the VPC range overlaps another stack file's, and names a region without prices", () => {
        const dir = scratchProject();
        const devCidr = readStackConfig(dir, "dev").config["platform:network"];
        assert.match(devCidr, /"cidr":"10\.20\.0\.0\/16"/);
        const overlapping = run(dir, ["qa", "--tier", "staging", ...required, "--owner", "t@example.org", "--cost-centre", "CC", "--cidr", "10.20.128.0/17"]);
        assert.strictEqual(overlapping.code, 0, overlapping.stderr);
        assert.match(overlapping.stdout, /warning: network\.cidr 10\.20\.128\.0\/17 overlaps Pulumi\.dev\.yaml's 10\.20\.0\.0\/16/);
        assert.match(overlapping.stdout, /note: plan\/prices\.json has no eu-central-1 prices/);
        const apart = run(dir, ["qa2", "--tier", "staging", ...required.map((a) => (a === "eu-central-1" ? "eu-west-1" : a)), ...more]);
        assert.strictEqual(apart.code, 0, apart.stderr);
        assert.doesNotMatch(apart.stdout, /warning|no eu-west-1 prices|prices eu-west-1 in part/);
        // us-east-1: a few instance prices only, so most fixed lines would be unpriced.
        const partly = run(dir, ["qa3", "--tier", "staging", ...required.map((a) => (a === "eu-central-1" ? "us-east-1" : a)), ...more]);
        assert.strictEqual(partly.code, 0, partly.stderr);
        assert.match(partly.stdout, /note: plan\/prices\.json prices us-east-1 in part \(none for eksClusterHour, natGatewayHour, /);
    });

    it("refuses to overwrite an existing stack file", () => {
        const dir = scratchProject();
        const r = run(dir, ["dev", "--tier", "development", ...required, ...more]);
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /Pulumi\.dev\.yaml exists; new-stack never overwrites a stack file/);
        assert.strictEqual(fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8"), fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8"));
    });

    it("writes nothing when the schema refuses a value, and says which key and why", () => {
        const dir = scratchProject();
        const r = run(dir, ["qa", "--tier", "development", "--account", "33", "--region", "eu-west-9", "--domain", "qa.example.org", "--admin", "arn:aws:iam::333333333333:role/A", "--admin-cidr", "192.0.2.0/24", ...more]);
        assert.strictEqual(r.code, 1);
        assert.match(r.stderr, /platform:allowedAccountIds\[0\]: expected a 12-digit AWS account id; got "33"/);
        assert.match(r.stderr, /platform:region: expected a region AWS has .*; got "eu-west-9"/);
        assert.ok(!fs.existsSync(path.join(dir, "Pulumi.qa.yaml")));
    });

    it("refuses a missing option, an unknown tier or a bad stack name as usage errors", () => {
        const dir = scratchProject();
        assert.match(run(dir, ["qa", "--tier", "development", ...required]).stderr, /missing: --owner, --cost-centre, --cidr/);
        const withoutAdminCidr = required.filter((a, i) => a !== "--admin-cidr" && required[i - 1] !== "--admin-cidr");
        assert.match(run(dir, ["qa", "--tier", "development", ...withoutAdminCidr, ...more]).stderr, /missing: --admin-cidr/);
        assert.strictEqual(run(dir, ["qa", "--tier", "test", ...required, ...more]).code, 2);
        assert.match(run(dir, ["q a", "--tier", "development", ...required, ...more]).stderr, /stack name "q a": expected letters, digits/);
        assert.match(run(dir, ["prod.eu", "--tier", "production", ...required, ...more]).stderr, /stack name "prod\.eu": expected letters, digits, _ and - \(at most 100; no dot/);
    });

    it("lists in one table the values every real stack sets (docs/operations.md shows the same table)", () => {
        const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "operations.md"), "utf8");
        assert.ok(PER_STACK_VALUES.length >= 17);
        for (const [key] of PER_STACK_VALUES) assert.ok(doc.includes(`| \`${key}\` |`), `docs/operations.md row for ${key}`);
    });
});

describe("stack files: one GitHub App per environment for tenants' runners", () => {
    it("the committed stack files share none", () => {
        for (const stack of ["dev", "prod"]) assert.deepStrictEqual(sharedGithubApps(PROJECT_DIR, stack), []);
    });
    it("refuses a runner App another stack file names (list or tenant folder), naming both places", () => {
        const dir = scratchProject();
        const dev = path.join(dir, "Pulumi.dev.yaml");
        // prod's team-a App id in dev's team-a.
        fs.writeFileSync(dev, fs.readFileSync(dev, "utf8").replace("githubApp: { appId: 100001, installationId: 200001 }", "githubApp: { appId: 110001, installationId: 200001 }"));
        assert.deepStrictEqual(sharedGithubApps(dir, "dev"), [
            "Pulumi.dev.yaml tenants.list[0].ci.githubApp.appId: expected a GitHub App of this environment's own, not 110001, which Pulumi.prod.yaml names too (tenants.list[0].ci.githubApp): its private key in either environment's Vault would register runners for both",
        ]);
        assert.strictEqual(sharedGithubApps(dir, "prod").length, 1);
        // A tenant of a folder counts too.
        const folder = path.join(dir, "teams");
        fs.mkdirSync(folder);
        fs.writeFileSync(folder + "/ops.yaml", "name: ops\nci: { githubApp: { appId: 110002, installationId: 1 } }\n");
        fs.writeFileSync(dev, fs.readFileSync(dev, "utf8").replace("platform:tenants:\n", "platform:tenants:\n    directory: teams\n"));
        assert.ok(sharedGithubApps(dir, "dev").some((m) => m.startsWith("Pulumi.dev.yaml teams/ops.yaml ci.githubApp.appId: expected a GitHub App of this environment's own, not 110002")), sharedGithubApps(dir, "dev").join("\n"));
    });
});

describe("npm run new-stack: a generated stack plans @stack", function () {
    this.timeout(60000);
    it("a generated production stack evaluates the real program and passes every policy", async () => {
        const dir = scratchProject();
        assert.strictEqual(run(dir, ["live", "--tier", "production", ...required, ...more, "--replica-region", "eu-west-1"]).code, 0);
        setSecret(dir, "live", "alertReceiverSecret");
        setCacheCredentials(dir, "live");
        const plan = await planStack({ stack: "live", projectDir: dir });
        assert.ok(plan.resources.filter((r) => r.custom).length > 150);
        assert.deepStrictEqual(await checkPolicies(plan), []);
        assert.strictEqual(plan.outputs.environment, "live");
        assert.strictEqual(plan.outputs.region, "eu-central-1");
    });
});
