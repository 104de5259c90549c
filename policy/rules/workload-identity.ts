// EKS Pod Identity roles: the documented trust (session tags EKS sets), scoped to the one service account each role
// is associated with. A condition EKS does not satisfy (aws:SourceArn = the cluster) leaves pods without credentials.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { asArray, jsonProp } from "./support";
import { TENANT_WORKLOAD_BOUNDARY } from "../../components/tenants/workload-boundary";

interface TrustStatement {
    readonly Principal?: { Service?: string | string[] };
    readonly Action?: string | string[];
    readonly Condition?: Record<string, Record<string, unknown>>;
}

const POD_IDENTITY = "pods.eks.amazonaws.com";
const TAGS = ["aws:RequestTag/eks-cluster-arn", "aws:RequestTag/kubernetes-namespace", "aws:RequestTag/kubernetes-service-account"] as const;

/** The service accounts (namespace, name) an association or add-on binds to `role`; namespace unknown for add-ons. */
function boundServiceAccounts(role: PolicyResource, resources: readonly PolicyResource[]): { namespace?: string; serviceAccount: string; by: string }[] {
    const bound: { namespace?: string; serviceAccount: string; by: string }[] = [];
    for (const r of resources) {
        if (!r.dependencies.includes(role)) continue;
        if (r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation") bound.push({ namespace: r.props.namespace, serviceAccount: r.props.serviceAccount, by: r.name });
        if (r.type === "aws:eks/addon:Addon") {
            for (const a of asArray(r.props.podIdentityAssociations as { serviceAccount: string }[] | undefined)) bound.push({ serviceAccount: a.serviceAccount, by: r.name });
        }
    }
    return bound;
}

export const podIdentityTrustPolicy: StackValidationPolicy = {
    name: "pod-identity-trust",
    description: "Every Pod Identity role trusts pods.eks.amazonaws.com with AssumeRole and TagSession, scoped by the session tags to one cluster and the one service account it is associated with, and carries no aws:SourceArn condition.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const role of resources.filter((r) => r.type === "aws:iam/role:Role")) {
            const trust = jsonProp(role.props.assumeRolePolicy);
            const statements = asArray(trust?.Statement as TrustStatement | TrustStatement[] | undefined).filter((st) => asArray(st.Principal?.Service).includes(POD_IDENTITY));
            for (const st of statements) {
                const problems: string[] = [];
                const actions = asArray(st.Action);
                if (!actions.includes("sts:AssumeRole") || !actions.includes("sts:TagSession")) problems.push("needs sts:AssumeRole and sts:TagSession");
                const conditionKeys = Object.values(st.Condition ?? {}).flatMap((block) => Object.keys(block ?? {}));
                if (conditionKeys.includes("aws:SourceArn")) problems.push("aws:SourceArn is not set to the cluster by EKS: pods would get no credentials");
                const equals = st.Condition?.StringEquals ?? {};
                for (const tag of TAGS) if (typeof equals[tag] !== "string") problems.push(`no StringEquals on ${tag}`);
                const bound = boundServiceAccounts(role, resources);
                if (bound.length === 0) problems.push("no Pod Identity association or add-on uses it");
                for (const b of bound) {
                    if (b.serviceAccount !== equals["aws:RequestTag/kubernetes-service-account"] || (b.namespace !== undefined && b.namespace !== equals["aws:RequestTag/kubernetes-namespace"])) {
                        problems.push(`${b.by} binds ${b.namespace ?? "(add-on)"}/${b.serviceAccount}, which the trust does not name`);
                    }
                }
                for (const p of problems) report(`${role.name}: ${p}`, role.urn);
            }
        }
        for (const assoc of resources.filter((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation")) {
            // Without session tags the trust's tag conditions deny every assumption.
            if (assoc.props.disableSessionTags === true) report(`${assoc.name}: session tags disabled, so the role's trust (scoped by them) refuses the pods`, assoc.urn);
            const role = assoc.dependencies.find((d) => d.type === "aws:iam/role:Role");
            const trust = role ? jsonProp(role.props.assumeRolePolicy) : undefined;
            const trusted = asArray(trust?.Statement as TrustStatement | TrustStatement[] | undefined).some((st) => asArray(st.Principal?.Service).includes(POD_IDENTITY));
            if (role && trust && !trusted) report(`${assoc.name}: its role ${role.name} does not trust ${POD_IDENTITY}`, assoc.urn);
        }
    },
};

/**
 * The tenants' deploy role creates and edits `tenant-*` roles only with the tenants' workload boundary
 * (docs/deployer-policy.md): a tenant identity without one could not be deployed, and would hold whatever its policies say.
 */
export const tenantIdentityBoundaryPolicy: StackValidationPolicy = {
    name: "tenant-identity-boundary",
    description: "Every tenant role (named tenant-*) has a permissions boundary: the tenants' workload boundary policy.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const role of resources.filter((r) => r.type === "aws:iam/role:Role" && r.name.startsWith("tenant-"))) {
            const boundary = role.props.permissionsBoundary;
            if (typeof boundary !== "string" || !new RegExp(`^arn:aws[a-z-]*:iam::\\d{12}:policy/${TENANT_WORKLOAD_BOUNDARY}(-[0-9a-f]{7})?$`).test(boundary)) {
                report(`${role.name}: its permissions boundary is ${JSON.stringify(boundary ?? null)}, not the tenants' workload boundary (${TENANT_WORKLOAD_BOUNDARY})`, role.urn);
            }
        }
    },
};
