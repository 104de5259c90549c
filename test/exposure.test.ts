// What the internet-facing gateway exposes (issue 34): the public-gateway-exposure rule on every stack file's plan,
// on the routes the platform had before (Vault's metrics and Keycloak's `/` refused) and on each way a guard can fail;
// the --exposure table (in docs/architecture.md as printed); the objects against Envoy Gateway v1.9.0's CRDs; Vault's metrics
// listener against the pinned chart; the Keycloak admin name and the master realm's settings step, run for real.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { spawn } from "child_process";
import * as YAML from "yaml";
import { Plan, PlannedResource, PROJECT_DIR } from "../plan/engine";
import { listStacks, readStackConfig } from "../plan/stack-files";
import { EXAMPLE_STACKS } from "../plan/new-stack";
import { checkPolicies } from "../plan/policy-runner";
import { crdProblems, readCrdSchema } from "../plan/crd-contract";
import { exposureRows } from "../plan/exposure";
import { prefixCovers, publicExposurePolicy } from "../policy/rules/exposure";
import { clientCidrPolicySpec, notFoundFilterSpec } from "../components/ingress/gateway-objects";
import { raftConfig, vaultValues } from "../components/secrets/vault-values";
import { SCRAPE_TARGETS } from "../components/observability/scrape-targets";
import { MASTER_REALM_SCRIPT } from "../components/sso/master-realm";
import { masterRealmSettings } from "../components/sso/realm-settings";
import { committedPlan, runPlanCli } from "./plans";

const STACKS = listStacks(PROJECT_DIR);
const configOf = (stack: string, key: string) => JSON.parse(readStackConfig(PROJECT_DIR, stack).config[`platform:${key}`]);
const domainOf = (stack: string): string => configOf(stack, "ingress").domain;
const clone = (p: Plan): Plan => JSON.parse(JSON.stringify(p)) as Plan;
const ofType = (p: Plan, kind: string) => p.resources.filter((r) => r.type.endsWith(`:${kind}`));
const named = (p: Plan, name: string): PlannedResource & { inputs: any } => {
    const r = p.resources.find((x) => x.name === name);
    assert.ok(r, `no resource ${name}`);
    return r as PlannedResource & { inputs: any };
};
const without = (p: Plan, drop: (r: PlannedResource) => boolean): Plan => ({ ...p, resources: p.resources.filter((r) => !drop(r)) });
const refusals = async (p: Plan) => (await checkPolicies(p, [publicExposurePolicy])).map((v) => v.message).sort();

/** The plan as the platform built it before issue 34: every route on `/` alone, no admin name, no guards. */
function beforeTheFix(p: Plan): Plan {
    const old = without(clone(p), (r) => /:(SecurityPolicy|HTTPRouteFilter)$/.test(r.type) || r.name === "keycloak-sso-admin-route");
    for (const r of ofType(old, "HTTPRoute") as any[]) {
        const rules = r.inputs.spec.rules;
        if (rules[0].backendRefs) r.inputs.spec.rules = [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: rules[0].backendRefs }];
    }
    return old;
}

describe("exposure: the public-gateway-exposure rule on every stack file's plan @stack", function () {
    this.timeout(120000);

    it("has stack files to judge", () => assert.ok(STACKS.length > 0));

    for (const stack of STACKS) {
        describe(`stack ${stack}`, () => {
            let plan: Plan;
            let domain: string;
            before(async () => {
                plan = await committedPlan(stack);
                domain = domainOf(stack);
            });

            it("accepts what the stack publishes now", async () => {
                assert.ok(ofType(plan, "HTTPRoute").length >= 5, "the routes to judge exist");
                assert.deepStrictEqual(await refusals(plan), []);
            });

            it("refuses the routes before the fix: Vault's metrics and unauthenticated endpoints, Keycloak's admin console, metrics and health, Grafana's metrics, Argo CD's webhook", async () => {
                const at = (host: string, backend: string) => `${host}.${domain} (https :443) reaches ${backend}`;
                assert.deepStrictEqual(await refusals(beforeTheFix(plan)), [
                    `${at("argocd", "argocd/argocd-server:80")}: Argo CD's webhook receiver (no login, no rate limit) (/api/webhook) from anywhere`,
                    `${at("grafana", "monitoring/grafana:80")}: Grafana's metrics (/metrics) from anywhere`,
                    `${at("sso", "keycloak/keycloak-service:8443")}: Keycloak's admin console and admin API (/admin) from anywhere`,
                    `${at("sso", "keycloak/keycloak-service:8443")}: Keycloak's health endpoints (/health) from anywhere`,
                    `${at("sso", "keycloak/keycloak-service:8443")}: Keycloak's master realm (the administrators' logins) (/realms/master) from anywhere`,
                    `${at("sso", "keycloak/keycloak-service:8443")}: Keycloak's metrics (/metrics) from anywhere`,
                    `${at("vault", "vault/vault-active:8200")}: Vault's initialisation (no token needed) (/v1/sys/init) from anywhere`,
                    `${at("vault", "vault/vault-active:8200")}: Vault's recovery-key rekey (no token needed) (/v1/sys/rekey-recovery-key) from anywhere`,
                    `${at("vault", "vault/vault-active:8200")}: Vault's rekey (no token needed) (/v1/sys/rekey) from anywhere`,
                    `${at("vault", "vault/vault-active:8200")}: Vault's root token generation (no token needed) (/v1/sys/generate-root) from anywhere`,
                    `${at("vault", "vault/vault-active:8200")}: Vault's telemetry (/v1/sys/metrics) from anywhere`,
                ]);
            });

            it("refuses sso.<domain> as main published it: /realms forwarded in full, the master realm's logins included", async () => {
                const p = clone(plan);
                const route = named(p, "keycloak-sso-route").inputs.spec;
                const blocked = route.rules.filter((r: any) => !r.backendRefs);
                assert.deepStrictEqual(blocked.map((r: any) => r.matches.map((m: any) => m.path.value)), [["/realms/master"]]);
                route.rules = route.rules.filter((r: any) => r.backendRefs);
                assert.deepStrictEqual(await refusals(p), [
                    `sso.${domain}/realms (https :443) reaches keycloak/keycloak-service:8443: Keycloak's master realm (the administrators' logins) (/realms/master) from anywhere`,
                ]);
            });

            it("refuses a rule forwarding the master realm's token endpoint past the 404 (an exact match outranks the prefix)", async () => {
                const token = "/realms/master/protocol/openid-connect/token";
                const p = clone(plan);
                named(p, "keycloak-sso-route").inputs.spec.rules[0].matches.push({ path: { type: "Exact", value: token } });
                assert.deepStrictEqual(await refusals(p), [
                    `sso.${domain}${token} (https :443) reaches keycloak/keycloak-service:8443: Keycloak's master realm (the administrators' logins) (/realms/master) from anywhere`,
                ]);
            });

            it("accepts the old routes behind a client-CIDR policy on the whole Gateway (every route of it guarded)", async () => {
                const old = beforeTheFix(plan);
                const policy = clone({ resources: [named(plan, "keycloak-sso-admin-client-cidrs")] } as Plan).resources[0] as any;
                policy.inputs.metadata.namespace = "platform-gateway";
                policy.inputs.spec.targetRefs = [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "platform" }];
                assert.deepStrictEqual(await refusals({ ...old, resources: [...old.resources, policy] }), []);
            });

            it("a policy on the route overrides the Gateway's: a route-level policy without CIDRs leaves the old routes open", async () => {
                const old = beforeTheFix(plan);
                const gatewayWide = clone({ resources: [named(plan, "keycloak-sso-admin-client-cidrs")] } as Plan).resources[0] as any;
                gatewayWide.inputs.metadata.namespace = "platform-gateway";
                gatewayWide.inputs.spec.targetRefs = [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "platform" }];
                const routeLevel = clone({ resources: [named(plan, "keycloak-sso-admin-client-cidrs")] } as Plan).resources[0] as any;
                routeLevel.urn = `${routeLevel.urn}-cors`;
                routeLevel.inputs.metadata.name = "vault-cors";
                routeLevel.inputs.metadata.namespace = "vault";
                routeLevel.inputs.spec = { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "vault" }], cors: { allowOrigins: ["https://x.example"] } };
                const messages = await refusals({ ...old, resources: [...old.resources, gatewayWide, routeLevel] });
                assert.ok(messages.length > 0 && messages.every((m) => m.startsWith(`vault.${domain} `)), messages.join("\n"));
                // A Gateway policy for another listener guards nothing here.
                gatewayWide.inputs.spec.targetRefs[0].sectionName = "http";
                assert.ok((await refusals({ ...old, resources: [...old.resources, gatewayWide] })).some((m) => m.startsWith(`sso.${domain} `)));
            });

            const adminPolicy = (p: Plan) => named(p, "keycloak-sso-admin-client-cidrs").inputs;
            const adminRefused = (why: string) => [`sso-admin.${domain} (https :443) reaches keycloak/keycloak-service:8443: Keycloak's admin console and admin API (/admin) from anywhere${why}`];
            const broken = async (change: (p: Plan) => void) => {
                const p = clone(plan);
                change(p);
                // Metrics and health are reached wherever /admin is (sso-admin routes `/`): one line each.
                return (await refusals(p)).filter((m) => m.includes("(/admin)"));
            };

            it("refuses the admin name when its policy admits the whole internet", async () => {
                assert.deepStrictEqual(
                    await broken((p) => adminPolicy(p).spec.authorization.rules[0].principal.clientCIDRs.push("0.0.0.0/0")),
                    adminRefused(" (its client-CIDR policy admits the whole internet)"),
                );
            });

            it("refuses the admin name when its policy admits the internet in two halves (no /0, more than a /8)", async () => {
                assert.deepStrictEqual(
                    await broken((p) => (adminPolicy(p).spec.authorization.rules[0].principal.clientCIDRs = ["0.0.0.0/1", "128.0.0.0/1"])),
                    adminRefused(" (its client-CIDR policy admits more than a /8)"),
                );
            });

            it("refuses the admin name when its policy allows by default, or allows on something else than client CIDRs", async () => {
                assert.deepStrictEqual(await broken((p) => (adminPolicy(p).spec.authorization.defaultAction = "Allow")), adminRefused(""));
                assert.deepStrictEqual(await broken((p) => (adminPolicy(p).spec.authorization.rules[0].principal.jwt = { provider: "x", claims: [] })), adminRefused(""));
                assert.deepStrictEqual(await broken((p) => adminPolicy(p).spec.authorization.rules.push({ action: "Allow", principal: { headers: [{ name: "x-user", values: ["a"] }] } })), adminRefused(""));
            });

            it("counts a policy that leaves the default out as deny-by-default (Envoy Gateway's default)", async () => {
                assert.deepStrictEqual(await broken((p) => delete adminPolicy(p).spec.authorization.defaultAction), []);
            });

            it("refuses client-CIDR policies on a gateway that does not see client addresses", async () => {
                const noAddress = " (its client-CIDR policy does not hold: the NLB passes neither PROXY protocol (with a ClientTrafficPolicy reading it) nor the client's address)";
                // PROXY protocol asked of the NLB but read by no ClientTrafficPolicy, and no IP preservation.
                assert.deepStrictEqual(await broken((p) => p.resources.splice(p.resources.findIndex((r) => r.type.endsWith(":ClientTrafficPolicy")), 1)), adminRefused(noAddress));
                const header = " (its client-CIDR policy does not hold: a ClientTrafficPolicy takes the client address from a header the client can write)";
                assert.deepStrictEqual(await broken((p) => ((ofType(p, "ClientTrafficPolicy")[0] as any).inputs.spec.clientIPDetection = { xForwardedFor: { numTrustedHops: 1 } })), adminRefused(header));
            });

            it("takes the NLB's client-IP preservation, without PROXY protocol, as client addresses seen", async () => {
                const p = without(clone(plan), (r) => r.type.endsWith(":ClientTrafficPolicy"));
                const annotations = (ofType(p, "EnvoyProxy")[0] as any).inputs.spec.provider.kubernetes.envoyService.annotations;
                delete annotations["service.beta.kubernetes.io/aws-load-balancer-proxy-protocol"];
                annotations["service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"] = "preserve_client_ip.enabled=true";
                assert.deepStrictEqual(await refusals(p), []);
            });

            it("judges nothing behind an internal load balancer", async () => {
                const p = beforeTheFix(plan);
                (ofType(p, "EnvoyProxy")[0] as any).inputs.spec.provider.kubernetes.envoyService.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"] = "internal";
                assert.deepStrictEqual([await refusals(p), exposureRows(p)], [[], []]);
            });

            it("refuses a path under an admin path, an exact admin path, and a 404 that only some requests meet", async () => {
                const sso = (p: Plan) => named(p, "keycloak-sso-route").inputs.spec.rules[0].matches;
                const ssoAdmin = (path: string) => [`sso.${domain}${path} (https :443) reaches keycloak/keycloak-service:8443: Keycloak's admin console and admin API (/admin) from anywhere`];
                assert.deepStrictEqual(await broken((p) => sso(p).push({ path: { type: "PathPrefix", value: "/admin/master/console" } })), ssoAdmin("/admin/master/console"));
                assert.deepStrictEqual(await broken((p) => sso(p).push({ path: { type: "Exact", value: "/admin" } })), ssoAdmin("/admin"));
                const p = clone(plan);
                named(p, "vault-vault-route").inputs.spec.rules[1].matches[0].headers = [{ name: "x-block", value: "1" }];
                // The CIDR policy of a stack that restricts Vault keeps its metrics from the internet anyway.
                const restricted = Boolean(configOf(stack, "ingress").allowedCidrs.vault);
                assert.deepStrictEqual(
                    (await refusals(p)).filter((m) => m.includes("/v1/sys/metrics")),
                    restricted ? [] : [`vault.${domain} (https :443) reaches vault/vault-active:8200: Vault's telemetry (/v1/sys/metrics) from anywhere`],
                );
            });

            it("refuses a backend of no known authentication, and Grafana with anonymous access on", async () => {
                const unknown = clone(plan);
                named(unknown, "argocd-argocd-route").inputs.spec.rules[0].backendRefs[0].name = "argocd-dex-server";
                assert.deepStrictEqual(await refusals(unknown), [`argocd.${domain} (https :443) reaches argocd/argocd-dex-server:80, a backend of no known authentication, from anywhere`]);
                const anonymous = clone(plan);
                named(anonymous, "platform-observability-grafana").inputs.values["grafana.ini"]["auth.anonymous"] = { enabled: true };
                assert.deepStrictEqual(await refusals(anonymous), [`grafana.${domain} (https :443) reaches monitoring/grafana:80, Grafana with anonymous access, from anywhere`]);
            });
        });
    }

    it("takes path prefixes element by element, as Gateway API defines PathPrefix", () => {
        const cases: [string, string, boolean][] = [
            ["/realms", "/realms/master", true],
            ["/realms", "/realms", true],
            ["/realms", "/realmsx", false],
            ["/", "/admin", true],
            ["/v1/sys/metrics/", "/v1/sys/metrics", true],
            ["/admin", "/realms/admin", false],
        ];
        assert.deepStrictEqual(cases.map(([prefix, p]) => prefixCovers(prefix, p)), cases.map((c) => c[2]));
    });
});

describe("exposure: the --exposure table @stack", function () {
    this.timeout(120000);
    const cli = runPlanCli;
    const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "architecture.md"), "utf8");

    for (const stack of STACKS) {
        it(`stack ${stack}: prints each public name and path with what it reaches and what guards it, as docs/architecture.md shows`, async () => {
            const domain = domainOf(stack);
            const rows = exposureRows(await committedPlan(stack));
            const row = (host: string, p: string) => rows.find((r) => r.hostname === `${host}.${domain}` && r.path === p);
            assert.deepStrictEqual(rows.filter((r) => r.hostname === `sso.${domain}`).map((r) => r.path), ["/.well-known", "/realms", "/realms/master", "/resources"]);
            const admin = configOf(stack, "ingress").allowedCidrs["sso-admin"] as string[];
            assert.ok(admin.length > 0);
            assert.deepStrictEqual(row("sso-admin", "/"), {
                listener: "platform/https :443",
                hostname: `sso-admin.${domain}`,
                path: "/",
                reaches: "keycloak/keycloak-service:8443 (Keycloak)",
                authenticatedBy: `client CIDRs ${admin.join(", ")} + Keycloak login`,
            });
            assert.deepStrictEqual(
                [row("vault", "/v1/sys/metrics")?.reaches, row("grafana", "/metrics")?.reaches, row("sso", "/realms/master")?.reaches],
                ["404 from the gateway", "404 from the gateway", "404 from the gateway"],
            );
            // Exactly the names the stack file restricts are guarded, each by the CIDRs it lists there.
            const allowed = configOf(stack, "ingress").allowedCidrs as Record<string, string[]>;
            const guarded = rows.filter((r) => r.authenticatedBy.startsWith("client CIDRs "));
            assert.deepStrictEqual(
                Object.fromEntries(guarded.map((r) => [r.hostname.slice(0, -domain.length - 1), r.authenticatedBy.slice("client CIDRs ".length).split(" + ")[0].split(", ")])),
                allowed,
            );
        });
    }
    // docs/architecture.md shows the tables of the examples a new stack is written from; any other stack file is checked above.
    for (const stack of EXAMPLE_STACKS) {
        it(`stack ${stack} (an example): docs/architecture.md shows its table as --exposure prints it`, async () => {
            const rows = exposureRows(await committedPlan(stack));
            assert.ok(rows.length > 5);
            for (const r of rows) assert.ok(doc.includes(`| ${r.listener} | ${r.hostname} | ${r.path} | ${r.reaches} | ${r.authenticatedBy} |`), `docs/architecture.md lacks ${stack}'s row ${JSON.stringify(r)}`);
        });
    }

    it("prints the table with --exposure, and fails a stack whose admin console is open to all (the schema allows it outside production)", async () => {
        const open = STACKS.filter((s) => readStackConfig(PROJECT_DIR, s).config["platform:tier"] !== "production");
        assert.ok(open.length > 0, "a stack outside production to try");
        const stack = open[0];
        const ok = await cli("--stack", stack, "--exposure");
        assert.strictEqual(ok.status, 0, ok.stderr);
        assert.match(ok.stdout, new RegExp(`^Exposure of stack ${stack}: what the internet-facing Gateway platform-gateway/platform publishes\\n\\n\\| listener \\| hostname \\| path prefix \\| reaches \\| authenticated by \\|`));
        assert.doesNotMatch(ok.stdout, /Stack platform\//);
        const bad = await cli("--stack", stack, "--exposure", "--set", `platform:ingress.allowedCidrs={"sso-admin":["0.0.0.0/0"]}`);
        assert.strictEqual(bad.status, 1, bad.stdout + bad.stderr);
        assert.match(bad.stdout, /client CIDRs 0\.0\.0\.0\/0 \(not holding: open to all\) \+ Keycloak login/);
        assert.match(bad.stdout, /\[mandatory\] public-gateway-exposure: sso-admin\..* Keycloak's admin console and admin API \(\/admin\) from anywhere \(its client-CIDR policy admits the whole internet\)/);
    });
});

describe("exposure: the gateway's objects against Envoy Gateway v1.9.0's CRDs @stack", function () {
    this.timeout(120000);
    const CRDS = path.join(PROJECT_DIR, "test", "fixtures", "crds", "envoy-gateway-v1.9.0");
    const securityPolicy = readCrdSchema(path.join(CRDS, "gateway.envoyproxy.io_securitypolicies.yaml"), "v1alpha1");
    const routeFilter = readCrdSchema(path.join(CRDS, "gateway.envoyproxy.io_httproutefilters.yaml"), "v1alpha1");

    for (const stack of STACKS) {
        it(`stack ${stack}: every SecurityPolicy and HTTPRouteFilter has only fields the CRD knows`, async () => {
            const plan = await committedPlan(stack);
            const policies = ofType(plan, "SecurityPolicy");
            const filters = ofType(plan, "HTTPRouteFilter");
            assert.ok(policies.length > 0 && filters.length > 0);
            for (const r of policies) assert.deepStrictEqual(crdProblems(securityPolicy, { spec: (r.inputs as any).spec }), [], r.name);
            for (const r of filters) assert.deepStrictEqual(crdProblems(routeFilter, { spec: (r.inputs as any).spec }), [], r.name);
        });
    }

    it("catches a misspelt field (the check can fail)", () => {
        const policy = clientCidrPolicySpec({ name: "x", namespace: "y" }, ["192.0.2.0/24"]);
        const rule = { ...policy.spec.authorization.rules[0], principal: { clientCidrs: ["192.0.2.0/24"] } };
        assert.deepStrictEqual(crdProblems(securityPolicy, { spec: { ...policy.spec, authorization: { ...policy.spec.authorization, rules: [rule] } } }), [
            "spec.authorization.rules[0].principal.clientCidrs: unknown field (the API server would prune it)",
        ]);
        assert.deepStrictEqual(crdProblems(routeFilter, { spec: { directResponse: { status: 404 } } }), ["spec.directResponse.status: unknown field (the API server would prune it)"]);
        assert.deepStrictEqual(crdProblems(routeFilter, { spec: notFoundFilterSpec({ name: "x", namespace: "y" }).spec }), []);
    });
});

describe("exposure: Vault's metrics listener against the pinned chart", () => {
    const chart = YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, "test", "fixtures", "charts", "vault-0.34.1", "values.yaml"), "utf8"));
    /** Each `listener "tcp" { ... }` block of the HCL: its address port and whether metrics need no token. */
    const listeners = (hcl: string) =>
        [...hcl.matchAll(/^listener "tcp" \{\n([^]*?)^\}$/gm)].map((m) => ({
            port: Number(/address\s+= "\[::\]:(\d+)"/.exec(m[1])?.[1]),
            tokenlessMetrics: /telemetry \{\s*unauthenticated_metrics_access = true\s*\}/.test(m[1]),
        }));

    it("serves the API, what the chart's Services target, with a token only, and tokenless metrics on 8210, a port of the pods alone", () => {
        // vault-helm 0.34.1: every Service targets server.service.targetPort and 8201 (templates/server-*service.yaml).
        assert.strictEqual(chart.server.service.targetPort, 8200);
        const found = listeners(raftConfig({ replicas: 3, region: "eu-west-1", kmsKeyId: "k" }));
        assert.deepStrictEqual(found, [
            { port: 8200, tokenlessMetrics: false },
            { port: 8210, tokenlessMetrics: true },
        ]);
        assert.ok(![chart.server.service.targetPort, 8201].includes(found[1].port));
        // The container port the PodMonitor scrapes by name is that listener's.
        const values = vaultValues({ replicas: 3, region: "r", kmsKeyId: "k", version: "2.0.4", unsealRoleArn: "a", injector: false, storageClass: "gp3", storageSize: "1Gi", auditStorageSize: "1Gi", retainVolumes: false, zoneSpread: "ScheduleAnyway" });
        const monitor = SCRAPE_TARGETS.find((t) => t.name === "vault")!;
        assert.deepStrictEqual([values.server.extraPorts, monitor.kind, monitor.port], [[{ containerPort: 8210, name: "metrics" }], "PodMonitor", "metrics"]);
        // The chart has no Service port of its own to add one to: extraPorts is the statefulset's only.
        assert.strictEqual(chart.server.service.extraPorts, undefined);
    });
});

describe("exposure: Keycloak's admin name in every stack file's plan @stack", function () {
    this.timeout(120000);
    for (const stack of STACKS) {
        it(`stack ${stack}: the console and the master realm on sso-admin, where the provider and the master realm step log in, gated`, async () => {
            const plan = await committedPlan(stack);
            const domain = domainOf(stack);
            assert.deepStrictEqual(named(plan, "platform-sso-keycloak-server").inputs.spec.hostname, { hostname: `https://sso.${domain}`, admin: `https://sso-admin.${domain}`, strict: true, backchannelDynamic: false });
            const provider = named(plan, "platform-sso-realm-provider").inputs;
            assert.deepStrictEqual([provider.url, provider.adminUrl], [`https://sso-admin.${domain}`, `https://sso-admin.${domain}`]);
            const step = named(plan, "platform-sso-realm-master-defenses").inputs.environment;
            assert.deepStrictEqual([step.TOKEN_URL, step.REALM_URL], [`https://sso-admin.${domain}/realms/master/protocol/openid-connect/token`, `https://sso-admin.${domain}/admin/realms/master`]);
            assert.deepStrictEqual(JSON.parse(step.SETTINGS).attributes, { frontendUrl: `https://sso-admin.${domain}` });
            const gate = named(plan, "platform-sso-keycloak-admin-ready");
            assert.strictEqual(gate.inputs.environment.URL, `https://sso-admin.${domain}/admin/master/console/`);
            assert.deepStrictEqual(gate.dependsOn.map((u) => u.split("::").pop()), ["platform-sso-keycloak-server", "keycloak-sso-admin-route"]);
            // The provider (and the master realm step) take the URLs the gates hand on: they wait for both.
            const waited = named(plan, "platform-sso-realm-provider").dependencies.map((u) => u.split("::").pop());
            // After the master realm step too: a token issued before it moved the frontendUrl names an issuer the admin API refuses.
            assert.ok(waited.includes("platform-sso-keycloak-admin-ready") && waited.includes("platform-sso-realm-master-defenses"), waited.join(", "));
            assert.ok(!plan.resources.some((r) => r.name === "platform-sso-keycloak-ready"), "no gate polls the master realm on the public name");
            assert.ok(named(plan, "platform-sso-realm-master-defenses").dependencies.some((u) => u.endsWith("::platform-sso-keycloak-admin-ready")));
        });
    }
});

describe("exposure: the master realm's brute-force step, run with node against an HTTP server answering as Keycloak", function () {
    this.timeout(30000);
    interface Seen {
        method: string;
        url: string;
        headers: http.IncomingHttpHeaders;
        body: string;
    }

    /** The master realm as Keycloak's GET returns it: fields, and attributes other than the ones a field shows. */
    const REALM = { realm: "master", displayName: "Keycloak", offlineSessionMaxLifespan: 5184000, bruteForceProtected: false, attributes: { cibaInterval: "5", frontendUrl: "https://old.example" } };

    /** Runs the script against a server answering `token`, `read` and `update` with these statuses; returns what it saw. */
    async function run(statuses: { token: number; read?: number; update: number }, settings = '{"bruteForceProtected":true,"failureFactor":5}') {
        const seen: Seen[] = [];
        const server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => {
                seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
                if (req.url === "/realms/master/protocol/openid-connect/token") {
                    res.writeHead(statuses.token, { "content-type": "application/json" }).end(JSON.stringify({ access_token: "token-1", token_type: "Bearer" }));
                } else if (req.method === "GET") {
                    res.writeHead(statuses.read ?? 200, { "content-type": "application/json" }).end(JSON.stringify(REALM));
                } else res.writeHead(statuses.update).end();
            });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
        const env = {
            PATH: process.env.PATH,
            TOKEN_URL: `${base}/realms/master/protocol/openid-connect/token`,
            REALM_URL: `${base}/admin/realms/master`,
            ADMIN_USERNAME: "platform-bootstrap-admin",
            ADMIN_PASSWORD: "p&ss=word",
            SETTINGS: settings,
        };
        const child = spawn(process.execPath, ["-e", MASTER_REALM_SCRIPT], { env });
        let [stdout, stderr] = ["", ""];
        child.stdout.on("data", (c) => (stdout += c));
        child.stderr.on("data", (c) => (stderr += c));
        const code = await new Promise<number | null>((r) => child.on("close", r));
        server.close();
        return { code, stdout, stderr, seen, base };
    }

    it("logs in as admin-cli with the password grant, reads the master realm, and PUTs it back with the settings over it", async () => {
        const r = await run({ token: 200, update: 204 });
        assert.deepStrictEqual([r.code, r.stdout, r.stderr], [0, '{"bruteForceProtected":true,"failureFactor":5}', ""]);
        assert.deepStrictEqual(r.seen.map((s) => [s.method, s.url]), [["POST", "/realms/master/protocol/openid-connect/token"], ["GET", "/admin/realms/master"], ["PUT", "/admin/realms/master"]]);
        assert.deepStrictEqual(Object.fromEntries(new URLSearchParams(r.seen[0].body)), { grant_type: "password", client_id: "admin-cli", username: "platform-bootstrap-admin", password: "p&ss=word" });
        assert.strictEqual(r.seen[0].headers["content-type"], "application/x-www-form-urlencoded;charset=UTF-8");
        assert.strictEqual(r.seen[1].headers.authorization, "Bearer token-1");
        assert.deepStrictEqual([r.seen[2].headers.authorization, r.seen[2].headers["content-type"]], ["Bearer token-1", "application/json"]);
        assert.deepStrictEqual(JSON.parse(r.seen[2].body), { ...REALM, bruteForceProtected: true, failureFactor: 5 });
    });

    it("sets the frontendUrl and keeps the realm's other attributes and fields (Keycloak drops attributes a PUT leaves out)", async () => {
        const r = await run({ token: 200, update: 204 }, JSON.stringify(masterRealmSettings("https://sso-admin.acme.example")));
        assert.strictEqual(r.code, 0, r.stderr);
        const body = JSON.parse(r.seen[2].body);
        assert.deepStrictEqual(body.attributes, { cibaInterval: "5", frontendUrl: "https://sso-admin.acme.example" });
        assert.deepStrictEqual([body.displayName, body.offlineSessionMaxLifespan, body.bruteForceProtected, body.failureFactor], ["Keycloak", 5184000, true, 5]);
    });

    it("fails, naming the step and the status, when the login or the update is refused", async () => {
        const login = await run({ token: 401, update: 204 });
        assert.deepStrictEqual([login.code, login.stderr.trim(), login.seen.length], [1, `master realm: login at ${login.base}/realms/master/protocol/openid-connect/token failed (HTTP 401)`, 1]);
        const read = await run({ token: 200, read: 401, update: 204 });
        assert.deepStrictEqual([read.code, read.stderr.trim(), read.seen.length], [1, `master realm: GET ${read.base}/admin/realms/master failed (HTTP 401)`, 2]);
        const update = await run({ token: 200, update: 403 });
        assert.deepStrictEqual([update.code, update.stderr.trim()], [1, `master realm: PUT ${update.base}/admin/realms/master failed (HTTP 403)`]);
    });
});
