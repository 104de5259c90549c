// The stack file's JSON Schema, generated from the zod schema (docs/stack-config.schema.json): editors validate and
// complete Pulumi.<stack>.yaml with it and show each key's doc string. The cross-key rules stay in the zod schema,
// which remains what `pulumi up`, the plan and the tests enforce.
import { z } from "zod";
import { configKeys } from "./schema";

type JsonSchema = { [key: string]: unknown };

/** What `pulumi config set --secret` writes in place of a value. */
const SECURE_VALUE: JsonSchema = {
    type: "object",
    properties: { secure: { type: "string", minLength: 1 } },
    required: ["secure"],
    additionalProperties: false,
    description: "Encrypted by pulumi config set --secret.",
};

/** In a secret key, every string is stored encrypted: `{secure: ...}` in its place. */
export function encryptedStrings(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map(encryptedStrings);
    if (schema === null || typeof schema !== "object") return schema;
    const node = schema as JsonSchema;
    if (node.type === "string") return { $ref: "#/$defs/secure", ...(node.description ? { description: node.description } : {}) };
    // Property names (a record's keys) stay plain strings.
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === "propertyNames" ? v : encryptedStrings(v)]));
}

/** One key's schema as a stack file holds it. */
function keyJsonSchema(schema: z.ZodType, secret: boolean): JsonSchema {
    const { $schema: _draft, ...json } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    return secret ? (encryptedStrings(json) as JsonSchema) : json;
}

/**
 * The schema of `Pulumi.<stack>.yaml`: its `config` mapping holds the project's keys, namespaced (`platform:network`)
 * or not (`network`), and any other namespace's (`aws:...`) as Pulumi allows; a required key must be set in one form.
 */
export function stackFileJsonSchema(project: string): JsonSchema {
    const keys = Object.entries(configKeys).map(([key, entry]) => ({ key, json: keyJsonSchema(entry.schema, "secret" in entry && entry.secret) }));
    const required = Object.entries(configKeys).flatMap(([key, entry]) => (entry.schema.safeParse(undefined).success ? [] : [key]));
    return {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        title: `Pulumi.<stack>.yaml of the ${project} project`,
        description: "Generated from stacks/schema.ts by npm run config-schema; do not edit.",
        type: "object",
        properties: {
            config: {
                type: "object",
                properties: Object.fromEntries(keys.flatMap(({ key, json }) => [[`${project}:${key}`, json], [key, { $ref: `#/properties/config/properties/${project}:${key}` }]])),
                patternProperties: { [`^(?!${project}:)[A-Za-z0-9_-]+:`]: {} },
                additionalProperties: false,
                allOf: required.map((key) => ({ anyOf: [{ required: [`${project}:${key}`] }, { required: [key] }] })),
            },
        },
        required: ["config"],
        $defs: { secure: SECURE_VALUE },
    };
}

/** Where the generated schema is committed, relative to the project; stack files name it for their editor. */
export const STACK_SCHEMA_FILE = "docs/stack-config.schema.json";
