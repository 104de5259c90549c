// The stack file's JSON Schema, piece by piece: how a secret key's strings are written (docs/stack-config.schema.json
// as a whole is tested in stack-schema.test.ts).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../plan/engine";
import { encryptedStrings, STACK_SCHEMA_FILE } from "../stacks/json-schema";

describe("the stack file's JSON Schema: secret keys", () => {
    it("writes every string of a secret key as its encrypted form, keeping doc strings, record keys, nulls and other types", () => {
        const secure = { $ref: "#/$defs/secure" };
        assert.deepStrictEqual(
            encryptedStrings({
                type: "object",
                properties: { token: { type: "string", description: "API token" }, plain: { type: "string" }, port: { type: "number", default: null } },
                propertyNames: { type: "string" },
                anyOf: [{ type: "string" }, { type: "boolean" }],
            }),
            {
                type: "object",
                properties: { token: { ...secure, description: "API token" }, plain: secure, port: { type: "number", default: null } },
                propertyNames: { type: "string" },
                anyOf: [secure, { type: "boolean" }],
            },
        );
    });

    it("names the committed schema file that new stack files point their editor to", () => {
        const schema = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, STACK_SCHEMA_FILE), "utf8"));
        assert.strictEqual(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
    });
});
