import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { matchesType, projectDeclarationError, stackConfigError, StackValue } from "../plan/cli-config-rules";
import { planStack, PROJECT_DIR } from "../plan/engine";
import { listStacks, readProject, readStackConfig, StackFileError } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";

/** A scratch project holding Pulumi.yaml and one stack file, each possibly edited. */
function scratch(stack: string, edit: { project?: (p: YAML.Document) => void; stackFile?: (s: YAML.Document) => void } = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-config-"));
    const project = YAML.parseDocument(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"));
    const stackFile = YAML.parseDocument(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"));
    edit.project?.(project);
    edit.stackFile?.(stackFile);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), project.toString());
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stackFile.toString());
    return dir;
}

/** The StackFileError message of reading a stack as the CLI would, or "" when it is accepted. */
function refusal(dir: string, stack: string): string {
    try {
        readStackConfig(dir, stack);
        return "";
    } catch (e) {
        assert.ok(e instanceof StackFileError, `expected a StackFileError, got ${String(e)}`);
        return (e as Error).message;
    }
}

const plain = (raw: unknown): StackValue => ({ secure: false, raw });
const cipher: StackValue = { secure: true, raw: { secure: "v1:abc" } };

describe("the Pulumi CLI's config rules (before the program starts)", () => {
    const stacks = listStacks(PROJECT_DIR);

    it("finds the committed stack files", () => {
        assert.ok(stacks.length >= 2, `stack files: ${stacks.join(", ")}`);
    });

    for (const stack of stacks) {
        describe(`Pulumi.${stack}.yaml @stack`, () => {
            it("passes the CLI's rules as committed", () => {
                assert.strictEqual(refusal(PROJECT_DIR, stack), "");
            });

            it("a missing declared key stops `pulumi preview` in the CLI's words, and the plan too", async () => {
                const dir = scratch(stack, { stackFile: (s) => s.deleteIn(["config", "platform:region"]) });
                assert.strictEqual(refusal(dir, stack), `${path.join(dir, `Pulumi.${stack}.yaml`)}: Stack '${stack}' is missing configuration value 'region'`);
                await assert.rejects(planStack({ stack, projectDir: dir }), (e: Error) => e instanceof StackFileError && e.message.endsWith("is missing configuration value 'region'"));
            });

            it("several missing keys are listed sorted, the last after 'and'", () => {
                const dir = scratch(stack, { stackFile: (s) => ["platform:tier", "platform:cluster", "platform:name"].forEach((k) => s.deleteIn(["config", k])) });
                assert.match(refusal(dir, stack), /: Stack '[^']+' is missing configuration values 'cluster', 'name' and 'tier'$/);
            });

            it("declaring an optional secret `secret: true` without a default makes it required (the defect the review found)", () => {
                const dir = scratch(stack, {
                    project: (p) => {
                        for (const key of ["ssoBrokerSecrets", "alertReceiverSecret", "pullThroughCacheCredentials"]) {
                            p.deleteIn(["config", key, "default"]);
                            p.setIn(["config", key, "secret"], true);
                        }
                    },
                    // Keys the stack sets as ciphertext are not missing.
                    stackFile: (s) => ["ssoBrokerSecrets", "alertReceiverSecret", "pullThroughCacheCredentials"].forEach((k) => s.deleteIn(["config", `platform:${k}`])),
                });
                assert.match(refusal(dir, stack), /: Stack '[^']+' is missing configuration values 'alertReceiverSecret', 'pullThroughCacheCredentials' and 'ssoBrokerSecrets'$/);
            });

            it("a secret key with a default is refused as plain text when the stack does not set it", () => {
                const dir = scratch(stack, {
                    project: (p) => p.setIn(["config", "ssoBrokerSecrets", "secret"], true),
                    stackFile: (s) => s.deleteIn(["config", "platform:ssoBrokerSecrets"]),
                });
                assert.match(refusal(dir, stack), /: Stack '[^']+' with configuration key 'ssoBrokerSecrets' must be encrypted as it's secret$/);
            });

            it("a value of another type than declared is refused", () => {
                const dir = scratch(stack, { stackFile: (s) => s.setIn(["config", "platform:allowedAccountIds"], [111111111111]) });
                assert.match(refusal(dir, stack), /: Stack '[^']+' with configuration key 'allowedAccountIds' must be of type 'array<string>'$/);
            });

            it("the program reads an unset optional secret (the CLI's empty default) as not set", () => {
                const dir = scratch(stack, { stackFile: (s) => ["ssoBrokerSecrets", "alertReceiverSecret", "pullThroughCacheCredentials"].forEach((k) => s.deleteIn(["config", `platform:${k}`])) });
                const raw = readStackConfig(dir, stack).config;
                assert.strictEqual(raw["platform:alertReceiverSecret"], "");
                assert.strictEqual(raw["platform:ssoBrokerSecrets"], "{}");
                let cfg: ReturnType<typeof parsePlatformConfig> | undefined;
                try {
                    cfg = parsePlatformConfig(raw, "platform");
                } catch (e) {
                    // A stack whose features need a secret says so, and never that the empty default is plain text.
                    assert.doesNotMatch((e as Error).message, /got a plaintext value/);
                    assert.match((e as Error).message, /: required with /);
                    return;
                }
                assert.strictEqual(cfg.alertReceiverSecret, undefined);
                assert.strictEqual(cfg.ssoBrokerSecrets, undefined);
            });
        });
    }

    it("a non-empty optional secret in plain text is still refused by the program", () => {
        const dir = scratch(stacks[0], { stackFile: (s) => s.setIn(["config", "platform:alertReceiverSecret"], "https://hooks.example.org/x") });
        assert.throws(() => parsePlatformConfig(readStackConfig(dir, stacks[0]).config, "platform"), /platform:alertReceiverSecret: expected a secret value/);
    });

    it("every project in the repository and each of its stack files pass the CLI's rules", () => {
        const projects = ["deployments", path.join("examples", "app-stack")].map((d) => path.join(PROJECT_DIR, d));
        const checked = projects.flatMap((dir) => {
            readProject(dir);
            return listStacks(dir).map((stack) => (readStackConfig(dir, stack), `${path.relative(PROJECT_DIR, dir)}/${stack}`));
        });
        assert.deepStrictEqual(checked, ["deployments/example"]);
    });

    describe("Project.Validate (Pulumi.yaml itself)", () => {
        it("accepts the committed Pulumi.yaml", () => {
            assert.doesNotThrow(() => readProject(PROJECT_DIR));
        });
        const cases: [string, Record<string, unknown>, string | undefined][] = [
            ["an array without items", { list: { type: "array" } }, "The configuration key 'list' declares an array but does not specify the underlying type via the 'items' attribute"],
            ["a default of another type", { n: { type: "integer", default: "x" } }, "The default value specified for configuration key 'n' is not of the expected type 'integer'"],
            ["default and value", { n: { default: 1, value: 2 } }, "project config 'n' cannot have both a 'default' and 'value' attribute"],
            ["another namespace's type", { "aws:region": { type: "string", value: "eu-west-1" } }, "Configuration key 'aws:region' is not namespaced by the project and should not define a type"],
            ["another namespace's default", { "aws:region": { default: "eu-west-1" } }, "Configuration key 'aws:region' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?"],
            ["another namespace's shorthand is a value", { "aws:region": "eu-west-1" }, undefined],
            ["an empty object default", { o: { type: "object", default: {} } }, undefined],
        ];
        for (const [what, config, expected] of cases) {
            it(what, () => assert.strictEqual(projectDeclarationError("platform", config), expected));
        }
    });

    describe("ValidateConfigValue, as the CLI decodes stack values", () => {
        const rows: [string, unknown, boolean][] = [
            ["string", "x", true],
            ["string", { a: 1 }, false],
            ["integer", "42", true],
            ["integer", "-7", true],
            ["integer", "4.2", false],
            ["integer", 3, true],
            ["integer", 3.5, false],
            ["boolean", "true", true],
            ["boolean", "yes", false],
            ["boolean", false, true],
            ["object", {}, true],
            ["object", [], false],
            ["object", "{}", false],
        ];
        for (const [type, value, ok] of rows) it(`${type} ${JSON.stringify(value)} → ${ok}`, () => assert.strictEqual(matchesType(type, undefined, value), ok));
        it("array<string> holds strings only", () => {
            assert.strictEqual(matchesType("array", { type: "string" }, ["a"]), true);
            assert.strictEqual(matchesType("array", { type: "string" }, [1]), false);
            assert.strictEqual(matchesType("array", undefined, ["a"]), false);
        });
        it("a scalar arrives as text: YAML true for a boolean, 3 for a string", () => {
            const decl = { b: { type: "boolean" }, s: { type: "string" } };
            assert.strictEqual(stackConfigError("p", "st", decl, new Map([["p:b", plain(true)], ["p:s", plain(3)]])), undefined);
            assert.strictEqual(stackConfigError("p", "st", decl, new Map([["p:b", plain("on")], ["p:s", plain(3)]])), "Stack 'st' with configuration key 'b' must be of type 'boolean'");
        });
        it("ciphertext counts as encrypted, and its leaves as text inside an object", () => {
            const decl = { s: { type: "string", secret: true }, o: { type: "object", secret: true } };
            assert.strictEqual(stackConfigError("p", "st", decl, new Map([["p:s", cipher], ["p:o", { secure: true, raw: { a: { secure: "v1:x" } } }]])), undefined);
            assert.strictEqual(stackConfigError("p", "st", decl, new Map([["p:s", cipher], ["p:o", plain({ a: "x" })]])), "Stack 'st' with configuration key 'o' must be encrypted as it's secret");
        });
        it("keys of another namespace are never missing", () => {
            assert.strictEqual(stackConfigError("p", "st", { "aws:region": { value: "eu-west-1" }, x: { type: "string" } }, new Map()), "Stack 'st' is missing configuration value 'x'");
        });
    });
});
