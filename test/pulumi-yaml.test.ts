import * as assert from "assert";
import { configKeys, ConfigKey } from "../stacks/schema";
import { readProject } from "../plan/stack-files";
import { PROJECT_DIR } from "../plan/engine";

interface Declaration {
    type?: string;
    description?: string;
    default?: unknown;
    items?: { type?: string };
    secret?: boolean;
}

describe("Pulumi.yaml declares exactly the schema's config keys", () => {
    const project = readProject(PROJECT_DIR);
    const declared = (project.config ?? {}) as Record<string, Declaration>;

    it("names the project 'platform' (the config namespace the schema reads)", () => {
        assert.strictEqual(project.name, "platform");
    });

    it("has no declaration the schema does not know, and misses none", () => {
        assert.deepStrictEqual(Object.keys(declared).sort(), Object.keys(configKeys).sort());
    });

    for (const key of Object.keys(configKeys) as ConfigKey[]) {
        it(`${key}: same type, a description, and the schema's default (or none when required)`, () => {
            const decl = declared[key];
            const entry = configKeys[key];
            assert.ok(decl, `${key} not declared`);
            assert.strictEqual(decl.type, entry.type);
            assert.ok((decl.description ?? "").length > 10, `${key} lacks a description`);
            if (decl.type === "array") assert.ok(decl.items?.type, `${key}: arrays need items.type`);
            const implicit = entry.schema.safeParse(undefined);
            const secret = "secret" in entry && entry.secret === true;
            if (secret && implicit.success) {
                // The CLI refuses a `secret: true` key whose value is not ciphertext, its own default included: an
                // optional secret is declared with the empty default of its type (the program reads it as unset).
                assert.ok(!decl.secret, `${key}: an optional secret cannot be declared secret: true (its default is plain text)`);
                assert.deepStrictEqual(decl.default, decl.type === "string" ? "" : {}, `${key}: an optional secret's default is the empty ${decl.type}`);
                assert.match(decl.description ?? "", /^Secret: /, `${key}: the description says it is a secret`);
            } else if (secret) {
                assert.strictEqual(decl.secret, true, `${key}: a required secret is declared secret: true`);
                assert.ok(!("default" in decl), `${key} is required by the schema but has a default in Pulumi.yaml`);
            } else {
                assert.ok(!decl.secret, `${key}: declared secret, but the schema reads it as plain text`);
                if (implicit.success) assert.deepStrictEqual(decl.default, implicit.data, `${key}: default differs from the schema`);
                else assert.ok(!("default" in decl), `${key} is required by the schema but has a default in Pulumi.yaml`);
            }
        });
    }
});
