// A test oracle for Vault ACL policies, independent of the code that writes them: parses the HCL a policy holds and
// decides a request by Vault's rule for globs (the longest matching path wins; "deny" wins within it).
import type { AclRule } from "../components/secrets/vault-policies";

export function parseAcl(hcl: string): AclRule[] {
    return [...hcl.matchAll(/path "([^"]+)" \{\s*capabilities = \[([^\]]*)\]\s*\}/g)].map((m) => ({
        path: m[1],
        capabilities: [...m[2].matchAll(/"([a-z]+)"/g)].map((c) => c[1]) as AclRule["capabilities"][number][],
    }));
}

export function allowed(rules: readonly AclRule[], path: string, capability: AclRule["capabilities"][number]): boolean {
    const matching = rules.filter((r) => (r.path.endsWith("*") ? path.startsWith(r.path.slice(0, -1)) : path === r.path));
    if (matching.length === 0) return false;
    const best = matching.reduce((a, b) => (b.path.length > a.path.length ? b : a));
    return !best.capabilities.includes("deny") && best.capabilities.includes(capability);
}
