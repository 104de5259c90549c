// Moving a tenant out of the platform stack into its own, offline: the exact `pulumi state move` (the URNs of its two
// components; the command takes their children along), and the proof that the tenant stack finds every moved resource,
// by its URN or an alias, as the engine resolves them (so `pulumi up` updates them in place, replacing nothing).
import type { Plan, PlannedResource } from "./engine";

const parts = (urn: string) => {
    const [head, project, type, ...name] = urn.split("::");
    return { stack: head.slice("urn:pulumi:".length), project, type, name: name.join("::") };
};

/** What `pulumi state move` makes of a URN: its stack and project renamed, its type chain kept (state_move.go, renameStackAndProject). */
export function movedUrn(urn: string, stack: string, project: string): string {
    const p = parts(urn);
    return `urn:pulumi:${stack}::${project}::${p.type}::${p.name}`;
}

/** A child's URN under a parent's URN: the parent's type chain, the child's type, its name (as the engine builds URNs). */
export function childUrn(parentUrn: string, type: string, name: string): string {
    const p = parts(parentUrn);
    return `urn:pulumi:${p.stack}::${p.project}::${p.type}$${type}::${name}`;
}

interface AliasSpec {
    readonly spec?: { readonly name?: string; readonly type?: string; readonly parenturn?: string; readonly noparent?: boolean };
}

/**
 * A resource's URN as the Pulumi engine builds it: every ancestor's type but the stack's, then its own (a child's
 * prefix is its parent's URN up to the name). The mock runtime's URNs name only the parent's own type.
 */
export function engineUrns(plan: Pick<Plan, "resources">): Map<string, string> {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const out = new Map<string, string>();
    const of = (r: PlannedResource): string => {
        const known = out.get(r.urn);
        if (known) return known;
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        const p = parts(r.urn);
        const urn = parent ? childUrn(of(parent), r.type, r.name) : `urn:pulumi:${p.stack}::${p.project}::${r.type}::${r.name}`;
        out.set(r.urn, urn);
        return urn;
    };
    plan.resources.forEach(of);
    return out;
}

/**
 * Every URN (the engine's) each resource of a plan answers to: its own, those its alias specs name (a spec's empty name
 * or type is the resource's own; a parent in the plan by its engine URN), and those its ancestors' aliases give it
 * (the engine derives a child's aliases from its parent's). Keyed by the plan's URNs.
 */
export function answeringUrns(plan: Pick<Plan, "resources">): Map<string, string[]> {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const urns = engineUrns(plan);
    const memo = new Map<string, string[]>();
    const of = (r: PlannedResource): string[] => {
        const known = memo.get(r.urn);
        if (known) return known;
        const self = urns.get(r.urn)!;
        const own = (r.aliases as AliasSpec[]).flatMap((a) => {
            const s = a.spec ?? {};
            const [name, type] = [s.name || r.name, s.type || r.type];
            if (s.noparent) return [`urn:pulumi:${parts(self).stack}::${parts(self).project}::${type}::${name}`];
            return s.parenturn ? [childUrn(urns.get(s.parenturn) ?? s.parenturn, type, name)] : [];
        });
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        const inherited = parent ? of(parent).slice(1).map((p) => childUrn(p, r.type, r.name)) : [];
        const all = [...new Set([self, ...own, ...inherited])];
        memo.set(r.urn, all);
        return all;
    };
    return new Map(plan.resources.map((r) => [r.urn, of(r)]));
}

export interface TenantMove {
    /** `pulumi state move --source … --dest … <urn>…`: the tenant's two components (their children included) and what it holds elsewhere. */
    readonly command: string;
    /** Every URN the move leaves in the tenant stack. */
    readonly moved: string[];
    /** Moved URNs no resource of the tenant stack answers to: `pulumi up` would delete them (and create them anew). */
    readonly orphaned: string[];
    /** Resources of the tenant's components in the tenant stack that answer to no moved URN: `pulumi up` would create them. */
    readonly created: string[];
    /**
     * Moved resources whose provider in the tenant stack is configured otherwise than the platform's provider they were
     * created with (`old -> new` provider names). The engine asks the new provider's DiffConfig whether that change
     * replaces them (step_generator.go, providerChanged); equal configuration leaves nothing to replace.
     */
    readonly providerChanges: string[];
}

/** A resource's identity across two stacks of the same code: its type and logical name. */
const typeAndName = (r: PlannedResource) => `${r.type}::${r.name}`;

/**
 * The move of `tenant` from the platform stack's plan (tenants in it) to its tenant stack's plan, `organization` naming
 * both stacks in the command (`<org>/<project>/<stack>`). What moves: its two components with their children, and
 * every other resource of the platform stack the tenant stack holds under the same type and name (a grant a platform
 * layer made for the tenant; none today).
 */
export function tenantMove(platform: Plan, tenantStack: Plan, tenant: string, organization = "<org>"): TenantMove {
    const components = (plan: Plan) => {
        const urns = new Set(plan.resources.filter((r) => !r.custom && (r.name === `tenant-${tenant}` || r.name === `tenant-${tenant}-delivery`)).map((r) => r.urn));
        // Registration order puts a parent before its children: one pass collects every descendant.
        for (const r of plan.resources) if (r.parent && urns.has(r.parent)) urns.add(r.urn);
        return urns;
    };
    const inComponents = components(tenantStack);
    const heldElsewhere = new Set(tenantStack.resources.filter((r) => r.custom && !inComponents.has(r.urn)).map(typeAndName));
    const platformComponents = components(platform);
    const roots = platform.resources.filter(
        (r) => (!r.custom && (r.name === `tenant-${tenant}` || r.name === `tenant-${tenant}-delivery`)) || (!platformComponents.has(r.urn) && heldElsewhere.has(typeAndName(r))),
    );
    const under = new Set([...platformComponents, ...roots.map((r) => r.urn)]);
    const platformUrns = engineUrns(platform);
    const moved = [...under].map((u) => movedUrn(platformUrns.get(u)!, tenantStack.stack, tenantStack.project));
    const answers = answeringUrns(tenantStack);
    const claimed = new Set([...answers.values()].flat());
    const held = new Set(roots.map(typeAndName));
    const inTenant = tenantStack.resources.filter((r) => inComponents.has(r.urn) || (r.custom && held.has(typeAndName(r))));
    const movedSet = new Set(moved);
    // Each moved resource's provider before (the platform's) and after (the tenant stack's resource answering to its URN).
    const byPlatformUrn = new Map(platform.resources.map((r) => [r.urn, r]));
    const byTenantUrn = new Map(tenantStack.resources.map((r) => [r.urn, r]));
    const answeredBy = new Map(tenantStack.resources.flatMap((r) => answers.get(r.urn)!.map((u) => [u, r] as const)));
    const providerChanges = [...under].flatMap((u) => {
        const old = byPlatformUrn.get(u)!;
        const now = answeredBy.get(movedUrn(platformUrns.get(u)!, tenantStack.stack, tenantStack.project));
        if (!old.custom || !now) return [];
        const [was, is] = [old.provider ? byPlatformUrn.get(old.provider) : undefined, now.provider ? byTenantUrn.get(now.provider) : undefined];
        if (JSON.stringify(sorted(was?.inputs)) === JSON.stringify(sorted(is?.inputs))) return [];
        return [`${answers.get(now.urn)![0]} (${was?.name ?? "default"} -> ${is?.name ?? "default"})`];
    });
    const command = [
        `pulumi state move --source ${organization}/${platform.project}/${platform.stack} --dest ${organization}/${tenantStack.project}/${tenantStack.stack}`,
        ...roots.map((r) => `'${platformUrns.get(r.urn)}'`),
    ].join(" \\\n    ");
    return {
        command,
        moved,
        orphaned: moved.filter((u) => !claimed.has(u)),
        created: inTenant.filter((r) => !answers.get(r.urn)!.some((u) => movedSet.has(u))).map((r) => answers.get(r.urn)![0]),
        providerChanges,
    };
}

/** A value with its objects' keys in order (JSON-encoded inputs parsed), so equal configurations compare equal. */
function sorted(v: unknown): unknown {
    if (typeof v === "string" && /^[[{]/.test(v)) {
        try {
            return sorted(JSON.parse(v));
        } catch {
            return v;
        }
    }
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sorted(x)]));
    return v;
}
