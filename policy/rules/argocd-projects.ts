// Argo CD accepts an AppProject from kubectl (no admission webhook checks it) but validates its roles on every update
// through its own API (AppProject.ValidateProject): a role policy it refuses there blocks `argocd proj` and UI edits of
// the project from then on, and the refused line grants nothing. Transcribed from argo-cd v3.4.4
// pkg/apis/application/v1alpha1/types.go (validatePolicy, isValidAction, isValidObject, validateRoleName) and
// util/rbac/rbac.go (ProjectScoped), wording included.
import type { ResourceValidationPolicy } from "@pulumi/policy";

const PROJECT_SCOPED = new Set(["applications", "applicationsets", "logs", "exec", "clusters", "repositories"]);
const VALID_ACTIONS = new Set(["get", "create", "update", "delete", "sync", "override", "*"]);
// Go's regexp.MatchString finds a match anywhere: "action/.*" accepts any action containing "action/".
const VALID_ACTION_PATTERNS = [/action\/.*/, /update\/.*/, /delete\/.*/];
const ROLE_NAME = /^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$/;

const quoteMeta = (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");

/** validatePolicy: Argo CD's refusal of one role policy line, or undefined. */
export function projectPolicyError(project: string, role: string, policy: string): string | undefined {
    const parts = policy.split(",");
    if (parts.length !== 6 || parts[0].trim() !== "p") return `invalid policy rule '${policy}': must be of the form: 'p, sub, res, act, obj, eft'`;
    // Go's strings.Trim(s, " ") trims spaces only.
    const [subject, resource, action, object, effect] = parts.slice(1).map((p) => p.replace(/^ +| +$/g, ""));
    const expectedSubject = `proj:${project}:${role}`;
    if (subject !== expectedSubject) return `invalid policy rule '${policy}': policy subject must be: '${expectedSubject}', not '${subject}'`;
    if (!PROJECT_SCOPED.has(resource)) {
        return `invalid policy rule '${policy}': project resource must be: 'applications', 'applicationsets', 'repositories', 'exec', 'logs' or 'clusters', not '${resource}'`;
    }
    if (!VALID_ACTIONS.has(action) && !VALID_ACTION_PATTERNS.some((p) => p.test(action))) return `invalid policy rule '${policy}': invalid action '${action}'`;
    // Go's \w is ASCII [0-9A-Za-z_]; `[*\w-.]` is that, '*', '-' and '.'.
    if (!new RegExp(`^${quoteMeta(project)}(/[*\\w\\-.]+)?/[*\\w\\-.]+$`).test(object)) {
        return `invalid policy rule '${policy}': object must be of form '${project}/*', '${project}[/<NAMESPACE>]/<APPNAME>' or '${project}/<APPNAME>', not '${object}'`;
    }
    if (effect !== "allow" && effect !== "deny") return `invalid policy rule '${policy}': effect must be: 'allow' or 'deny'`;
    return undefined;
}

/** validateGroupName (messages name the trimmed, unquoted group, as Argo CD's do). */
export function groupNameError(group: string): string | undefined {
    let name = group.trim();
    if (name.length > 1 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1);
    else if (name.includes(",")) return `group '${name}' must be quoted`;
    if (name === "") return `group '${name}' is empty`;
    if (/["\n\r\t]/.test(name)) return `group '${name}' contains invalid characters`;
    if (group.length > 1 && /^\s/.test(group)) return `group '${name}' contains a leading space`;
    if (group.length > 1 && /\s$/.test(group)) return `group '${name}' contains a trailing space`;
    return undefined;
}

interface ProjectRole {
    name?: string;
    policies?: string[];
    groups?: string[];
}

/** The role checks of AppProject.ValidateProject, each refusal in Argo CD's words. */
export function projectRoleErrors(project: string, roles: readonly ProjectRole[]): string[] {
    const errors: string[] = [];
    const names = new Set<string>();
    for (const role of roles) {
        const name = role.name ?? "";
        if (names.has(name)) errors.push(`role '${name}' already exists`);
        names.add(name);
        if (!ROLE_NAME.test(name)) {
            errors.push(`invalid role name '${name}'. Must consist of alphanumeric characters, '-' or '_', and must start and end with an alphanumeric character`);
        }
        const seen = new Set<string>();
        for (const policy of role.policies ?? []) {
            if (seen.has(policy)) errors.push(`policy '${policy}' already exists for role '${name}'`);
            seen.add(policy);
            const refused = projectPolicyError(project, name, policy);
            if (refused) errors.push(refused);
        }
        const groups = new Set<string>();
        for (const group of role.groups ?? []) {
            if (groups.has(group)) errors.push(`group '${group}' already exists for role '${name}'`);
            groups.add(group);
            const refused = groupNameError(group);
            if (refused) errors.push(refused);
        }
    }
    return errors;
}

export const argocdProjectRolesPolicy: ResourceValidationPolicy = {
    name: "argocd-project-roles",
    description: "Every AppProject role passes Argo CD's own validation (project-scoped resources, actions, objects), so the project stays editable through Argo CD.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== "kubernetes:argoproj.io/v1alpha1:AppProject") return;
        const props = args.props as { metadata?: { name?: string }; spec?: { roles?: ProjectRole[] } };
        const project = props.metadata?.name ?? args.name;
        for (const error of projectRoleErrors(project, props.spec?.roles ?? [])) report(`AppProject ${project}: ${error}`);
    },
};
