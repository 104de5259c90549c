import * as assert from "assert";
import { z } from "zod";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";
import { ConfigError, configPath, describeIssue, knownKeys, platformMessage, show } from "../stacks/errors";

// The pieces every configuration message is made of, written out by hand.
describe("config errors: the header, paths, values and zod's wording in the platform's", () => {
    it("counts the problems in the header, singular and plural, and lists each on its own line", () => {
        assert.strictEqual(new ConfigError(["a: bad"]).message, "Invalid stack configuration (1 problem):\n  - a: bad");
        assert.strictEqual(new ConfigError(["a: bad", "b: worse"]).message, "Invalid stack configuration (2 problems):\n  - a: bad\n  - b: worse");
        assert.strictEqual(new ConfigError([]).name, "ConfigError");
    });
    it("writes a key's path with its namespace, array indexes in brackets", () => {
        assert.strictEqual(configPath("platform", ["network", "subnets", 0, "name"]), "platform:network.subnets[0].name");
        assert.strictEqual(configPath("platform", []), "platform:");
    });
    it("shows a value as JSON, up to 120 characters", () => {
        assert.deepStrictEqual([show(5), show("a"), show(undefined), show({ a: [1] })], ["5", '"a"', "undefined", '{"a":[1]}']);
        const fits = "x".repeat(118); // 120 characters with its quotes
        assert.strictEqual(show(fits), `"${fits}"`);
        assert.strictEqual(show("x".repeat(119)), `"${"x".repeat(116)}...`);
    });
    it("says what is expected: types, choices, inclusive and exclusive bounds with their unit", () => {
        const cases: [Record<string, unknown>, string | undefined][] = [
            [{ code: "invalid_type", expected: "boolean" }, "expected true or false"],
            [{ code: "invalid_type", expected: "int" }, "expected an integer"],
            [{ code: "invalid_type", expected: "object" }, "expected a mapping"],
            [{ code: "invalid_type", expected: "array" }, "expected a list"],
            [{ code: "invalid_type", expected: "bigint" }, "expected bigint"],
            [{ code: "invalid_value", values: ["A", 2] }, "expected one of A | 2"],
            [{ code: "too_big", inclusive: true, maximum: 3, origin: "number" }, "expected at most 3"],
            [{ code: "too_big", inclusive: false, maximum: 5, origin: "string" }, "expected less than 5 characters"],
            [{ code: "too_big", inclusive: true, maximum: 3, origin: "set" }, "expected at most 3 items"],
            [{ code: "too_small", inclusive: true, minimum: 1, origin: "array" }, "expected at least 1 item"],
            [{ code: "too_big", inclusive: true, maximum: 1, origin: "string" }, "expected at most 1 character"],
            [{ code: "too_small", inclusive: true, minimum: 1, origin: "number" }, "expected at least 1"],
            [{ code: "too_small", inclusive: false, minimum: 0, origin: "number" }, "expected more than 0"],
            [{ code: "too_small", inclusive: true, minimum: 2, origin: "string" }, "expected at least 2 characters"],
            [{ code: "custom" }, undefined],
        ];
        assert.deepStrictEqual(
            cases.map(([issue]) => platformMessage(issue as unknown as Parameters<typeof platformMessage>[0])),
            cases.map(([, message]) => message),
        );
    });

    it("lists the keys an object takes, through the discriminated union member its input picks", () => {
        const a = z.strictObject({ type: z.literal("A"), one: z.string() });
        const b = z.strictObject({ type: z.literal("B"), two: z.string(), three: z.string() });
        const union = z.discriminatedUnion("type", [a, b]);
        assert.deepStrictEqual(
            [knownKeys(a, {}), knownKeys(union, { type: "B" }), knownKeys(union, { type: "C" }), knownKeys(union, null), knownKeys(union, "B"), knownKeys(z.string(), { type: "A" }), knownKeys(undefined, {})],
            [["type", "one"], ["type", "two", "three"], [], [], [], [], []],
        );
    });

    it("names each problem of a record key, and a missing key without a doc string", () => {
        const tags = z.strictObject({ tags: z.record(z.string(), z.string()) });
        const invalidKey = { code: "invalid_key", origin: "record", path: ["tags", "aws:x"], input: "aws:x", message: "", issues: [{ message: "too long" }, { message: "reserved" }] };
        assert.deepStrictEqual(describeIssue(tags, "platform", invalidKey as unknown as z.core.$ZodIssue), ['platform:tags.aws:x: invalid key: too long; reserved; got "aws:x"']);
        // Where the schema cannot say which keys it takes, the message says only that the key is unknown.
        const unknownAt = { code: "unrecognized_keys", path: ["tags", "a"], keys: ["x", "y"], input: {}, message: "" };
        assert.deepStrictEqual(describeIssue(tags, "platform", unknownAt as unknown as z.core.$ZodIssue), ["platform:tags.a.x: unknown key", "platform:tags.a.y: unknown key"]);
    });

    it("reads every piece together on a stack file: unknown keys (also in a union member), a missing key, a record key", () => {
        const dev = readStackConfig(PROJECT_DIR, "dev").config;
        const delivery = JSON.parse(dev["platform:appDelivery"]);
        delivery.signatures.verifier.foo = 1;
        const cluster = JSON.parse(dev["platform:cluster"]);
        cluster.endpoint.foo = true;
        delete cluster.addons.coredns;
        const raw = { ...dev, "platform:appDelivery": JSON.stringify(delivery), "platform:cluster": JSON.stringify(cluster), "platform:tags": JSON.stringify({ "aws:x": "1" }) };
        assert.throws(
            () => parsePlatformConfig(raw, "platform"),
            (e: ConfigError) => {
                assert.deepStrictEqual(e.problems, [
                    'platform:tags.aws:x: invalid key: expected a tag key (1-128 characters, not starting with aws:); got "aws:x"',
                    "platform:cluster.endpoint.foo: unknown key; expected one of: privateAccess, publicAccess, publicAccessCidrs",
                    "platform:cluster.addons.coredns: required key is missing; expected a string (coredns managed add-on build (cluster DNS).)",
                    "platform:appDelivery.signatures.verifier.foo: unknown key; expected one of: type, issuer, organizations, rekorUrl",
                ]);
                return true;
            },
        );
    });
});
