// Least privilege for every identity policy (inline role policies and managed policies the program writes).
import type { StackValidationPolicy } from "@pulumi/policy";
import { asArray, jsonProp } from "./support";

interface Statement {
    readonly Sid?: string;
    readonly Effect?: string;
    readonly Action?: string | string[];
    readonly Resource?: string | string[];
    readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Actions that must carry a condition key, and why. */
export const REQUIRED_CONDITIONS: Readonly<Record<string, { readonly key: string; readonly reason: string }>> = {
    "iam:PassRole": { key: "iam:PassedToService", reason: "a role may be passed only to the service that needs it" },
    "kms:CreateGrant": { key: "kms:GrantIsForAWSResource", reason: "grants only for AWS resources (EBS, EFS), never to principals" },
    "iam:CreateServiceLinkedRole": { key: "iam:AWSServiceName", reason: "only the named service's role" },
};

/**
 * Required conditions a role's policy may go without when the role is assumed only by one AWS service that acts as it,
 * and that service's documented policy for the role does not carry the key (so nothing shows the service supplies it,
 * and a condition it does not supply denies the call).
 */
export const SERVICE_ROLE_CONDITION_EXEMPTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
    "ecr.amazonaws.com": {
        "kms:CreateGrant":
            "ECR's repository-creation-template role: AWS's documented policy (AmazonECR userguide repository-creation-templates-custom.html) grants kms:CreateGrant without kms:GrantIsForAWSResource",
    },
};

/**
 * Non-read actions allowed on "*" without a scoping condition, each with its reason. Read-only Describe/List/Get calls
 * (Karpenter's pricing:GetProducts among them) are allowed on "*" as a class: most have no resource-level permissions.
 */
export const UNSCOPED_ACTIONS: Readonly<Record<string, string>> = Object.fromEntries([
    ...[
        "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:CreateSecurityGroup", "elasticloadbalancing:CreateListener",
        "elasticloadbalancing:DeleteListener", "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule", "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities", "elasticloadbalancing:SetWebAcl",
        "elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates", "waf-regional:AssociateWebACL",
        "waf-regional:DisassociateWebACL", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL", "shield:CreateProtection", "shield:DeleteProtection",
    ].map((a) => [a, "AWS Load Balancer Controller v3.5.0 upstream iam_policy.json, kept verbatim (listeners/rules/SGs of load balancers it creates)"]),
]);

const READ_ONLY = /^[a-z0-9-]+:(Describe|List|Get)[A-Za-z0-9]+$/;
const SCOPING_CONDITION = /^(aws:RequestTag\/|aws:ResourceTag\/|ec2:ResourceTag\/|aws:RequestedRegion$|iam:AWSServiceName$|aws:TagKeys$)/;
/** `*`, or an ARN whose resource part is only `*` (e.g. arn:aws:s3:::*): unscoped. */
const isUnscoped = (r: string) => r === "*" || /^arn:[^:]+:[^:]+:[^:]*:[^:]*:\*$/.test(r);
const conditionKeys = (st: Statement) => Object.values(st.Condition ?? {}).flatMap((block) => Object.keys(block ?? {}));

/**
 * Every least-privilege problem of a policy document; empty when it is sound. `assumedBy`: the one service principal
 * that alone may assume the role the document is attached to, when that is so.
 */
export function statementProblems(doc: unknown, assumedBy?: string): string[] {
    const statements = asArray((doc as { Statement?: Statement | Statement[] } | undefined)?.Statement);
    if (statements.length === 0) return ["the policy has no statement"];
    const problems: string[] = [];
    for (const st of statements) {
        if (st.Effect !== "Allow") continue;
        const at = st.Sid ?? JSON.stringify(st.Action);
        const actions = asArray(st.Action);
        const keys = conditionKeys(st);
        if (actions.length === 0) problems.push(`${at}: no action`);
        for (const a of actions) {
            if (a === "*" || a.endsWith(":*")) problems.push(`${at}: wildcard action ${a}`);
            const required = REQUIRED_CONDITIONS[a];
            const exempt = assumedBy !== undefined && SERVICE_ROLE_CONDITION_EXEMPTIONS[assumedBy]?.[a] !== undefined;
            if (required && !exempt && !keys.includes(required.key)) problems.push(`${at}: ${a} without ${required.key} (${required.reason})`);
        }
        if (!asArray(st.Resource).some(isUnscoped)) continue;
        const scoped = keys.some((k) => SCOPING_CONDITION.test(k));
        for (const a of actions) {
            if (a.includes("*")) problems.push(`${at}: partial wildcard ${a} on an unscoped resource`);
            else if (!READ_ONLY.test(a) && !(a in UNSCOPED_ACTIONS) && !scoped) problems.push(`${at}: ${a} on an unscoped resource without a scoping condition`);
        }
    }
    return problems;
}

/** The service principal when a trust policy lets exactly one service, and nothing else, assume the role. */
export function soleServicePrincipal(trust: unknown): string | undefined {
    const allows = asArray((trust as { Statement?: Statement | Statement[] } | undefined)?.Statement).filter((s) => s.Effect === "Allow");
    const principals = allows.map((s) => (s as { Principal?: unknown }).Principal);
    const services = principals.map((p) => (p !== null && typeof p === "object" && Object.keys(p).length === 1 ? asArray((p as { Service?: string | string[] }).Service) : []));
    const all = [...new Set(services.flat())];
    return allows.length > 0 && services.every((s) => s.length > 0) && all.length === 1 ? all[0] : undefined;
}

const IDENTITY_POLICY_TYPES = new Set(["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"]);

export const iamLeastPrivilegePolicy: StackValidationPolicy = {
    name: "iam-least-privilege",
    description: "Identity policies: no wildcard actions, unscoped resources only for read-only calls, vetted actions or tag/region-scoped statements, required conditions present.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const r of resources.filter((x) => IDENTITY_POLICY_TYPES.has(x.type))) {
            const doc = jsonProp(r.props.policy);
            if (!doc) continue;
            const role = r.type === "aws:iam/rolePolicy:RolePolicy" ? r.dependencies.find((d) => d.type === "aws:iam/role:Role") : undefined;
            for (const problem of statementProblems(doc, role ? soleServicePrincipal(jsonProp(role.props.assumeRolePolicy)) : undefined)) report(`${r.name}: ${problem}`, r.urn);
        }
    },
};
