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

/** Component resources carry no provider type prefix (`platform:...`), custom ones do (`aws:`, `kubernetes:`). */
export const isComponent = (r: PolicyResource) => !/^(aws|kubernetes|random|vault|keycloak|command|pulumi):/.test(r.type);

/**
 * Everything `r` is deleted before, as the engine orders a destroy: its dependencies (a component dependency
 * stands for all its descendants), its parents' dependencies, and its provider's dependencies, transitively.
 */
export function deletedBefore(r: PolicyResource, all: readonly PolicyResource[]): Set<PolicyResource> {
    const byUrn = new Map(all.map((x) => [x.urn, x]));
    const children = new Map<string, PolicyResource[]>();
    for (const x of all) if (x.parent) children.set(x.parent.urn, [...(children.get(x.parent.urn) ?? []), x]);
    const descendants = (c: PolicyResource): PolicyResource[] => (children.get(c.urn) ?? []).flatMap((k) => [k, ...descendants(k)]);

    const reached = new Set<PolicyResource>();
    const visited = new Set<PolicyResource>();
    const visit = (x: PolicyResource) => {
        if (visited.has(x)) return;
        visited.add(x);
        const deps = [...x.dependencies];
        const provider = x.provider ? byUrn.get(x.provider.urn) : undefined;
        if (provider) deps.push(provider);
        for (const d of deps) {
            for (const y of [d, ...(isComponent(d) ? descendants(d) : [])]) {
                reached.add(y);
                visit(y);
            }
        }
        if (x.parent) visit(x.parent);
    };
    visit(r);
    return reached;
}
