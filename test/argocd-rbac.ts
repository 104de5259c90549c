// Argo CD's authorization as v3.4.4 decides it (test/fixtures/argo-cd-v3.4.4/SOURCES.md says which code each piece
// transcribes): casbin (the `casbin` package) with Argo CD's own model and built-in policy, argocd-rbac-cm's policy
// and each AppProject's roles, and the project checks an Application must pass (destinations, kinds, its namespace).
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { BasicCsvParser, newEnforcer, newModelFromString, Util, type Enforcer, type Model } from "casbin";
import { PROJECT_DIR } from "../plan/engine";

const FIXTURES = path.join(PROJECT_DIR, "test/fixtures/argo-cd-v3.4.4");
const MODEL = fs.readFileSync(path.join(FIXTURES, "model.conf"), "utf8");
export const BUILTIN_POLICY = fs.readFileSync(path.join(FIXTURES, "builtin-policy.csv"), "utf8");

/**
 * A glob as a RegExp: gobwas/glob without separators (Argo CD's util/glob: `*` crosses `/`, `{a,b}`, `[!…]`), or Go's
 * filepath.Match (`*` and `?` stop at `/`, `[^…]`, no braces). Undefined when the pattern does not compile, which
 * both treat as no match.
 */
export function globRegExp(pattern: string, dialect: "gobwas" | "filepath"): RegExp | undefined {
    const any = dialect === "filepath" ? "[^/]" : "[\\s\\S]";
    let out = "";
    let braces = 0;
    for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === "\\") {
            if (i + 1 >= pattern.length) return undefined;
            out += escape(pattern[++i]);
        } else if (c === "*") out += `${any}*`;
        else if (c === "?") out += any;
        else if (c === "[") {
            const end = pattern.indexOf("]", i + 2);
            if (end < 0) return undefined;
            let body = pattern.slice(i + 1, end);
            const negated = body.startsWith(dialect === "filepath" ? "^" : "!");
            if (negated) body = body.slice(1);
            if (body === "") return undefined;
            out += `[${negated ? "^" : ""}${body.replace(/[\]\\^]/g, (m) => `\\${m}`)}]`;
            i = end;
        } else if (dialect === "gobwas" && c === "{") {
            braces++;
            out += "(?:";
        } else if (dialect === "gobwas" && c === "}" && braces > 0) {
            braces--;
            out += ")";
        } else if (dialect === "gobwas" && c === "," && braces > 0) out += "|";
        else out += escape(c);
    }
    if (braces !== 0) return undefined;
    try {
        return new RegExp(`^${out}$`);
    } catch {
        return undefined;
    }
}
const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** util/glob.Match (a pattern that does not compile matches nothing). */
export const globMatch = (pattern: string, text: string) => globRegExp(pattern, "gobwas")?.test(text) ?? false;
/** Go's filepath.Match, as isResourceInList uses it for groups and kinds. */
export const pathMatch = (pattern: string, text: string) => globRegExp(pattern, "filepath")?.test(text) ?? false;

/** AppProject's globMatch: `!` negates when allowed, `*` matches everything. */
function projectGlob(pattern: string, val: string, allowNegation: boolean): boolean {
    if (allowNegation && pattern.startsWith("!")) return !globMatch(pattern.slice(1), val);
    return pattern === "*" || globMatch(pattern, val);
}

/** util/glob.MatchStringInList with REGEXP: `/…/` entries are regular expressions, the others globs. */
export function matchStringInList(list: readonly string[], item: string): boolean {
    return list.some((l) => (l.length > 1 && l.startsWith("/") && l.endsWith("/") && new RegExp(l.slice(1, -1)).test(item)) || globMatch(l, item));
}

export interface GroupKind {
    readonly group: string;
    readonly kind: string;
}
export interface AppProject {
    readonly metadata: { readonly name: string };
    readonly spec: {
        readonly destinations?: readonly { readonly server?: string; readonly name?: string; readonly namespace?: string }[];
        readonly destinationServiceAccounts?: readonly { readonly server: string; readonly namespace?: string; readonly defaultServiceAccount: string }[];
        readonly sourceNamespaces?: readonly string[];
        readonly clusterResourceWhitelist?: readonly (GroupKind & { readonly name?: string })[];
        readonly clusterResourceBlacklist?: readonly (GroupKind & { readonly name?: string })[];
        readonly namespaceResourceWhitelist?: readonly GroupKind[];
        readonly namespaceResourceBlacklist?: readonly GroupKind[];
        readonly roles?: readonly { readonly name: string; readonly policies?: readonly string[]; readonly groups?: readonly string[] }[];
    };
}

/** AppProject.ProjectPoliciesString: each role gets its project, then its policies, then its groups. */
export function projectPoliciesString(p: AppProject): string {
    return (p.spec.roles ?? [])
        .flatMap((r) => [`p, proj:${p.metadata.name}:${r.name}, projects, get, ${p.metadata.name}, allow`, ...(r.policies ?? []), ...(r.groups ?? []).map((g) => `g, ${g}, proj:${p.metadata.name}:${r.name}`)])
        .join("\n");
}

const inList = (res: GroupKind, list: readonly (GroupKind & { name?: string })[], name?: string) =>
    list.some((i) => pathMatch(i.kind, res.kind) && pathMatch(i.group, res.group) && (name === undefined || !i.name || pathMatch(i.name, name)));

/** AppProject.IsGroupKindNamePermitted: namespaced kinds need the whitelist (absent: all) and not the blacklist; cluster-scoped ones a non-empty whitelist. */
export function isGroupKindNamePermitted(p: AppProject, gk: GroupKind, name: string, namespaced: boolean): boolean {
    if (namespaced) {
        const white = p.spec.namespaceResourceWhitelist;
        const black = p.spec.namespaceResourceBlacklist ?? [];
        return (white === undefined || (white.length !== 0 && inList(gk, white))) && !(black.length !== 0 && inList(gk, black));
    }
    const white = p.spec.clusterResourceWhitelist ?? [];
    const black = p.spec.clusterResourceBlacklist ?? [];
    return white.length !== 0 && inList(gk, white, name) && !(black.length !== 0 && inList(gk, black, name));
}

/** AppProject.isDestinationMatched (permitOnlyProjectScopedClusters is off in every project here). */
export function isDestinationPermitted(p: AppProject, dst: { readonly server?: string; readonly name?: string; readonly namespace: string }): boolean {
    let matched = false;
    for (const item of p.spec.destinations ?? []) {
        const nameMatched = !!dst.name && projectGlob(item.name ?? "", dst.name, true);
        const serverMatched = !!dst.server && projectGlob(item.server ?? "", dst.server, true);
        const nsMatched = projectGlob(item.namespace ?? "", dst.namespace, true);
        if ((serverMatched || nameMatched) && nsMatched) matched = true;
        else if ((!nameMatched && (item.name ?? "").startsWith("!")) || (!serverMatched && (item.server ?? "").startsWith("!") && nsMatched)) return false;
        else if (!nsMatched && (item.namespace ?? "").startsWith("!") && serverMatched) return false;
    }
    return matched;
}

/**
 * controller/sync.go deriveServiceAccountToImpersonate: the first of the project's destinationServiceAccounts whose
 * server and namespace globs (util/glob) match the application's destination names the account syncs and delete
 * hooks run as, `<namespace>:<name>` or a name in the destination's namespace; none matching is an error (the
 * operation fails). Undefined for that error.
 */
export function impersonatedAccount(p: AppProject, dst: { readonly server: string; readonly namespace: string }): { readonly namespace: string; readonly name: string } | undefined {
    for (const item of p.spec.destinationServiceAccounts ?? []) {
        if (!globMatch(item.server, dst.server) || !globMatch(item.namespace ?? "", dst.namespace)) continue;
        const sa = item.defaultServiceAccount.trim();
        // serviceAccountDisallowedCharSet: "!*[]{}\\/" (an error, as no match is).
        if (sa === "" || /[!*[\]{}\\/]/.test(sa)) return undefined;
        const [namespace, name] = sa.includes(":") ? sa.split(":") : [dst.namespace, sa];
        return { namespace, name };
    }
    return undefined;
}

/** AppProject.IsAppNamespacePermitted: Argo CD's own namespace always, others when the project lists them. */
export const isAppNamespacePermitted = (p: AppProject, appNamespace: string, controllerNamespace: string) =>
    appNamespace === "" || appNamespace === controllerNamespace || matchStringInList(p.spec.sourceNamespaces ?? [], appNamespace);

/** What argocd-rbac-cm and argocd-cm hold for authorization, as the chart renders them. */
export interface ArgoCdSettings {
    /** util/rbac PolicyCSV: `policy.csv`, then the other `policy.*.csv` keys in name order. */
    readonly policyCsv: string;
    readonly policyDefault: string;
    /** The token claims whose values are groups (`scopes`; Argo CD's default is `[groups]`). */
    readonly scopes: readonly string[];
    readonly matchMode: "glob" | "regex";
    /** argocd-cm `exec.enabled` is the string "true". */
    readonly execEnabled: boolean;
    /** Argo CD's namespace, where Applications live unless `application.namespaces` enables others. */
    readonly namespace: string;
    /** argocd-cmd-params-cm `application.namespaces`. */
    readonly applicationNamespaces: readonly string[];
    /** argocd-cm `application.sync.impersonation.enabled` is the string "true": syncs and delete hooks impersonate the project's account. */
    readonly impersonation: boolean;
}

/** argocd-rbac-cm's and argocd-cm's data from the chart's values (`configs.rbac`, `configs.cm`, `configs.params`), coalesced over its defaults. */
export function argoCdSettings(values: Record<string, any>, namespace: string): ArgoCdSettings {
    const rbac: Record<string, unknown> = values.configs?.rbac ?? {};
    const csvKeys = Object.keys(rbac)
        .filter((k) => k.startsWith("policy.") && k.endsWith(".csv") && k !== "policy.csv")
        .sort();
    const policyCsv = [String(rbac["policy.csv"] ?? ""), ...csvKeys.map((k) => String(rbac[k]))].join("\n");
    const scopes = YAML.parse(String(rbac.scopes ?? "[groups]")) as string[];
    const namespaces = String(values.configs?.params?.["application.namespaces"] ?? "");
    return {
        policyCsv,
        policyDefault: String(rbac["policy.default"] ?? ""),
        scopes: Array.isArray(scopes) ? scopes : ["groups"],
        matchMode: rbac["policy.matchMode"] === "regex" ? "regex" : "glob",
        execEnabled: String(values.configs?.cm?.["exec.enabled"]) === "true",
        namespace,
        applicationNamespaces: namespaces === "" ? [] : namespaces.split(",").map((s) => s.trim()),
        impersonation: String(values.configs?.cm?.["application.sync.impersonation.enabled"]) === "true",
    };
}

/** The adapter's loadPolicyLine: one CSV record, `p` with 5 fields after it, `g` with 2; anything else is an error. */
function loadPolicy(model: Model, policy: string): void {
    const parser = new BasicCsvParser();
    for (const raw of policy.split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) continue;
        const tokens = parser.parse(line)?.[0] as string[] | undefined;
        if (!tokens || tokens[0] === "" || (tokens[0] === "g" && tokens.length !== 3) || (tokens[0] === "p" && tokens.length !== 6) || !["p", "g"].includes(tokens[0]))
            throw new Error(`invalid RBAC policy: ${line}`);
        model.addPolicy(tokens[0], tokens[0], tokens.slice(1));
    }
}

/** The claims Argo CD reads: the user's identifier and the token's claims (groups among them). */
export interface Claims {
    readonly sub: string;
    readonly [claim: string]: string | readonly string[];
}

/** The resources whose object starts with the project (rbacpolicy.getProjectFromRequest), and `projects` itself. */
const PROJECT_SCOPED = ["applicationsets", "applications", "repositories", "clusters", "logs", "exec"];

/** Argo CD's API server authorizer: one per settings and projects, with an enforcer per project policy as Argo CD caches them. */
export class ArgoCdRbac {
    private readonly enforcers = new Map<string, Promise<Enforcer>>();

    constructor(
        readonly settings: ArgoCdSettings,
        readonly projects: ReadonlyMap<string, AppProject>,
    ) {}

    private enforcer(project: string, runtimePolicy: string): Promise<Enforcer> {
        let e = this.enforcers.get(project);
        if (!e) {
            e = (async () => {
                const build = async (runtime: string) => {
                    const model = newModelFromString(MODEL);
                    for (const p of [BUILTIN_POLICY, this.settings.policyCsv, runtime]) loadPolicy(model, p);
                    const enforcer = await newEnforcer(model);
                    // The policy came with the model, not through an adapter: the `g` links are built here.
                    await enforcer.buildRoleLinks();
                    await enforcer.addFunction("globOrRegexMatch", this.settings.matchMode === "regex" ? Util.regexMatchFunc : (val: string, pattern: string) => globMatch(pattern, val));
                    return enforcer;
                };
                // An invalid project policy falls back to the global one (tryGetCasbinEnforcer).
                return build(runtimePolicy).catch(() => build(""));
            })();
            this.enforcers.set(project, e);
        }
        return e;
    }

    /** rbacpolicy.EnforceClaims for a request (resource, action, object) by a user's claims. */
    async enforceClaims(claims: Claims, resource: string, action: string, object: string): Promise<boolean> {
        let projectName = "";
        if (PROJECT_SCOPED.includes(resource) && object.split("/").length >= 2) projectName = object.split("/")[0];
        else if (resource === "projects") projectName = object;
        const project = this.projects.get(projectName);
        const enforcer = await this.enforcer(project?.metadata.name ?? "", project ? projectPoliciesString(project) : "");
        const enforce = (sub: string) =>
            (this.settings.policyDefault !== "" && enforcer.enforceSync(this.settings.policyDefault, resource, action, object)) || enforcer.enforceSync(sub, resource, action, object);
        if (enforce(claims.sub)) return true;
        const groups = this.settings.scopes.flatMap((s) => {
            const v = claims[s];
            return v === undefined ? [] : typeof v === "string" ? [v] : [...v];
        });
        const grouping = await enforcer.getGroupingPolicy();
        return groups.some((g) => grouping.some((rule) => rule[0] === g) && enforce(g));
    }
}
