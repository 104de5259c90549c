// Kyverno's `validate.pattern` check, as v1.19.0 runs it (pkg/engine/validate/validate.go MatchPattern,
// pkg/engine/anchor/handlers.go, pkg/engine/pattern/pattern.go), for the parts the platform's policies use: maps with
// plain keys and equality `=()` / negation `X()` anchors, arrays of maps (every element must match), arrays of scalars
// against a scalar pattern, and string patterns (`|` or, `&` and, a leading `!`, `*` and `?` wildcards). What it does
// not model (conditional, global and existence anchors, number patterns, ranges, and operands Kyverno would read as a
// duration or a quantity) throws, so no policy is judged by a guess.

type Json = unknown;
type PatternError = { readonly kind: "plain" | "negation"; readonly message: string };

const isMap = (v: Json): v is Record<string, Json> => v !== null && typeof v === "object" && !Array.isArray(v);

/** An anchor key: `=(key)`, `X(key)` (and the kinds this model refuses). */
function anchor(key: string): { readonly modifier: string; readonly key: string } | undefined {
    const m = /^([+<=X^])?\((.+)\)$/.exec(key.trim());
    return m ? { modifier: m[1] ?? "", key: m[2] } : undefined;
}

/** The pattern is satisfied (a skip counts as satisfied: the rule does not apply). */
export function matchPattern(resource: Json, pattern: Json): boolean {
    return element(resource, pattern, "/") === undefined;
}

function element(resource: Json, pattern: Json, path: string): PatternError | undefined {
    if (isMap(pattern)) {
        if (!isMap(resource)) return { kind: "plain", message: `${path}: expected a map` };
        return map(resource, pattern, path);
    }
    if (Array.isArray(pattern)) {
        if (!Array.isArray(resource)) return { kind: "plain", message: `${path}: expected an array` };
        if (pattern.length === 0) return { kind: "plain", message: `${path}: empty pattern array` };
        const first = pattern[0];
        if (isMap(first)) {
            // validateArrayOfMaps: every element against the one map (conditional anchors aside, which would skip).
            for (let i = 0; i < resource.length; i++) {
                const e = element(resource[i], first, `${path}${i}/`);
                if (e) return e;
            }
            return undefined;
        }
        if (first === null || ["string", "number", "boolean"].includes(typeof first)) return element(resource, first, path);
        throw new Error(`${path}: arrays of arrays are not modelled`);
    }
    // An elementary pattern against a scalar, or against each element of an array.
    const values = Array.isArray(resource) ? resource : [resource];
    for (const v of values) if (!validate(v, pattern)) return { kind: "plain", message: `${path}: ${JSON.stringify(v)} does not match ${JSON.stringify(pattern)}` };
    return undefined;
}

function map(resource: Record<string, Json>, pattern: Record<string, Json>, path: string): PatternError | undefined {
    const anchored = Object.keys(pattern).filter((k) => anchor(k) !== undefined).sort();
    for (const k of anchored) {
        const a = anchor(k)!;
        const at = `${path}${a.key}/`;
        if (a.modifier === "=") {
            // equalityHandler: checked only where the resource has the key.
            if (a.key in resource) {
                const e = element(resource[a.key], pattern[k], at);
                if (e) return e;
            }
        } else if (a.modifier === "X") {
            // negationHandler: the key must be absent, whatever the pattern's value.
            if (a.key in resource) return { kind: "negation", message: `${at} is not allowed` };
        } else {
            throw new Error(`${at}: anchor ${k} is not modelled`);
        }
    }
    for (const k of Object.keys(pattern).filter((k) => anchor(k) === undefined)) {
        // defaultHandler: "*" requires a non-nil value; otherwise the (possibly absent, nil) value is checked.
        const at = `${path}${k}/`;
        if (pattern[k] === "*") {
            if (resource[k] === undefined || resource[k] === null) return { kind: "plain", message: `${at} not found` };
            continue;
        }
        const e = element(resource[k] ?? null, pattern[k], at);
        if (e) return e;
    }
    return undefined;
}

/** pattern.Validate for the kinds modelled: strings, booleans and nil. */
function validate(value: Json, pattern: Json): boolean {
    if (typeof pattern === "boolean") return value === pattern;
    if (pattern === null) return value === null || value === "" || value === false || value === 0;
    if (typeof pattern !== "string") throw new Error(`pattern ${JSON.stringify(pattern)} is not modelled`);
    if (value === pattern) return true;
    return pattern.split("|").some((or) => or.trim().split("&").every((and) => stringPattern(value, and.trim())));
}

/** Go's time.ParseDuration and Kubernetes' resource.ParseQuantity would take the operand: Kyverno compares those as such. */
const DURATION = /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^[+-]?0$/;
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[numkMGTPE]|[KMGTPE]i)?$/;

function stringPattern(value: Json, pattern: string): boolean {
    const op = operatorOf(pattern);
    if (op !== "" && op !== "!") throw new Error(`operator ${op} in ${JSON.stringify(pattern)} is not modelled`);
    const operand = pattern.slice(op.length).trim();
    if (DURATION.test(operand) || QUANTITY.test(operand)) throw new Error(`${JSON.stringify(operand)} would be compared as a duration or quantity: not modelled`);
    // compareString: numbers and booleans are compared as text; nil matches nothing, negated or not.
    if (value === null || value === undefined || typeof value === "object") return false;
    const matched = wildcard(operand, String(value));
    return op === "!" ? !matched : matched;
}

/** operator.GetOperatorFromStringPattern. */
function operatorOf(pattern: string): string {
    if (pattern.length < 2) return "";
    for (const op of [">=", "<=", ">", "<", "!"]) if (pattern.startsWith(op)) return op;
    if (/^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)!-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/.test(pattern)) return "!-";
    if (/^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/.test(pattern)) return "-";
    return "";
}

/** Kyverno's wildcard.Match: `*` any run of characters (`/` included), `?` one character. */
export const wildcard = (p: string, v: string) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(v);
