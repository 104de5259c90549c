// CRD contracts: every field a custom resource of the program sets must exist, with the right type, in the pinned
// CRD's openAPIV3Schema, so a misspelt or dropped field fails a test instead of being pruned by the API server.
// Fixtures: test/fixtures/crds/<name>-<version>/ (see SOURCES.md there).
import * as fs from "fs";
import * as YAML from "yaml";

interface OpenApiSchema {
    readonly type?: string;
    readonly properties?: Record<string, OpenApiSchema>;
    readonly items?: OpenApiSchema;
    readonly additionalProperties?: boolean | OpenApiSchema;
    readonly enum?: readonly unknown[];
    readonly "x-kubernetes-preserve-unknown-fields"?: boolean;
    readonly "x-kubernetes-int-or-string"?: boolean;
}

/** The openAPIV3Schema of one served version of a CRD file. */
export function readCrdSchema(file: string, version: string): OpenApiSchema {
    const crd = YAML.parse(fs.readFileSync(file, "utf8")) as { spec: { versions: { name: string; schema: { openAPIV3Schema: OpenApiSchema } }[] } };
    const served = crd.spec.versions.find((v) => v.name === version);
    if (!served) throw new Error(`${file} has no version ${version}`);
    return served.schema.openAPIV3Schema;
}

function typeOf(value: unknown): string {
    if (Array.isArray(value)) return "array";
    if (value === null) return "null";
    if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
    return typeof value;
}

/** Problems of `value` against `schema`: unknown fields, wrong types, values outside an enum. Empty when it conforms. */
export function crdProblems(schema: OpenApiSchema, value: unknown, at = ""): string[] {
    if (schema["x-kubernetes-preserve-unknown-fields"] && !schema.properties) return [];
    if (schema["x-kubernetes-int-or-string"]) {
        return typeof value === "string" || Number.isInteger(value) ? [] : [`${at}: expected an integer or a string, got ${typeOf(value)}`];
    }
    const actual = typeOf(value);
    if (schema.type && !(schema.type === actual || (schema.type === "number" && actual === "integer"))) return [`${at}: expected ${schema.type}, got ${actual}`];
    if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
    if (actual === "array" && schema.items) return (value as unknown[]).flatMap((v, i) => crdProblems(schema.items!, v, `${at}[${i}]`));
    if (actual !== "object") return [];
    return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) => {
        const path = at ? `${at}.${key}` : key;
        const known = schema.properties?.[key];
        if (known) return crdProblems(known, v, path);
        if (typeof schema.additionalProperties === "object") return crdProblems(schema.additionalProperties, v, path);
        if (schema.additionalProperties === true || schema["x-kubernetes-preserve-unknown-fields"]) return [];
        return [`${path}: unknown field (the API server would prune it)`];
    });
}
