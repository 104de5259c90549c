// The Pulumi CLI's own checks of a stack's config against Pulumi.yaml, which run before the program starts (a stack
// that fails them never reaches our schema). Transcribed from pulumi/pulumi sdk/go/common/workspace at v3.259
// (project.go: Project.Validate, ValidateConfigValue; config.go: mergeConfig, validateStackConfigValues), wording
// included, so the offline plan refuses exactly what `pulumi preview` would.

/** One `config:` entry of Pulumi.yaml after the CLI's shorthand rewrite. */
interface Declaration {
    type?: string;
    items?: ItemsType;
    default?: unknown;
    value?: unknown;
    secret?: boolean;
}
interface ItemsType {
    type: string;
    items?: ItemsType;
}

/** A stack file's value as the CLI holds it: whether it is (or contains) ciphertext, and its content when known. */
export interface StackValue {
    /** `secure:` ciphertext, or an object/array with a `secure:` leaf (config.Value.Secure()). */
    readonly secure: boolean;
    /** The raw YAML value (secure leaves left as `{secure: ...}`). */
    readonly raw: unknown;
}

const namespacedByProject = (project: string, key: string) => !key.includes(":") || key.startsWith(`${project}:`);

/** RewriteShorthandConfigValues: `key: 3` is a default for a project key and a value for another namespace's. */
function declarations(project: string, config: Record<string, unknown>): Map<string, Declaration> {
    const out = new Map<string, Declaration>();
    for (const [key, decl] of Object.entries(config)) {
        const primitive = ["string", "number", "boolean"].includes(typeof decl) || Array.isArray(decl);
        if (primitive) out.set(key, namespacedByProject(project, key) ? { default: decl } : { value: decl });
        else out.set(key, (decl ?? {}) as Declaration);
    }
    return out;
}

/** ValidateConfigValue: whether a value (as the CLI decoded it) has the declared type. */
export function matchesType(type: string, items: ItemsType | undefined, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            if (typeof value === "number") return Number.isInteger(value);
            // strconv.Atoi: optional sign, decimal digits, fits in 64 bits.
            return typeof value === "string" && /^[+-]?\d+$/.test(value) && Math.abs(Number(value)) <= Number.MAX_SAFE_INTEGER;
        case "boolean":
            return value === true || value === false || value === "true" || value === "false";
        case "object":
            return value !== null && typeof value === "object" && !Array.isArray(value);
        default:
            return Array.isArray(value) && items !== undefined && value.every((item) => matchesType(items.type, items.items, item));
    }
}

/** InferFullTypeName: `array<string>`, `array<array<integer>>`. */
function typeName(type: string, items: ItemsType | undefined): string {
    return items ? `array<${typeName(items.type, items.items)}>` : type;
}

/** Project.Validate: the first declaration the CLI refuses when it loads Pulumi.yaml. */
export function projectDeclarationError(project: string, config: Record<string, unknown>): string | undefined {
    for (const [key, d] of [...declarations(project, config)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (d.default !== undefined && d.value !== undefined) return `project config '${key}' cannot have both a 'default' and 'value' attribute`;
        if (namespacedByProject(project, key)) {
            if (d.type === "array" && d.items === undefined) {
                return `The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`;
            }
            if (d.type !== undefined && d.default !== undefined && !matchesType(d.type, d.items, d.default)) {
                return `The default value specified for configuration key '${key}' is not of the expected type '${typeName(d.type, d.items)}'`;
            }
        } else {
            if (d.type !== undefined) return `Configuration key '${key}' is not namespaced by the project and should not define a type`;
            if (d.default !== undefined) {
                return `Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`;
            }
            if (d.value === undefined) return `Configuration key '${key}' is namespaced and must provide an attribute 'value'`;
        }
    }
    return undefined;
}

/** formatMissingKeys: `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'` (sorted). */
function formatMissing(keys: string[]): string {
    if (keys.length === 1) return `'${keys[0]}'`;
    const sorted = [...keys].sort();
    return `${sorted.slice(0, -1).map((k) => `'${k}'`).join(", ")} and '${sorted[sorted.length - 1]}'`;
}

const isCiphertext = (v: unknown): boolean =>
    v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string";

/** A mapping or list with each ciphertext leaf as the text it decrypts to (unknown offline; always text). */
function decryptedShape(v: unknown): unknown {
    if (isCiphertext(v)) return "[secret]";
    if (Array.isArray(v)) return v.map(decryptedShape);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decryptedShape(x)]));
    return v;
}

/**
 * How the CLI decodes a stack value before the type check: a scalar is text (YAML `true` and `3` arrive as "true"
 * and "3"), a mapping or list is its JSON. Unknown for a ciphertext scalar (its text is not known offline; the CLI
 * would check it once decrypted).
 */
function content(value: StackValue): { known: boolean; value?: unknown } {
    const raw = value.raw;
    if (isCiphertext(raw)) return { known: false };
    if (raw !== null && typeof raw === "object") return { known: true, value: decryptedShape(raw) };
    return { known: true, value: raw === null ? null : String(raw) };
}

/**
 * mergeConfig + validateStackConfigValues: the first error `pulumi preview -s <stack>` stops with, or undefined.
 * `stackConfig` is keyed as written in the stack file (`platform:name`).
 */
export function stackConfigError(project: string, stack: string, config: Record<string, unknown>, stackConfig: ReadonlyMap<string, StackValue>): string | undefined {
    const declared = [...declarations(project, config)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const fullKey = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
    const missing = declared
        .filter(([key, d]) => !stackConfig.has(fullKey(key)) && d.value === undefined && d.default === undefined && namespacedByProject(project, key))
        .map(([key]) => key);
    if (missing.length > 0) return `Stack '${stack}' is missing configuration ${missing.length > 1 ? "values" : "value"} ${formatMissing(missing)}`;
    for (const [key, d] of declared) {
        if (d.type === undefined) continue;
        // A default or value the CLI filled in is plain text: it never counts as encrypted.
        const value = stackConfig.get(fullKey(key)) ?? { secure: false, raw: d.default ?? d.value };
        if (d.secret && !value.secure) return `Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret`;
        const decoded = content(value);
        if (decoded.known && !matchesType(d.type, d.items, decoded.value)) {
            return `Stack '${stack}' with configuration key '${key}' must be of type '${typeName(d.type, d.items)}'`;
        }
    }
    return undefined;
}
