// A test oracle for Vault ACL policies, independent of the code that writes them: parses the HCL a policy holds and
// decides a request as Vault does (docs, concepts/policies, "Priority matching"; vault/acl.go): among the rules whose
// path matches (`*` a glob at the end, `+` any one segment), the one with the highest priority decides, and a "deny"
// in it wins; rules with the same path in the policies a token holds are merged (capabilities added, deny wins).
import type { AclRule } from "../components/secrets/vault-policies";

export function parseAcl(hcl: string): AclRule[] {
    return [...hcl.matchAll(/path "([^"]+)" \{\s*capabilities = \[([^\]]*)\]\s*\}/g)].map((m) => ({
        path: m[1],
        capabilities: [...m[2].matchAll(/"([a-z]+)"/g)].map((c) => c[1]) as AclRule["capabilities"][number][],
    }));
}

function matches(pattern: string, path: string): boolean {
    const glob = pattern.endsWith("*");
    const segments = (glob ? pattern.slice(0, -1) : pattern).split("/");
    const target = path.split("/");
    for (let i = 0; i < segments.length; i++) {
        const last = i === segments.length - 1;
        if (segments[i] === "+") {
            if (target[i] === undefined || (!last && target[i] === "")) return false;
            continue;
        }
        // The glob's segment is a prefix of the path's: `sys/policies/acl/p*` matches `…/p` and `…/pq/r`.
        if (last && glob) return target[i] !== undefined && target[i].startsWith(segments[i]);
        if (target[i] !== segments[i]) return false;
    }
    return glob ? true : target.length === segments.length;
}

/** Vault's order: true when `a` has higher priority than `b` (the five rules of "Priority matching", in order). */
function higher(a: string, b: string): boolean {
    const firstWildcard = (p: string) => {
        const i = [p.indexOf("+"), p.indexOf("*")].filter((x) => x >= 0);
        return i.length > 0 ? Math.min(...i) : Infinity;
    };
    if (firstWildcard(a) !== firstWildcard(b)) return firstWildcard(a) > firstWildcard(b);
    if (a.endsWith("*") !== b.endsWith("*")) return !a.endsWith("*");
    const plus = (p: string) => p.split("/").filter((s) => s === "+").length;
    if (plus(a) !== plus(b)) return plus(a) < plus(b);
    if (a.length !== b.length) return a.length > b.length;
    return a > b;
}

export function allowed(rules: readonly AclRule[], path: string, capability: AclRule["capabilities"][number]): boolean {
    const merged = new Map<string, Set<string>>();
    for (const r of rules) if (matches(r.path, path)) merged.set(r.path, new Set([...(merged.get(r.path) ?? []), ...r.capabilities]));
    if (merged.size === 0) return false;
    const best = [...merged.keys()].reduce((a, b) => (higher(b, a) ? b : a));
    const caps = merged.get(best)!;
    return !caps.has("deny") && caps.has(capability);
}
