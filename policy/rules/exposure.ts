// What the internet-facing gateway publishes, read from the stack's own objects: the Gateways behind an
// internet-facing NLB, the HTTPRoutes on their listeners, what each path reaches (a Service, a 404, a redirect), the
// SecurityPolicies that admit only some client CIDRs, and how each backend authenticates (read from its chart's values
// or its custom resource). The exposure rule refuses admin and metrics paths and unauthenticated backends there unless
// a client-CIDR policy guards them; `npm run plan -- --exposure` prints the same analysis as a table.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { asArray } from "./support";
import { chartName } from "./controllers";

type Obj = Record<string, any>;

const HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
const GATEWAY_CLASS = "kubernetes:gateway.networking.k8s.io/v1:GatewayClass";
const ENVOY_PROXY = "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy";
const CLIENT_TRAFFIC_POLICY = "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy";
const SECURITY_POLICY = "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy";
const ROUTE_FILTER = "kubernetes:gateway.envoyproxy.io/v1alpha1:HTTPRouteFilter";
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const KEYCLOAK = "kubernetes:k8s.keycloak.org/v2alpha1:Keycloak";
const NLB_SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme";

/** An application the rule knows, how it authenticates, and the paths of it that must not be public. */
interface App {
    readonly app: string;
    /** What a request must carry to get anything but a login page or an error; undefined: nothing (anonymous access). */
    readonly authentication: string | undefined;
    readonly sensitivePaths: readonly { readonly path: string; readonly what: string }[];
}

/** A Service of the stack an app runs behind, by `<namespace>/<name>`. */
type Apps = Map<string, App>;

/** Helm's usual fullname: the release name when it holds the chart's name, else `<release>-<name>` (each chart's _helpers.tpl). */
function fullname(release: Obj, name: string): string {
    const values = (release.values ?? {}) as Obj;
    if (typeof values.fullnameOverride === "string" && values.fullnameOverride) return values.fullnameOverride;
    const n = typeof values.nameOverride === "string" && values.nameOverride ? values.nameOverride : name;
    return String(release.name).includes(n) ? String(release.name) : `${release.name}-${n}`;
}

const on = (v: unknown) => v === true || v === "true";

/** The Services each known app runs behind in this stack, with its authentication as its own settings decide. */
function knownApps(resources: readonly PolicyResource[]): Apps {
    const apps: Apps = new Map();
    const add = (namespace: unknown, services: readonly string[], app: App) => services.forEach((s) => apps.set(`${namespace}/${s}`, app));
    for (const r of resources.filter((x) => x.type === KEYCLOAK)) {
        const meta = (r.props.metadata ?? {}) as Obj;
        // The operator names the Service <name>-service. Keycloak's reverse-proxy guide ("Exposed path
        // recommendations"): /admin/ (console and admin REST API), /metrics and /health must not be public.
        add(meta.namespace, [`${meta.name}-service`], {
            app: "Keycloak",
            authentication: "Keycloak login",
            sensitivePaths: [
                { path: "/admin", what: "Keycloak's admin console and admin API" },
                { path: "/metrics", what: "Keycloak's metrics" },
                { path: "/health", what: "Keycloak's health endpoints" },
            ],
        });
    }
    for (const r of resources.filter((x) => x.type === HELM_RELEASE)) {
        const p = r.props as Obj;
        const values = (p.values ?? {}) as Obj;
        switch (chartName(p.chart)) {
            case "vault": {
                // vault-helm: <fullname>, -active, -standby and -internal (templates/server-*service.yaml).
                const f = fullname(p, "vault");
                add(p.namespace, [f, `${f}-active`, `${f}-standby`, `${f}-internal`], {
                    app: "Vault",
                    authentication: "Vault token",
                    sensitivePaths: [{ path: "/v1/sys/metrics", what: "Vault's telemetry" }],
                });
                break;
            }
            case "grafana": {
                // Grafana answers /metrics on its HTTP port without a login (the chart's ServiceMonitor scrapes it there
                // with no credentials); anonymous access is off unless grafana.ini turns it on (conf/defaults.ini).
                const ini = (values["grafana.ini"] ?? {}) as Obj;
                const oidc = on(ini["auth.generic_oauth"]?.enabled);
                add(p.namespace, [fullname(p, "grafana")], {
                    app: "Grafana",
                    authentication: on(ini["auth.anonymous"]?.enabled) ? undefined : `Grafana login${oidc ? " (OIDC via Keycloak)" : ""}`,
                    sensitivePaths: [{ path: "/metrics", what: "Grafana's metrics" }],
                });
                break;
            }
            case "argo-cd": {
                // argo-helm: the server Service is <fullname>-server (nameOverride defaults to argocd); its metrics are a
                // port of their own (server.metrics), not the one routes reach. Anonymous users are off by default.
                const cm = (values.configs?.cm ?? {}) as Obj;
                const ways = [...(cm["oidc.config"] ? ["OIDC via Keycloak"] : []), ...(on(cm["admin.enabled"] ?? true) ? ["local admin"] : [])];
                add(p.namespace, [`${fullname({ ...p, values: { nameOverride: "argocd", ...values } }, "argo-cd")}-server`], {
                    app: "Argo CD",
                    authentication: on(cm["users.anonymous.enabled"]) ? undefined : `Argo CD login${ways.length > 0 ? ` (${ways.join(", ")})` : ""}`,
                    sensitivePaths: [],
                });
                break;
            }
        }
    }
    return apps;
}

/** Path matching as Gateway API defines it: PathPrefix element by element, Exact in full. */
interface PathMatch {
    readonly type: "PathPrefix" | "Exact" | "RegularExpression";
    readonly value: string;
    /** A match that also needs headers, query parameters or a method covers only some requests. */
    readonly conditional: boolean;
}

const trim = (p: string) => (p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p);
/** Whether a PathPrefix `prefix` takes `path` (`/realms` takes `/realms/x`, not `/realmsx`). */
export const prefixCovers = (prefix: string, path: string): boolean => {
    const [p, q] = [trim(prefix), trim(path)];
    return p === "/" || q === p || q.startsWith(`${p}/`);
};
const covers = (m: PathMatch, path: string) => (m.type === "Exact" ? trim(m.value) === trim(path) : m.type === "PathPrefix" ? prefixCovers(m.value, path) : true);
/** Gateway API precedence: Exact first, then the longest prefix (a regular expression: implementation-specific, ranked last). */
const rank = (m: PathMatch) => (m.type === "Exact" ? Number.MAX_SAFE_INTEGER : m.type === "PathPrefix" ? trim(m.value).length : -1);

/** What a rule does with what it matches. */
export type Action =
    | { readonly kind: "backend"; readonly service: string; readonly port: number }
    | { readonly kind: "respond"; readonly status: number }
    | { readonly kind: "redirect"; readonly to: string };

/** One match of one rule of a public route: a hostname, a path, and what the gateway does with it. */
export interface PublicPath {
    readonly gateway: string;
    readonly listener: string;
    readonly port: number;
    readonly hostname: string;
    readonly match: PathMatch;
    readonly action: Action;
    readonly route: PolicyResource;
    /** The app behind a backend, when the rule knows it. */
    readonly app?: App;
    /** The client CIDRs a SecurityPolicy admits, when one guards the route. */
    readonly clientCidrs?: readonly string[];
    /** Why the client-CIDR policy does not hold, when it does not (the gateway does not see client addresses). */
    readonly cidrsIneffective?: string;
}

const OPEN_CIDRS = (c: string) => c.endsWith("/0");

/** The CIDRs a SecurityPolicy alone admits (deny by default, allow rules on client CIDRs only), or undefined. */
function admittedCidrs(policy: Obj): string[] | undefined {
    const auth = policy.spec?.authorization as Obj | undefined;
    // Envoy Gateway: no defaultAction means Deny (api/v1alpha1/authorization_types.go@v1.9.0).
    if (!auth || (auth.defaultAction ?? "Deny") !== "Deny") return undefined;
    const allows = asArray(auth.rules as Obj[] | undefined).filter((r) => r.action === "Allow");
    // An allow rule on anything but client CIDRs (JWT claims, headers, CEL) admits clients from anywhere.
    if (allows.length === 0 || allows.some((r) => !r.principal?.clientCIDRs || r.principal.jwt || r.principal.headers || r.principal.clientIPGeoLocations || r.cel)) return undefined;
    return allows.flatMap((r) => asArray(r.principal.clientCIDRs as string[]));
}

/** Why the gateway would not see the real client address (so a client-CIDR policy would not hold), or undefined. */
function clientAddressProblem(gateway: Obj, annotations: Obj, resources: readonly PolicyResource[]): string | undefined {
    const targets = (p: Obj) =>
        asArray(p.spec?.targetRefs as Obj[] | undefined).some((t) => t.kind === "Gateway" && t.name === gateway.metadata?.name) && p.metadata?.namespace === gateway.metadata?.namespace;
    const policies = resources.filter((r) => r.type === CLIENT_TRAFFIC_POLICY).map((r) => r.props as Obj).filter(targets);
    // X-Forwarded-For would be trusted: the NLB adds none, so its last hop is whatever the client wrote.
    if (policies.some((p) => p.spec?.clientIPDetection)) return "a ClientTrafficPolicy takes the client address from a header the client can write";
    const proxyProtocol = annotations["service.beta.kubernetes.io/aws-load-balancer-proxy-protocol"] === "*" && policies.some((p) => p.spec?.proxyProtocol || p.spec?.enableProxyProtocol);
    const preserved = String(annotations["service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"] ?? "").includes("preserve_client_ip.enabled=true");
    return proxyProtocol || preserved ? undefined : "the NLB passes neither PROXY protocol (with a ClientTrafficPolicy reading it) nor the client's address";
}

/** Every path the stack's internet-facing Gateways publish. */
export function publicPaths(resources: readonly PolicyResource[]): PublicPath[] {
    const ofKind = (type: string) => resources.filter((r) => r.type === type);
    const apps = knownApps(resources);
    const filters = new Map(ofKind(ROUTE_FILTER).map((r) => [`${r.props.metadata?.namespace}/${r.props.metadata?.name}`, r.props as Obj]));
    const out: PublicPath[] = [];
    for (const g of ofKind(GATEWAY)) {
        const gateway = g.props as Obj;
        const cls = ofKind(GATEWAY_CLASS).find((c) => c.props.metadata?.name === gateway.spec?.gatewayClassName)?.props as Obj | undefined;
        const ref = cls?.spec?.parametersRef as Obj | undefined;
        const proxy = ofKind(ENVOY_PROXY).find((p) => p.props.metadata?.name === ref?.name && p.props.metadata?.namespace === ref?.namespace)?.props as Obj | undefined;
        const annotations = (proxy?.spec?.provider?.kubernetes?.envoyService?.annotations ?? {}) as Obj;
        if (annotations[NLB_SCHEME] !== "internet-facing") continue;
        const addressProblem = clientAddressProblem(gateway, annotations, resources);
        const gw = `${gateway.metadata?.namespace}/${gateway.metadata?.name}`;
        for (const listener of asArray(gateway.spec?.listeners as Obj[] | undefined)) {
            for (const r of ofKind(HTTP_ROUTE)) {
                const route = r.props as Obj;
                const ns = route.metadata?.namespace;
                const attached = asArray(route.spec?.parentRefs as Obj[] | undefined).some(
                    (p) => p.name === gateway.metadata?.name && (p.namespace ?? ns) === gateway.metadata?.namespace && (p.sectionName === undefined || p.sectionName === listener.name),
                );
                // A listener admitting routes of its own namespace only (the HTTP redirect listener) ignores the others.
                if (!attached || (listener.allowedRoutes?.namespaces?.from === "Same" && ns !== gateway.metadata?.namespace)) continue;
                const guard = ofKind(SECURITY_POLICY)
                    .map((p) => p.props as Obj)
                    .find(
                        (p) =>
                            (p.metadata?.namespace === ns && asArray(p.spec?.targetRefs as Obj[] | undefined).some((t) => t.kind === "HTTPRoute" && t.name === route.metadata?.name)) ||
                            (p.metadata?.namespace === gateway.metadata?.namespace && asArray(p.spec?.targetRefs as Obj[] | undefined).some((t) => t.kind === "Gateway" && t.name === gateway.metadata?.name)),
                    );
                const cidrs = guard ? admittedCidrs(guard) : undefined;
                const hostnames = asArray(route.spec?.hostnames as string[] | undefined);
                for (const hostname of hostnames.length > 0 ? hostnames : [listener.hostname ?? "*"]) {
                    for (const rule of asArray(route.spec?.rules as Obj[] | undefined)) {
                        const action = actionOf(rule, ns, filters);
                        const backend = asArray(rule.backendRefs as Obj[] | undefined)[0];
                        const matches = asArray(rule.matches as Obj[] | undefined);
                        for (const m of matches.length > 0 ? matches : [{ path: { type: "PathPrefix", value: "/" } }]) {
                            out.push({
                                gateway: gw,
                                listener: listener.name,
                                port: listener.port,
                                hostname,
                                match: { type: m.path?.type ?? "PathPrefix", value: m.path?.value ?? "/", conditional: Boolean(m.headers || m.queryParams || m.method) },
                                action,
                                route: r,
                                ...(backend ? { app: apps.get(`${backend.namespace ?? ns}/${backend.name}`) } : {}),
                                ...(cidrs ? { clientCidrs: cidrs } : {}),
                                ...(cidrs && addressProblem ? { cidrsIneffective: addressProblem } : {}),
                            });
                        }
                    }
                }
            }
        }
    }
    return out;
}

function actionOf(rule: Obj, namespace: string, filters: Map<string, Obj>): Action {
    const backend = asArray(rule.backendRefs as Obj[] | undefined)[0];
    if (backend) return { kind: "backend", service: `${backend.namespace ?? namespace}/${backend.name}`, port: backend.port };
    for (const f of asArray(rule.filters as Obj[] | undefined)) {
        if (f.type === "RequestRedirect") return { kind: "redirect", to: `${f.requestRedirect?.scheme ?? "same scheme"} (${f.requestRedirect?.statusCode ?? 302})` };
        const direct = f.type === "ExtensionRef" && f.extensionRef?.kind === "HTTPRouteFilter" ? filters.get(`${namespace}/${f.extensionRef.name}`)?.spec?.directResponse : undefined;
        // Envoy Gateway's direct response: 200 unless a status is set (api/v1alpha1/httproutefilter_types.go@v1.9.0).
        if (direct) return { kind: "respond", status: direct.statusCode ?? 200 };
    }
    // Gateway API: a rule with no backend and no filter that responds gets a 500 (HTTPRouteRule.backendRefs).
    return { kind: "respond", status: 500 };
}

/** Whether a client-CIDR policy really keeps the path from the internet: deny by default, no open range, client addresses seen. */
export const restricted = (p: PublicPath): boolean => p.clientCidrs !== undefined && !p.cidrsIneffective && !p.clientCidrs.some(OPEN_CIDRS);

/**
 * The path of `hostname` a request for `path` ends up at: of every match on that hostname of that listener that takes
 * it, the one Gateway API ranks first (HTTPRouteRule.matches: Exact, then the longest prefix). A forwarding match
 * with extra conditions still forwards the requests that meet them, so it competes; a blocking one does not block
 * the others, so it does not.
 */
function winner(all: readonly PublicPath[], p: PublicPath, path: string): PublicPath | undefined {
    const rivals = all.filter((q) => q.gateway === p.gateway && q.listener === p.listener && q.hostname === p.hostname && covers(q.match, path) && (q.action.kind === "backend" || !q.match.conditional));
    return rivals.sort((a, b) => rank(b.match) - rank(a.match) || Number(b.action.kind === "backend") - Number(a.action.kind === "backend"))[0];
}

/** What is wrong with one public path: an admin or metrics path, or a backend with no authentication, open to all. */
export function exposureProblems(all: readonly PublicPath[]): { path: PublicPath; problem: string }[] {
    const problems: { path: PublicPath; problem: string }[] = [];
    for (const p of all) {
        if (p.action.kind !== "backend" || restricted(p)) continue;
        const where = `${p.hostname}${p.match.value === "/" ? "" : p.match.value} (${p.listener} :${p.port}) reaches ${p.action.service}:${p.action.port}`;
        const why = p.cidrsIneffective ? ` (its client-CIDR policy does not hold: ${p.cidrsIneffective})` : p.clientCidrs ? " (its client-CIDR policy admits the whole internet)" : "";
        if (!p.app?.authentication) {
            problems.push({ path: p, problem: `${where}, ${p.app ? `${p.app.app} with anonymous access` : "a backend of no known authentication"}, from anywhere${why}` });
            continue;
        }
        for (const s of p.app.sensitivePaths) {
            // The most specific path both this match and the sensitive one take: the sensitive path itself, or this
            // match's own prefix when it lies under it (a route of /admin/master only).
            const probe = covers(p.match, s.path) ? s.path : p.match.type === "PathPrefix" && prefixCovers(s.path, p.match.value) ? p.match.value : undefined;
            if (probe !== undefined && winner(all, p, probe) === p) problems.push({ path: p, problem: `${where}: ${s.what} (${s.path}) from anywhere${why}` });
        }
    }
    return problems;
}

export const publicExposurePolicy: StackValidationPolicy = {
    name: "public-gateway-exposure",
    description:
        "On an internet-facing gateway, no route reaches an admin or metrics path (Keycloak /admin, Vault /v1/sys/metrics, ...) or a backend without authentication, unless a SecurityPolicy admits only named client CIDRs and the gateway sees client addresses.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const { path, problem } of exposureProblems(publicPaths(resources))) report(problem, path.route.urn);
    },
};
