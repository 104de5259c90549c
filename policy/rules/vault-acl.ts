// A Vault ACL policy that may write ACL policies must not be able to write itself: whoever holds it would rewrite it
// into anything (issue 34). Vault decides a request by the most specific matching path, and a deny there wins
// (Vault docs, concepts/policies, "Priority matching"); `+` segments are read as matching any one segment.
import type { StackValidationPolicy } from "@pulumi/policy";

interface Rule {
    readonly path: string;
    readonly capabilities: readonly string[];
}

const WRITES = ["create", "update", "patch", "delete"] as const;

/** The `path "..." { capabilities = [...] }` blocks of a policy's HCL. */
export function aclRules(hcl: string): Rule[] {
    return [...hcl.matchAll(/path\s+"([^"]+)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}/g)].map((m) => ({ path: m[1], capabilities: [...m[2].matchAll(/"([a-z]+)"/g)].map((c) => c[1]) }));
}

/** Each pattern's expression, built once (a stack's policies share a few patterns, and a process plans many stacks). */
const expressions = new Map<string, RegExp>();

function matches(pattern: string, path: string): boolean {
    let expression = expressions.get(pattern);
    if (!expression) {
        const glob = pattern.endsWith("*");
        const body = (glob ? pattern.slice(0, -1) : pattern)
            .split("/")
            .map((seg) => (seg === "+" ? "[^/]+" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
            .join("/");
        expression = new RegExp(`^${body}${glob ? ".*" : ""}$`);
        expressions.set(pattern, expression);
    }
    return expression.test(path);
}

/** Whether `rules` grant `capability` on `path`: the longest matching pattern decides, a deny in it wins. */
export function aclGrants(rules: readonly Rule[], path: string, capability: string): boolean {
    // Longest first; at equal length an exact path outranks a glob.
    const rank = (r: Rule) => r.path.length * 2 + (r.path.endsWith("*") ? 0 : 1);
    const best = rules.filter((r) => matches(r.path, path)).sort((a, b) => rank(b) - rank(a))[0];
    return best !== undefined && !best.capabilities.includes("deny") && best.capabilities.includes(capability);
}

export const vaultPolicySelfWritePolicy: StackValidationPolicy = {
    name: "vault-policy-no-self-write",
    description: "A Vault ACL policy never grants writes on its own sys/policies/acl/<name>: its holders could rewrite it into anything.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const p of resources.filter((r) => r.type === "vault:index/policy:Policy")) {
            const name = p.props.name;
            const hcl = p.props.policy;
            // Unknown in a preview: checked once known.
            if (typeof name !== "string" || typeof hcl !== "string") continue;
            const rules = aclRules(hcl);
            const own = `sys/policies/acl/${name}`;
            const granted = WRITES.filter((c) => aclGrants(rules, own, c));
            if (granted.length > 0) report(`Vault policy ${name} may ${granted.join(", ")} ${own}, its own policy: add path "${own}" with read (or deny) only`, p.urn);
        }
    },
};
