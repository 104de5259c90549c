// Fixture files parsed once per test process instead of once per use: the attack catalogue builds a cluster state per
// guard it removes (hundreds per run), and each one re-parsed 2 MB of chart values. Frozen, so a caller that would
// change a shared copy fails instead of changing what the next test reads.
import * as fs from "fs";

export { deepFreeze } from "../plan/stack-files";
import { deepFreeze } from "../plan/stack-files";

const parsed = new Map<string, unknown>();

/**
 * `read(file)`'s result, read once per process for each `kind` of reading and file (fixtures do not change while the
 * tests run), frozen.
 */
export function parsedOnce<T>(kind: string, file: string, read: (file: string) => T): T {
    const key = `${kind}\0${file}`;
    if (!parsed.has(key)) parsed.set(key, deepFreeze(read(file)));
    return parsed.get(key) as T;
}

/** A fixture file's text, read once per process. */
export const fixtureText = (file: string): string => parsedOnce("text", file, (f) => fs.readFileSync(f, "utf8"));

/**
 * A deep copy of JSON data, what JSON.parse(JSON.stringify(value)) gives (undefined members left out), four times
 * faster: the attack catalogue copies a whole plan for each guard it removes.
 */
export function jsonCopy<T>(value: T): T {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : jsonCopy(v))) as T;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = jsonCopy(v);
    return out as T;
}
