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
            // Pulumi refuses a plaintext value for a key declared secret; the schema refuses it too.
            assert.strictEqual(decl.secret ?? false, "secret" in entry && entry.secret === true, `${key}: secret flag differs from the schema`);
            assert.ok((decl.description ?? "").length > 10, `${key} lacks a description`);
            if (decl.type === "array") assert.ok(decl.items?.type, `${key}: arrays need items.type`);
            const implicit = entry.schema.safeParse(undefined);
            if (implicit.success) assert.deepStrictEqual(decl.default, implicit.data, `${key}: default differs from the schema`);
            else assert.ok(!("default" in decl), `${key} is required by the schema but has a default in Pulumi.yaml`);
        });
    }
});
