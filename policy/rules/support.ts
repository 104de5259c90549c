// Helpers the rules share: reading JSON documents from props and walking the dependency graph.
import type { PolicyResource } from "@pulumi/policy";

/** A JSON document input (policies are sent as strings); undefined while unknown, secret or malformed. */
export function jsonProp(value: unknown): Record<string, unknown> | undefined {
    if (value !== null && typeof value === "object") return value as Record<string, unknown>;
    if (typeof value !== "string") return undefined;
    try {
        const parsed = JSON.parse(value) as unknown;
        return parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
    } catch {
        return undefined;
    }
}

export const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * A tenant stack's root component (the tenant/ project). What it needs of the platform (controllers, the cluster's
 * access grants, the platform's roles) is in the platform stack it reads: deployed before it, destroyed after it
 * (docs/tenants.md), and invisible here (CrossGuard is never sent a StackReference, a read resource).
 */
export const TENANT_STACK_TYPE = "platform:tenants:TenantStack";
export const isTenantStack = (resources: readonly PolicyResource[]) => resources.some((r) => r.type === TENANT_STACK_TYPE);

/** Component resources carry no provider type prefix (`platform:...`), custom ones do (`aws:`, `kubernetes:`). */
export const isComponent = (r: PolicyResource) => !/^(aws|kubernetes|random|vault|keycloak|command|pulumi):/.test(r.type);

/** The destroy-order graph of one stack, built once: what each resource is deleted before (see deletedBefore). */
interface DestroyGraph {
    readonly edges: (x: PolicyResource) => PolicyResource[];
    readonly memo: WeakMap<(r: PolicyResource) => boolean, Map<PolicyResource, boolean>>;
}
const graphs = new WeakMap<readonly PolicyResource[], DestroyGraph>();

function destroyGraph(all: readonly PolicyResource[]): DestroyGraph {
    const cached = graphs.get(all);
    if (cached) return cached;
    const byUrn = new Map(all.map((x) => [x.urn, x]));
    const children = new Map<string, PolicyResource[]>();
    for (const x of all) if (x.parent) (children.get(x.parent.urn) ?? children.set(x.parent.urn, []).get(x.parent.urn)!).push(x);
    const descendantsOf = new Map<PolicyResource, PolicyResource[]>();
    const descendants = (c: PolicyResource): PolicyResource[] => {
        let d = descendantsOf.get(c);
        if (!d) descendantsOf.set(c, (d = (children.get(c.urn) ?? []).flatMap((k) => [k, ...descendants(k)])));
        return d;
    };
    const edgesOf = new Map<PolicyResource, PolicyResource[]>();
    const edges = (x: PolicyResource): PolicyResource[] => {
        let e = edgesOf.get(x);
        if (!e) {
            const deps = [...x.dependencies];
            const provider = x.provider ? byUrn.get(x.provider.urn) : undefined;
            if (provider) deps.push(provider);
            e = deps.flatMap((d) => [d, ...(isComponent(d) ? descendants(d) : [])]);
            edgesOf.set(x, e);
        }
        return e;
    };
    const graph = { edges, memo: new WeakMap() };
    graphs.set(all, graph);
    return graph;
}

/**
 * Everything `r` is deleted before, as the engine orders a destroy: its dependencies (a component dependency
 * stands for all its descendants), its parents' dependencies, and its provider's dependencies, transitively.
 */
export function deletedBefore(r: PolicyResource, all: readonly PolicyResource[]): Set<PolicyResource> {
    const g = destroyGraph(all);
    const byUrn = parents(all);
    const reached = new Set<PolicyResource>();
    const visited = new Set<PolicyResource>();
    const visit = (x: PolicyResource) => {
        if (visited.has(x)) return;
        visited.add(x);
        for (const y of g.edges(x)) {
            reached.add(y);
            visit(y);
        }
        const parent = x.parent ? byUrn.get(x.parent.urn) : undefined;
        if (parent) visit(parent);
    };
    visit(r);
    return reached;
}

/**
 * Whether anything `r` is deleted before satisfies `pred` (the same set as deletedBefore), memoised per stack and
 * predicate: one pass over the graph for every resource together, not one per resource.
 */
export function deletedBeforeSome(r: PolicyResource, all: readonly PolicyResource[], pred: (x: PolicyResource) => boolean): boolean {
    const g = destroyGraph(all);
    let memo = g.memo.get(pred);
    if (!memo) g.memo.set(pred, (memo = new Map()));
    const byUrn = parents(all);
    const visit = (x: PolicyResource): boolean => {
        const known = memo!.get(x);
        if (known !== undefined) return known;
        memo!.set(x, false); // a cycle contributes nothing new
        const parent = x.parent ? byUrn.get(x.parent.urn) : undefined;
        const result = g.edges(x).some((y) => pred(y) || visit(y)) || (parent !== undefined && visit(parent));
        memo!.set(x, result);
        return result;
    };
    return visit(r);
}

const byUrnCache = new WeakMap<readonly PolicyResource[], Map<string, PolicyResource>>();
function parents(all: readonly PolicyResource[]): Map<string, PolicyResource> {
    let m = byUrnCache.get(all);
    if (!m) byUrnCache.set(all, (m = new Map(all.map((x) => [x.urn, x]))));
    return m;
}
