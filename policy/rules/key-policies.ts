// KMS refuses a key policy naming a principal that does not exist yet (MalformedPolicyDocumentException), so a key
// policy may name only principals that surely exist when it is written.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { asArray, isTenantStack, jsonProp } from "./support";

interface Statement {
    readonly Sid?: string;
    readonly Effect?: string;
    readonly Principal?: "*" | { AWS?: string | string[]; Service?: string | string[] };
    readonly Condition?: Record<string, Record<string, unknown>>;
}

const ROOT = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;
const ROLE = /^arn:aws[a-z-]*:iam::(\d{12}):role(\/.*\/|\/)([^/]+)$/;

/** Roles this key's policy waits for: created by the program before the key (a property dependency). */
function rolesCreatedFirst(key: PolicyResource): { path: string; name: string }[] {
    return key.dependencies
        .filter((d) => d.type === "aws:iam/role:Role")
        .map((d) => ({ path: typeof d.props.path === "string" ? d.props.path : "/", name: typeof d.props.name === "string" ? d.props.name : d.name }));
}

/** The single account the AWS provider is pinned to (its inputs reach the engine JSON-encoded). */
function pinnedAccount(resources: readonly PolicyResource[]): string | undefined {
    for (const p of resources.filter((r) => r.type === "pulumi:providers:aws")) {
        const ids = jsonProp(p.props.allowedAccountIds) as unknown;
        if (Array.isArray(ids) && ids.length === 1 && typeof ids[0] === "string") return ids[0];
    }
    return undefined;
}

/** Why a principal of `st` may not exist when KMS checks the policy; undefined when it surely does. */
export function principalProblem(
    principal: string,
    st: Statement,
    created: readonly { path: string; name: string }[],
    account?: string,
    /** In a tenant stack, the roles it creates: any other role it names is the platform stack's (its ARN an output), deployed first. */
    tenantStackRoles?: ReadonlySet<string>,
): string | undefined {
    if (/^\d{12}$/.test(principal) || ROOT.test(principal)) return undefined;
    if (principal === "*") {
        const callers = asArray(st.Condition?.StringEquals?.["kms:CallerAccount"] as string | string[] | undefined);
        if (callers.length === 0) return `"*" without StringEquals kms:CallerAccount opens the key to every account`;
        if (!account) return `"*" limited to kms:CallerAccount ${callers.join(", ")}, but the key's account is not known to check it`;
        return callers.some((c) => c !== account) ? `"*" limited to kms:CallerAccount ${callers.join(", ")}, not this key's account ${account}` : undefined;
    }
    const role = ROLE.exec(principal);
    if (role && created.some((c) => c.path === role[2] && c.name === role[3])) return undefined;
    if (role && tenantStackRoles !== undefined && !tenantStackRoles.has(role[3])) return undefined;
    if (role && role[2].startsWith("/aws-service-role/")) return `service-linked role ${principal} exists only once its service has been used in the account`;
    return `${principal} is neither the account, "*" limited by kms:CallerAccount, nor a role this program creates before the key`;
}

export const keyPolicyPrincipalsPolicy: StackValidationPolicy = {
    name: "kms-key-policy-principals",
    description: "KMS key policies name only principals that exist when the policy is written: the account, '*' limited to the account, roles created first, or (a tenant stack) the platform stack's roles.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        const roleName = (d: PolicyResource) => (typeof d.props.name === "string" ? d.props.name : d.name);
        const tenantStackRoles = isTenantStack(resources) ? new Set(resources.filter((r) => r.type === "aws:iam/role:Role").map(roleName)) : undefined;
        for (const key of resources.filter((r) => r.type === "aws:kms/key:Key")) {
            const doc = jsonProp(key.props.policy);
            if (!doc) continue;
            const created = rolesCreatedFirst(key);
            // The key's own account: the one its administration statement names, else the one the provider is pinned to.
            const account =
                asArray(doc.Statement as Statement | Statement[])
                    .flatMap((st) => (st.Principal && st.Principal !== "*" ? asArray(st.Principal.AWS) : []))
                    .map((p) => ROOT.exec(p)?.[1])
                    .find((a) => a !== undefined) ?? pinnedAccount(resources);
            for (const st of asArray(doc.Statement as Statement | Statement[])) {
                if (st.Effect !== "Allow" || st.Principal === undefined) continue;
                const principals = st.Principal === "*" ? ["*"] : asArray(st.Principal.AWS);
                for (const p of principals) {
                    const problem = principalProblem(p, st, created, account, tenantStackRoles);
                    if (problem) report(`key policy statement ${st.Sid ?? "(no Sid)"}: ${problem}`, key.urn);
                }
            }
        }
    },
};
