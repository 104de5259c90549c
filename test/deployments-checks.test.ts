import * as assert from "assert";
import * as path from "path";
import * as YAML from "yaml";
import * as fs from "fs";
import { PROJECT_DIR } from "../plan/engine";
import { deploymentSessionName, deploymentsProblems, DeploymentsInput } from "../deployments/checks";
import { deploymentResources, readDeployerPolicy, StackDeployment, tenantStackDeployments } from "../deployments/deployments";
import { readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";

const folder = (stack: string, tenants: string[], directory = "tenants") => tenantStackDeployments({ stack, pushToDeploy: false }, { placement: "OwnStacks", list: [], all: tenants.map((name) => ({ name })), directory });
/** The input deployments/index.ts gives the check, for these stacks and tenants (names as the program registers them). */
function input(stacks: StackDeployment[], accounts: Record<string, string[]>, tenantStacks = stacks.flatMap((s) => folder(s.stack, ["team-a"])), readerTeams: string[] = []): DeploymentsInput {
    const args = { organization: "acme", stacks, tenantStacks, readerTeams };
    // The deployments stack's own provider pinned to its stacks' account (when they have one).
    const ownAccounts = [...new Set(Object.values(accounts).flat())].slice(0, 1);
    return { project: "platform-deployments", stacks, accounts, ownAccounts, tenantStacks, resources: deploymentResources("platform-deployments", args) };
}
const one = (stack: string): StackDeployment => ({ stack, pushToDeploy: false });

describe("deployments/: what the program refuses before it registers anything", () => {
    it("passes one account's stacks with their tenant stacks", () => {
        assert.deepStrictEqual(deploymentsProblems(input([one("dev"), one("staging")], { dev: ["111111111111"], staging: ["111111111111"] })), []);
    });

    it("refuses bad input, one message each naming the key, the value and what is expected", () => {
        const table: [string, DeploymentsInput, string[]][] = [
            [
                "a platform stack name with a dot: prod's tenants' role (<stack>.*) would trust prod.eu's tenant stacks",
                input([one("prod"), one("prod.eu")], { prod: ["2"], "prod.eu": ["2"] }),
                [
                    'platform-deployments:stacks[1].stack: expected a platform stack name of letters, digits, _ and - (no dot: its tenant stacks are <stack>.<tenant>, and the tenants\' role trusts <stack>.*, which would also admit the tenant stacks of a stack named <stack>.<anything>); got "prod.eu"',
                ],
            ],
            [
                "a stack listed twice",
                input([one("dev"), one("dev")], { dev: ["1"] }, []),
                ['platform-deployments:stacks[1].stack: expected each stack once; got "dev" again'],
            ],
            [
                "two accounts in one deployments stack (the example as it was: dev in 111..., prod in 222...)",
                input([one("dev"), one("prod")], { dev: ["111111111111"], prod: ["222222222222"] }),
                [
                    "platform-deployments:stacks: expected the stacks of one AWS account (this program creates the OIDC provider and the deploy roles in the account it runs in: one deployments stack per account); got dev in 111111111111, prod in 222222222222",
                ],
            ],
            [
                "a stack file pinning no account, or two",
                input([one("dev"), one("qa")], { dev: [], qa: ["1", "2"] }, []),
                [
                    "platform-deployments:stacks[0].stack: expected Pulumi.dev.yaml's platform:allowedAccountIds to pin exactly one account (its deploy role is created in it); got []",
                    'platform-deployments:stacks[1].stack: expected Pulumi.qa.yaml\'s platform:allowedAccountIds to pin exactly one account (its deploy role is created in it); got ["1","2"]',
                ],
            ],
            [
                "a tenants folder outside the repository: Deployments' path filters would never match its files",
                input([one("dev")], { dev: ["1"] }, [...folder("dev", ["team-a"], "/srv/tenants"), ...folder("dev", ["team-b"], "../tenants")]),
                [
                    'Pulumi.dev.yaml: platform:tenants.directory: expected a folder inside the repository (Deployments\' path filters are relative to its root); team-a\'s file is "/srv/tenants/team-a.yaml"',
                    'Pulumi.dev.yaml: platform:tenants.directory: expected a folder inside the repository (Deployments\' path filters are relative to its root); team-b\'s file is "../tenants/team-b.yaml"',
                ],
            ],
            [
                "a tenant named contract: its settings would be the contract stack's",
                input([one("dev")], { dev: ["1"] }, folder("dev", ["contract"])),
                ['platform-deployments:stacks: two of its entries would register the same pulumiservice:index:DeploymentSettings "platform-deployments-dev-contract-settings" (the engine refuses a duplicate URN): rename one'],
            ],
            [
                "stack dev's tenant a and a stack dev-a: the same settings name",
                input([one("dev"), one("dev-a")], { dev: ["1"], "dev-a": ["1"] }, folder("dev", ["a"])),
                ['platform-deployments:stacks: two of its entries would register the same pulumiservice:index:DeploymentSettings "platform-deployments-dev-a-settings" (the engine refuses a duplicate URN): rename one'],
            ],
            [
                "a stack named <stack>-tenants: the same role name as <stack>'s tenants' role",
                input([one("x"), one("x-tenants")], { x: ["1"], "x-tenants": ["1"] }, folder("x", ["team-a"])),
                ['platform-deployments:stacks: two of its entries would register the same aws:iam/role:Role "platform-deployments-x-tenants" (the engine refuses a duplicate URN): rename one'],
            ],
            [
                "two reader teams whose grants share a name (a-b on stack c, a on stack b-c)",
                input([one("c"), one("b-c")], { c: ["1"], "b-c": ["1"] }, [], ["a-b", "a"]),
                ['platform-deployments:readerTeams: two of its entries would register the same pulumiservice:index:TeamStackPermission "platform-deployments-a-b-c-contract-read" (the engine refuses a duplicate URN): rename one'],
            ],
            [
                "a tenant stack's name over Pulumi's 100 characters",
                input([one("p".repeat(90))], { ["p".repeat(90)]: ["1"] }, folder("p".repeat(90), ["team-alpha"])),
                [`Pulumi.${"p".repeat(90)}.yaml: tenant team-alpha: expected its stack's name ${"p".repeat(90)}.team-alpha within Pulumi's 100 characters; got 101 (shorten the tenant's or the platform stack's name)`],
            ],
            [
                "the deployments stack's own AWS provider not pinned to its stacks' account",
                { ...input([one("dev")], { dev: ["111111111111"] }), ownAccounts: undefined },
                ['aws:allowedAccountIds: expected ["111111111111"], the account of its stacks (the roles must be created there, whatever credentials run it); got null'],
            ],
            [
                "... or pinned to another",
                { ...input([one("dev")], { dev: ["111111111111"] }), ownAccounts: ["222222222222"] },
                ['aws:allowedAccountIds: expected ["111111111111"], the account of its stacks (the roles must be created there, whatever credentials run it); got ["222222222222"]'],
            ],
        ];
        for (const [why, given, expected] of table) assert.deepStrictEqual(deploymentsProblems(given), expected, why);
    });

    it("the example stack of deployments/ passes with the repository's stack files (one account's stacks)", () => {
        const example = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "deployments", "Pulumi.example.yaml"), "utf8")).config;
        const stacks: StackDeployment[] = example["platform-deployments:stacks"];
        assert.deepStrictEqual(stacks.map((s) => s.stack), ["dev"]);
        const settings = Object.fromEntries(stacks.map((s) => [s.stack, parsePlatformConfig(readStackConfig(PROJECT_DIR, s.stack).config, "platform", undefined, PROJECT_DIR)]));
        const tenantStacks = stacks.flatMap((s) => tenantStackDeployments(s, settings[s.stack].tenants));
        assert.ok(tenantStacks.length >= 2, "dev's tenants have stacks of their own");
        const args = { organization: example["platform-deployments:organization"], stacks, tenantStacks, readerTeams: example["platform-deployments:readerTeams"], deployerPolicy: readDeployerPolicy(PROJECT_DIR) };
        const accounts = Object.fromEntries(stacks.map((s) => [s.stack, settings[s.stack].allowedAccountIds]));
        const ownAccounts = example["aws:allowedAccountIds"];
        assert.deepStrictEqual(ownAccounts, settings.dev.allowedAccountIds);
        assert.deepStrictEqual(deploymentsProblems({ project: "platform-deployments", stacks, accounts, ownAccounts, tenantStacks, resources: deploymentResources("platform-deployments", args) }), []);
        // dev and prod together are two accounts: the example used to list both.
        const prod = parsePlatformConfig(readStackConfig(PROJECT_DIR, "prod").config, "platform", undefined, PROJECT_DIR);
        assert.notDeepStrictEqual(prod.allowedAccountIds, settings.dev.allowedAccountIds);
    });
});

describe("deployments/: AWS session names within STS's 64 characters", () => {
    it("keeps a short name as it was and shortens a long one with a hash of the whole, distinct per stack", () => {
        assert.strictEqual(deploymentSessionName("prod"), "pulumi-deployments-prod");
        assert.strictEqual(deploymentSessionName("x".repeat(45)), `pulumi-deployments-${"x".repeat(45)}`);
        // A tenant stack of a long platform stack name: 164 characters at most.
        const a = deploymentSessionName(`staging-eu.${"a".repeat(40)}`);
        const b = deploymentSessionName(`staging-eu.${"a".repeat(39)}b`);
        for (const n of [a, b]) assert.match(n, /^pulumi-deployments-staging-eu\.a+-[0-9a-f]{8}$/);
        assert.deepStrictEqual([a.length, b.length], [64, 64]);
        assert.notStrictEqual(a, b);
        assert.strictEqual(deploymentSessionName("x".repeat(46)).length, 64);
    });
});
