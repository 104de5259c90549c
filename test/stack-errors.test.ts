import * as assert from "assert";
import { ConfigError, configPath, platformMessage, show } from "../stacks/errors";

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
            [{ code: "too_small", inclusive: true, minimum: 1, origin: "array" }, "expected at least 1 items"],
            [{ code: "too_small", inclusive: false, minimum: 0, origin: "number" }, "expected more than 0"],
            [{ code: "too_small", inclusive: true, minimum: 2, origin: "string" }, "expected at least 2 characters"],
            [{ code: "custom" }, undefined],
        ];
        assert.deepStrictEqual(
            cases.map(([issue]) => platformMessage(issue as unknown as Parameters<typeof platformMessage>[0])),
            cases.map(([, message]) => message),
        );
    });
});
