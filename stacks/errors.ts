// Turns schema problems into messages that name the key, the bad value and what is expected.
import { z } from "zod";
import { RunError } from "@pulumi/pulumi/errors";

/** A user's configuration problem: a RunError, which Pulumi's Node.js host prints without a stack trace. */
export class ConfigError extends RunError {
    constructor(public readonly problems: readonly string[]) {
        super(`Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

/** `network.subnets.azSlots` -> `platform:network.subnets.azSlots`; array indexes as `[i]`. */
export function configPath(namespace: string, path: readonly PropertyKey[]): string {
    const [head, ...rest] = path;
    return `${namespace}:${String(head ?? "")}${rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}`;
}

/** Strips default/optional wrappers, and a transform's output, to reach the schema that describes a value as written. */
function unwrap(schema: z.ZodType): z.ZodType {
    let s: z.ZodType = schema;
    for (;;) {
        if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
        else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
        else return s;
    }
}

/** The schema at `path` inside `root`, if the path follows objects, records and arrays. */
export function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
    let s: z.ZodType | undefined = unwrap(root);
    for (const p of path) {
        if (s instanceof z.ZodObject) s = (s.shape as Record<string, z.ZodType>)[String(p)];
        else if (s instanceof z.ZodArray) s = s.element as z.ZodType;
        else if (s instanceof z.ZodRecord) s = s.valueType as z.ZodType;
        else return undefined;
        s = s && unwrap(s);
    }
    return s;
}

/** How a message names the type a value should have had. */
const EXPECTED_TYPE: Readonly<Record<string, string>> = { boolean: "true or false", int: "an integer", number: "a number", string: "a string", object: "a mapping", array: "a list" };
/** What a bound counts, by the kind of value it bounds. */
const BOUND_UNIT: Readonly<Record<string, string>> = { string: "character", array: "item", set: "item" };
/** A bound with its unit: "3 characters", "1 item", "5" for a number. */
function bound(limit: unknown, origin: string): string {
    const unit = BOUND_UNIT[origin];
    return unit === undefined ? String(limit) : `${String(limit)} ${unit}${Number(limit) === 1 ? "" : "s"}`;
}

/**
 * zod's own wording ("Invalid input: expected boolean, received string") in the platform's: what is expected. A
 * schema's own message wins; this only fills in where a schema has none.
 */
export function platformMessage(issue: z.core.$ZodRawIssue): string | undefined {
    if (issue.code === "invalid_type") return `expected ${EXPECTED_TYPE[issue.expected] ?? issue.expected}`;
    if (issue.code === "invalid_value") return `expected one of ${issue.values.map(String).join(" | ")}`;
    if (issue.code === "too_big") return `expected ${issue.inclusive ? "at most" : "less than"} ${bound(issue.maximum, issue.origin)}`;
    if (issue.code === "too_small") return `expected ${issue.inclusive ? "at least" : "more than"} ${bound(issue.minimum, issue.origin)}`;
    return undefined;
}
z.config({ customError: platformMessage });

export function show(value: unknown): string {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** The keys an object takes: its schema's, or those of the discriminated union's member its discriminator picks. */
export function knownKeys(target: z.ZodType | undefined, input: unknown): string[] {
    if (target instanceof z.ZodObject) return Object.keys(target.shape);
    if (!(target instanceof z.ZodDiscriminatedUnion) || typeof input !== "object" || input === null) return [];
    const discriminator = target.def.discriminator;
    const member = target.options.find((o) => o instanceof z.ZodObject && (o.shape[discriminator] as z.ZodType).safeParse((input as Record<string, unknown>)[discriminator]).success);
    return member instanceof z.ZodObject ? Object.keys(member.shape) : [];
}

/** One issue as the platform's messages; `prefix` places a schema read from elsewhere (a tenant file) in the config. */
export function describeIssue(root: z.ZodType, namespace: string, issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): string[] {
    const at = (path: readonly PropertyKey[]) => configPath(namespace, [...prefix, ...path]);
    if (issue.code === "unrecognized_keys") {
        const known = knownKeys(schemaAt(root, issue.path), issue.input);
        return issue.keys.map((k) => `${at([...issue.path, k])}: unknown key${known.length > 0 ? `; expected one of: ${known.join(", ")}` : ""}`);
    }
    if (issue.input === undefined && issue.code === "invalid_type") {
        const doc = schemaAt(root, issue.path)?.description;
        return [`${at(issue.path)}: required key is missing; expected ${EXPECTED_TYPE[issue.expected] ?? issue.expected}${doc ? ` (${doc})` : ""}`];
    }
    if (issue.code === "invalid_key") {
        // Record keys (tags): report the key rule, not zod's generic "Invalid key in record".
        const inner = issue.issues.map((i) => i.message).join("; ");
        return [`${at(issue.path)}: invalid key: ${inner}; got ${show(issue.input)}`];
    }
    return [`${at(issue.path)}: ${issue.message}; got ${show(issue.input)}`];
}
