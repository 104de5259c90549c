// Differences between two plans, keyed by URN without the stack so dev and prod line up.
import type { Plan, PlannedResource } from "./engine";
import { rejectedPaths, replacementRefused, replacingPaths } from "./replacements";

export interface InputChange {
    readonly path: string;
    readonly before: unknown;
    readonly after: unknown;
}

export interface ResourceChange {
    readonly key: string;
    readonly type: string;
    readonly name: string;
    readonly changes: InputChange[];
    /** Changed paths that make the provider replace the resource (delete and re-create); empty for an update. */
    readonly replacedBy: string[];
    /** Changes AWS would reject (not replacements), each with its reason. */
    readonly rejectedBy: string[];
    /** Refused by the plan: a replacement of something protected or never replaced, or a change AWS rejects. */
    readonly refused: boolean;
}

export interface PlanDiff {
    readonly before: string;
    readonly after: string;
    readonly added: PlannedResource[];
    readonly removed: PlannedResource[];
    readonly changed: ResourceChange[];
    /** Resources whose only difference is `dependsOn`: Pulumi records the new order in state without an update step. */
    readonly reordered: { readonly key: string; readonly type: string; readonly name: string }[];
}

/** A string that holds a JSON document (an IAM policy, a serialised config): its parsed form, else undefined. */
function jsonDocument(value: string): object | undefined {
    if (!/^\s*[[{]/.test(value)) return undefined;
    try {
        const parsed: unknown = JSON.parse(value);
        return parsed !== null && typeof parsed === "object" ? parsed : undefined;
    } catch {
        return undefined;
    }
}

/** IAM statements are keyed by Sid when every statement has a distinct one, so adding one does not shift the rest. */
function keyedBySid(items: unknown[]): string[] | undefined {
    const sids = items.map((i) => (i !== null && typeof i === "object" ? (i as { Sid?: unknown }).Sid : undefined));
    return sids.every((s): s is string => typeof s === "string" && s !== "") && new Set(sids).size === sids.length ? sids : undefined;
}

/**
 * Flattens nested data to `a.b[0].c` -> leaf value. A JSON document inside a string is flattened too (marked `a{}`),
 * so a diff of an IAM policy or serialised values shows the changed statement fields, not one long line.
 */
export function flatten(value: unknown, at = "", out: Record<string, unknown> = {}): Record<string, unknown> {
    if (Array.isArray(value)) {
        if (value.length === 0) out[at] = [];
        const sids = keyedBySid(value);
        value.forEach((v, i) => flatten(v, sids ? `${at}[Sid=${sids[i]}]` : `${at}[${i}]`, out));
    } else if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>);
        if (entries.length === 0) out[at] = {};
        for (const [k, v] of entries) flatten(v, at ? `${at}.${k}` : k, out);
    } else if (typeof value === "string" && jsonDocument(value) !== undefined) {
        flatten(jsonDocument(value), `${at}{}`, out);
    } else {
        out[at] = value;
    }
    return out;
}

/** The stack name appears inside some values (URNs); normalise it so only real differences show. */
function comparable(r: PlannedResource, stack: string) {
    const opts = { protect: r.protect, retainOnDelete: r.retainOnDelete, provider: r.provider, dependsOn: r.dependsOn, customTimeouts: r.customTimeouts, importId: r.importId };
    const text = JSON.stringify({ inputs: r.inputs, options: opts }).split(`urn:pulumi:${stack}::`).join("urn:pulumi:<stack>::");
    return flatten(JSON.parse(text));
}

/** The names an alias spec gives a resource's previous identity (the SDK sends specs; the engine resolves them). */
function aliasNames(r: PlannedResource): string[] {
    return r.aliases.flatMap((a) => {
        const name = (a as { spec?: { name?: string } }).spec?.name;
        return name ? [name] : [];
    });
}

/**
 * Keys a resource had before, as the engine resolves aliases: its own alias names, and those its ancestors pass down
 * (a child named after its parent follows the parent's rename: `<old parent name><rest of its name>`).
 */
export function previousKeys(r: PlannedResource, byUrn: ReadonlyMap<string, PlannedResource>): string[] {
    const keyWithName = (name: string) => `${r.key.slice(0, r.key.lastIndexOf("::") + 2)}${name}`;
    const keys = aliasNames(r).map(keyWithName);
    for (let p = r.parent ? byUrn.get(r.parent) : undefined; p; p = p.parent ? byUrn.get(p.parent) : undefined) {
        if (!r.name.startsWith(p.name)) continue;
        for (const old of aliasNames(p)) keys.push(keyWithName(`${old}${r.name.slice(p.name.length)}`));
    }
    return keys;
}

/**
 * Whether a flattened diff path lies under one of a resource's ignoreChanges properties. The engine sends such an
 * input as it was (processIgnoreChanges: the old input's value, or none), and pulumi-terraform-bridge drops the
 * property from the provider's diff too (pkg/tfshim/sdk-v2/provider2.go), so it is neither updated nor replaced.
 */
export function ignoredPath(path: string, ignoreChanges: readonly string[]): boolean {
    return ignoreChanges.some((p) => {
        const at = `inputs.${p}`;
        return path === at || path.startsWith(`${at}.`) || path.startsWith(`${at}[`) || path.startsWith(`${at}{}`);
    });
}

export function diffPlans(before: Plan, after: Plan): PlanDiff {
    const old = new Map(before.resources.map((r) => [r.key, r]));
    const byUrn = new Map(after.resources.map((r) => [r.urn, r]));
    // A resource found under a previous key (an alias) is the same resource: compared, not added and removed.
    const previous = new Map<string, PlannedResource>();
    for (const r of after.resources) {
        if (old.has(r.key)) continue;
        const key = previousKeys(r, byUrn).find((k) => old.has(k));
        if (key) previous.set(r.key, old.get(key)!);
    }
    const matched = new Set([...after.resources.filter((r) => old.has(r.key)).map((r) => r.key), ...[...previous.values()].map((p) => p.key)]);
    const byTypeAndName = (a: PlannedResource, b: PlannedResource) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name);
    const added = after.resources.filter((r) => !old.has(r.key) && !previous.has(r.key)).sort(byTypeAndName);
    const removed = before.resources.filter((r) => !matched.has(r.key)).sort(byTypeAndName);
    const changed: ResourceChange[] = [];
    const reordered: PlanDiff["reordered"] = [];
    for (const r of after.resources) {
        const prev = old.get(r.key) ?? previous.get(r.key);
        if (!prev) continue;
        const a = comparable(prev, before.stack);
        const b = comparable(r, after.stack);
        const paths = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
        const changes = paths
            .filter((p) => JSON.stringify(a[p]) !== JSON.stringify(b[p]) && !ignoredPath(p, r.ignoreChanges))
            .map((p) => ({ path: p, before: a[p], after: b[p] }));
        if (changes.length > 0 && changes.every((c) => c.path.startsWith("options.dependsOn"))) {
            reordered.push({ key: r.key, type: r.type, name: r.name });
        } else if (changes.length) {
            const paths = changes.map((c) => c.path);
            const replacedBy = replacingPaths(r.type, paths);
            const rejectedBy = rejectedPaths(r.type, paths);
            const refused = rejectedBy.length > 0 || (replacedBy.length > 0 && (replacementRefused(r) || replacementRefused(prev)));
            changed.push({ key: r.key, type: r.type, name: r.name, changes, replacedBy, rejectedBy, refused });
        }
    }
    return { before: `${before.project}/${before.stack}`, after: `${after.project}/${after.stack}`, added, removed, changed, reordered };
}

const show = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));

/**
 * Objects deleted and created again under the same name: a tenant renamed without `previousName` (its namespaces,
 * and everything in them, would be deleted and recreated empty). Refused like a replacement.
 */
export function refusedMoves(diff: PlanDiff): { type: string; objectName: string; from: string; to: string }[] {
    const objectName = (r: PlannedResource) => (r.inputs.metadata as { name?: string } | undefined)?.name;
    const moves = [];
    for (const removed of diff.removed.filter((r) => r.type === "kubernetes:core/v1:Namespace")) {
        const added = diff.added.find((a) => a.type === removed.type && objectName(a) !== undefined && objectName(a) === objectName(removed));
        if (added) moves.push({ type: removed.type, objectName: objectName(removed)!, from: removed.name, to: added.name });
    }
    return moves;
}

/** Replacements the plan refuses (the CLI exits non-zero on any). */
export const refusedReplacements = (diff: PlanDiff) => diff.changed.filter((c) => c.refused);

export function renderDiff(diff: PlanDiff): string {
    const replaced = diff.changed.filter((c) => c.replacedBy.length > 0).length;
    const lines = [
        `Plan diff ${diff.before} -> ${diff.after}: ${diff.added.length} to add, ${diff.removed.length} to remove, ${diff.changed.length} to change (${replaced} by replacement)`,
    ];
    for (const r of diff.added) lines.push(`  + ${r.type} ${r.name}`);
    for (const r of diff.reordered) lines.push(`  ^  ${r.type} ${r.name} (dependsOn only: the new order is recorded, nothing is updated)`);
    for (const r of diff.removed) lines.push(`  - ${r.type} ${r.name}`);
    for (const m of refusedMoves(diff)) {
        lines.push(`  REFUSED: namespace ${m.objectName} would be deleted (${m.from}) and created empty (${m.to}): a renamed tenant needs previousName`);
    }
    for (const c of diff.changed) {
        const replace = c.replacedBy.length ? ` (replace${c.refused ? ", REFUSED" : ""}: ${c.replacedBy.join(", ")})` : "";
        const rejected = c.rejectedBy.length ? ` (REFUSED, AWS rejects: ${c.rejectedBy.join("; ")})` : "";
        lines.push(`  ${c.replacedBy.length ? "+-" : "~ "} ${c.type} ${c.name}${replace}${rejected}`);
        for (const ch of c.changes) lines.push(`      ${ch.path}: ${show(ch.before)} => ${show(ch.after)}`);
    }
    return lines.join("\n");
}
