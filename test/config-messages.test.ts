// Every value a committed stack file sets, made wrong one at a time: the configuration must fail before any resource
// is registered, with a message that names the key, says what is expected and shows the bad value. The bounds and
// choices to break come from the committed JSON Schema (docs/stack-config.schema.json), which a review reads.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { ConfigError, parsePlatformConfig } from "../stacks/config";
import { configKeys } from "../stacks/schema";

type Json = { [key: string]: any };
const schema = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "docs", "stack-config.schema.json"), "utf8")) as Json;
const keys = schema.properties.config.properties as Json;
/** Keys whose values are secrets (the schema marks them): the messages mask them, so the bad value is not shown. */
const SECRET_KEYS = Object.entries(configKeys).flatMap(([key, entry]) => ("secret" in entry && entry.secret ? [key] : []));

interface Leaf {
    /** Where the value sits: top-level key, then properties and array indexes. */
    readonly at: readonly (string | number)[];
    readonly value: unknown;
    readonly schema: Json;
}

/** The schema of `value` inside `node` (properties, records, array items; refs and unions left out). */
function leaves(value: unknown, node: Json | undefined, at: (string | number)[]): Leaf[] {
    if (!node || node.anyOf || node.oneOf || node.$ref) return [];
    if (Array.isArray(value)) return node.items ? value.flatMap((v, i) => leaves(v, node.items, [...at, i])) : [];
    if (value !== null && typeof value === "object") {
        return Object.entries(value).flatMap(([k, v]) => leaves(v, node.properties?.[k] ?? (typeof node.additionalProperties === "object" ? node.additionalProperties : undefined), [...at, k]));
    }
    return [{ at, value, schema: node }];
}

/** `platform:network.subnets.azSlots`, `platform:cluster.nodeGroups[0].minSize`: how a message names a key. */
const keyName = (at: readonly (string | number)[]) => `platform:${at.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("")}`;

/** The problems of the stack's config with these values replaced (each key's messages are told apart by its name). */
function problemsWith(file: Readonly<Record<string, string>>, changes: readonly { at: readonly (string | number)[]; bad: unknown }[]): string[] {
    const raw = { ...file };
    const objects = new Map<string, any>();
    for (const { at, bad } of changes) {
        const top = `platform:${at[0]}`;
        if (at.length === 1) {
            raw[top] = typeof bad === "string" ? bad : JSON.stringify(bad);
            continue;
        }
        const value = objects.get(top) ?? objects.set(top, JSON.parse(raw[top])).get(top);
        let parent = value;
        for (const p of at.slice(1, -1)) parent = parent[p];
        parent[at[at.length - 1]] = bad;
    }
    for (const [top, value] of objects) raw[top] = JSON.stringify(value);
    try {
        parsePlatformConfig(raw, "platform", (key) => SECRET_KEYS.some((s) => key === `platform:${s}`), PROJECT_DIR);
        return [];
    } catch (e) {
        if (e instanceof ConfigError) return [...e.problems];
        throw e;
    }
}

/** What each kind of leaf can be broken with (none for a leaf without a bound or a choice). */
function wrongValues(leaf: Leaf): unknown[] {
    const s = leaf.schema;
    const out: unknown[] = [];
    if (s.enum) out.push("NotAChoice");
    if (s.type === "integer") out.push(Number(leaf.value) + 0.5);
    if (s.type === "integer" || s.type === "number") {
        // A bare integer's bound is the largest safe integer, which no config reaches.
        if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) out.push(s.maximum + 1);
        if (s.minimum !== undefined) out.push(s.minimum - 1);
    }
    if (s.type === "string" && s.pattern && !s.enum) out.push("Not A Valid Value!");
    if (s.type === "boolean") out.push("yes");
    return out;
}

for (const stack of ["dev", "prod"]) {
    describe(`every value of Pulumi.${stack}.yaml, made wrong, is refused with its key, what is expected and the value`, () => {
        const file = readStackConfig(PROJECT_DIR, stack).config;
        const all = Object.entries(file)
            .filter(([k]) => k.startsWith("platform:") && !SECRET_KEYS.includes(k.slice("platform:".length)))
            .flatMap(([k, stored]) => {
                const key = k.slice("platform:".length);
                const value = keys[k]?.type === "string" ? stored : JSON.parse(stored);
                return leaves(value, keys[k], [key]);
            });

        it("finds the values to break: numbers, choices, patterns and switches of every layer", () => {
            const kinds = new Set(all.filter((l) => wrongValues(l).length > 0).map((l) => String(l.at[0])));
            for (const layer of ["network", "cluster", "storage", "backup", "ingress", "secrets", "sso", "observability", "policy", "tenants", "appDelivery"]) {
                assert.ok(kinds.has(layer), `${stack}: nothing to break in ${layer}`);
            }
            // Each committed stack sets at least this many of each (dev: 39 integers, 34 choices, 22 switches, 129 patterns).
            const count = (kind: (l: Leaf) => boolean) => all.filter(kind).length;
            assert.ok(count((l) => l.schema.type === "integer") >= 35, `${stack}: integers`);
            assert.ok(count((l) => l.schema.enum !== undefined) >= 30, `${stack}: choices`);
            assert.ok(count((l) => l.schema.type === "boolean") >= 20, `${stack}: switches`);
            assert.ok(count((l) => l.schema.pattern !== undefined) >= 100, `${stack}: patterns`);
        });

        it("refuses each wrong value, every message about its key of the form '<key>: expected ...; got <value>'", function () {
            this.timeout(300000);
            const failures: string[] = [];
            let checked = 0;
            // Round n breaks every value with its n-th wrong value at once: one parse per round, not one per value.
            for (let round = 0; ; round++) {
                const changes = all.flatMap((leaf) => (wrongValues(leaf).length > round ? [{ at: leaf.at, bad: wrongValues(leaf)[round] }] : []));
                if (changes.length === 0) break;
                const problems = problemsWith(file, changes);
                for (const { at, bad } of changes) {
                    checked++;
                    const name = keyName(at);
                    const about = problems.filter((p) => p.startsWith(`${name}: `));
                    const form = new RegExp(`^${name.replace(/[.[\]]/g, "\\$&")}: (expected|.*; expected) .+; got ${JSON.stringify(bad).replace(/[.[\]]/g, "\\$&")}$`);
                    // A value can break more than one rule (a range, and a bound set by another key): one message each.
                    if (about.length === 0 || !about.every((p) => form.test(p))) failures.push(`${name} = ${JSON.stringify(bad)}: ${JSON.stringify(about)}`);
                }
            }
            assert.ok(checked >= 150, `${stack}: only ${checked} wrong values tried`);
            assert.deepStrictEqual(failures, []);
        });
    });
}
