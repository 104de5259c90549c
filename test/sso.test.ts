import * as assert from "assert";
import * as path from "path";
import { crdProblems, readCrdSchema } from "../plan/crd-contract";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";
import { keycloakDisruptionBudget, keycloakSpec, operatorKustomization } from "../components/sso/keycloak-spec";
import { eksOidcConfig } from "../components/sso/logins";
import { groupMapping, passwordPolicy, platformClients, realmEvents, realmSecurity } from "../components/sso/realm-settings";
import { inputs, named, ofType } from "./helpers";
import { describeStacks } from "./plans";

const KEYCLOAK_CRD = path.join(PROJECT_DIR, "test", "fixtures", "crds", "keycloak-26.0.0", "keycloaks.k8s.keycloak.org-v1.yml");
const cfgOf = (stack: string) => parsePlatformConfig(readStackConfig(PROJECT_DIR, stack).config, "platform");
const DB = { host: "db.example", port: 5432, name: "keycloak", poolMaxSize: 50 };

describe("sso: realm, client and server decisions", () => {
    it("builds the password policy from the minimum length, with every class and no reuse", () => {
        assert.strictEqual(
            passwordPolicy(16),
            "length(16) and upperCase(1) and lowerCase(1) and digits(1) and specialChars(1) and notUsername and notEmail and passwordHistory(5)",
        );
    });

    it("requires TLS everywhere, no self-registration, brute-force lockout, lifetimes from config", () => {
        const r = realmSecurity({ name: "platform", accessTokenLifespan: "5m", ssoSessionIdleTimeout: "30m", ssoSessionMaxLifespan: "10h", passwordMinLength: 14, eventsRetention: "168h" });
        assert.deepStrictEqual(
            [r.realm, r.sslRequired, r.registrationAllowed, r.editUsernameAllowed, r.revokeRefreshToken, r.accessTokenLifespan, r.ssoSessionIdleTimeout, r.ssoSessionMaxLifespan],
            ["platform", "all", false, false, true, "5m", "30m", "10h"],
        );
        assert.deepStrictEqual(r.securityDefenses.bruteForceDetection, {
            permanentLockout: false,
            maxLoginFailures: 5,
            waitIncrementSeconds: 60,
            maxFailureWaitSeconds: 900,
            failureResetTimeSeconds: 43200,
            quickLoginCheckMilliSeconds: 1000,
            minimumQuickLoginWaitSeconds: 60,
        });
        assert.ok(r.passwordPolicy.startsWith("length(14) "));
    });

    it("keeps login and admin events (with details) for the configured time, logged for collection", () => {
        assert.deepStrictEqual(realmEvents({ eventsRetention: "2160h" } as never), {
            eventsEnabled: true,
            eventsExpiration: 7776000,
            eventsListeners: ["jboss-logging"],
            adminEventsEnabled: true,
            adminEventsDetailsEnabled: true,
        });
    });

    it("gives each platform client exact redirect URIs: kubelogin's local ports, Grafana's and Vault's callbacks", () => {
        const clients = Object.fromEntries(platformClients("platform.acme.example", "https://vault.platform.acme.example").map((c) => [c.clientId, c]));
        assert.deepStrictEqual(Object.keys(clients), ["kubernetes", "grafana", "argocd", "vault"]);
        // Argo CD: public with PKCE (its UI finishes the flow in the browser), its callback, PKCE page and CLI port only.
        assert.deepStrictEqual(
            [clients.argocd.accessType, clients.argocd.validRedirectUris, clients.argocd.webOrigins],
            ["PUBLIC", ["https://argocd.platform.acme.example/auth/callback", "https://argocd.platform.acme.example/pkce/verify", "http://localhost:8085/auth/callback"], ["https://argocd.platform.acme.example"]],
        );
        assert.deepStrictEqual([clients.kubernetes.accessType, clients.kubernetes.validRedirectUris], ["PUBLIC", ["http://localhost:8000", "http://localhost:18000"]]);
        assert.deepStrictEqual(
            [clients.grafana.accessType, clients.grafana.validRedirectUris, clients.grafana.webOrigins],
            ["CONFIDENTIAL", ["https://grafana.platform.acme.example/login/generic_oauth"], ["https://grafana.platform.acme.example"]],
        );
        assert.deepStrictEqual(
            [clients.vault.accessType, clients.vault.validRedirectUris],
            ["CONFIDENTIAL", ["https://vault.platform.acme.example/ui/vault/auth/oidc/oidc/callback", "http://localhost:8250/oidc/callback"]],
        );
        for (const c of Object.values(clients)) assert.ok(c.validRedirectUris.every((u) => !u.includes("*")), `${c.clientId} has a wildcard redirect`);
    });

    it("maps a brokered group with Keycloak's advanced claim (OIDC) or attribute (SAML) mapper", () => {
        const base = { alias: "corp", displayName: "Corp", groupsClaim: "memberOf", groupMappings: [] };
        const mapping = { from: "corp-admins", to: "platform-admins" as const };
        assert.deepStrictEqual(groupMapping({ ...base, type: "Oidc" }, mapping), {
            identityProviderMapper: "oidc-advanced-group-idp-mapper",
            extraConfig: { syncMode: "FORCE", claims: '[{"key":"memberOf","value":"corp-admins"}]', "are.claim.values.regex": "false", group: "/platform-admins" },
        });
        assert.deepStrictEqual(groupMapping({ ...base, type: "Saml" }, mapping), {
            identityProviderMapper: "saml-advanced-group-idp-mapper",
            extraConfig: { syncMode: "FORCE", attributes: '[{"key":"memberOf","value":"corp-admins"}]', "are.attribute.values.regex": "false", group: "/platform-admins" },
        });
    });

    it("runs the pinned image behind the proxy, TLS only, no operator Ingress, the bootstrap admin from its Secret", () => {
        const spec = keycloakSpec({ settings: { version: "26.7.3", instances: 2, zoneSpread: "DoNotSchedule" }, publicUrl: "https://sso.acme.example", adminUrl: "https://sso-admin.acme.example", database: DB });
        // The operator's own image: a custom one would start --optimized and ignore db, health and metrics.
        assert.ok(!("image" in spec), "spec.image set");
        assert.deepStrictEqual(
            [spec.instances, spec.hostname, spec.proxy, spec.http, spec.ingress, spec.bootstrapAdmin],
            [
                2,
                { hostname: "https://sso.acme.example", admin: "https://sso-admin.acme.example", strict: true, backchannelDynamic: false },
                { headers: "xforwarded" },
                { tlsSecret: "keycloak-server-tls", httpEnabled: false },
                { enabled: false },
                { user: { secret: "keycloak-bootstrap-admin" } },
            ],
        );
        assert.deepStrictEqual(spec.db, {
            vendor: "postgres",
            host: "db.example",
            port: 5432,
            database: "keycloak",
            usernameSecret: { name: "keycloak-db", key: "username" },
            passwordSecret: { name: "keycloak-db", key: "password" },
            // The pool the caller computed from the class and the instances, not Keycloak's default of 100.
            poolMaxSize: 50,
        });
        assert.deepStrictEqual(spec.scheduling.topologySpreadConstraints, [
            {
                maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone",
                whenUnsatisfiable: "DoNotSchedule",
                labelSelector: { matchLabels: { app: "keycloak", "app.kubernetes.io/managed-by": "keycloak-operator", "app.kubernetes.io/instance": "keycloak" } },
            },
        ]);
        assert.deepStrictEqual(spec.additionalOptions, [
            { name: "db-url-properties", value: "?sslmode=require" },
            { name: "log-console-output", value: "json" },
            { name: "metrics-enabled", value: "true" },
            { name: "spi-events-listener--jboss-logging--success-level", value: "info" },
        ]);
    });

    it("has a disruption budget of one only with several instances (one would block every drain)", () => {
        assert.strictEqual(keycloakDisruptionBudget("keycloak", 1), undefined);
        assert.deepStrictEqual(keycloakDisruptionBudget("keycloak", 3)?.spec, {
            maxUnavailable: 1,
            selector: { matchLabels: { app: "keycloak", "app.kubernetes.io/managed-by": "keycloak-operator", "app.kubernetes.io/instance": "keycloak" } },
        });
    });

    it("installs the operator from its release's kustomization", () => {
        assert.strictEqual(operatorKustomization("26.7.3"), "https://github.com/keycloak/keycloak-k8s-resources/tree/26.7.3/kubernetes");
    });

    it("configures EKS with the realm issuer, the kubectl client, the groups claim and an oidc: prefix", () => {
        assert.deepStrictEqual(eksOidcConfig("https://sso.acme.example/realms/platform", "kubernetes"), {
            identityProviderConfigName: "keycloak",
            issuerUrl: "https://sso.acme.example/realms/platform",
            clientId: "kubernetes",
            usernameClaim: "preferred_username",
            usernamePrefix: "oidc:",
            groupsClaim: "groups",
            groupsPrefix: "oidc:",
        });
    });
});

/**
 * Fields the spec sets that came after the 26.0 fixture: `networkPolicy` (KeycloakSpec's NetworkPolicySpec in
 * keycloak/keycloak operator/…/crds/v2alpha1/deployment/KeycloakSpec.java, next to `tracing`; the operator the
 * platform installs, 26.7.3, serves it). Not type-checked here.
 */
const NEWER_THAN_FIXTURE = ["spec.networkPolicy"];
const problemsOf = (schema: ReturnType<typeof readCrdSchema>, o: object) => crdProblems(schema, o).filter((p) => !NEWER_THAN_FIXTURE.some((f) => p === `${f}: unknown field (the API server would prune it)`));

describe("sso: the Keycloak CR against the operator's CRD (fields since 26.0; the CRD schema only grows within v2alpha1)", () => {
    const schema = readCrdSchema(KEYCLOAK_CRD, "v2alpha1");

    for (const stack of ["dev", "prod"]) {
        it(`stack ${stack}: every field the spec sets exists with its type`, () => {
            const cfg = cfgOf(stack);
            const spec = keycloakSpec({ settings: cfg.sso.keycloak, publicUrl: `https://sso.${cfg.ingress.domain}`, adminUrl: `https://sso-admin.${cfg.ingress.domain}`, database: DB });
            assert.deepStrictEqual(problemsOf(schema, { spec }), []);
        });
    }

    it("catches a misspelt or mistyped field (the check can fail)", () => {
        const spec = keycloakSpec({ settings: { version: "26.7.3", instances: 1, zoneSpread: "ScheduleAnyway" }, publicUrl: "https://sso.x", adminUrl: "https://sso-admin.x", database: DB });
        const broken = { spec: { ...spec, hostnme: {}, instances: "2", http: { ...spec.http, tlsSecretName: "x" } } };
        assert.deepStrictEqual(problemsOf(schema, broken).sort(), ["spec.hostnme: unknown field (the API server would prune it)", "spec.http.tlsSecretName: unknown field (the API server would prune it)", "spec.instances: expected integer, got string"]);
    });
});

describeStacks((stack) => `sso: Keycloak and the realm in stack ${stack}`, "platform-sso", ({ stack, production, plan, res }) => {
    const domain = production ? "platform.acme.example" : "dev.platform.acme.example";
    const issuer = `https://sso.${domain}/realms/platform`;
    const server = () => named(res(), "platform-sso-keycloak-server");

    it("installs the pinned operator release into the keycloak namespace, then the Keycloak CR that waits for Ready", () => {
        const operator = named(res(), "platform-sso-keycloak-operator");
        assert.deepStrictEqual(inputs(operator), { directory: "https://github.com/keycloak/keycloak-k8s-resources/tree/26.7.3/kubernetes", namespace: "keycloak" });
        const cr = inputs(server());
        assert.deepStrictEqual([cr.kind, cr.metadata.name, cr.metadata.namespace, cr.metadata.annotations], ["Keycloak", "keycloak", "keycloak", { "pulumi.com/waitFor": "condition=Ready" }]);
        assert.deepStrictEqual(server().customTimeouts, { create: "20m", update: "20m" });
        for (const dep of [operator, named(res(), "platform-sso-keycloak-server-certificate"), named(res(), "platform-sso-keycloak-db-credentials"), named(res(), "platform-sso-keycloak-admin-credentials")]) {
            assert.ok(server().dependsOn.includes(dep.urn), `the CR does not wait for ${dep.name}`);
        }
        const ns = inputs(named(res(), "platform-sso-keycloak-namespace")).metadata;
        assert.deepStrictEqual([ns.name, ns.labels["pod-security.kubernetes.io/enforce"], ns.labels["platform.io/namespace-role"]], ["keycloak", "baseline", "platform"]);
    });

    it("runs one instance in dev and two spread over zones with a disruption budget in prod, on the RDS database", () => {
        const spec = inputs(server()).spec;
        assert.deepStrictEqual(
            [spec.instances, spec.scheduling.topologySpreadConstraints[0].whenUnsatisfiable, spec.hostname.hostname, spec.db.host],
            [production ? 2 : 1, production ? "DoNotSchedule" : "ScheduleAnyway", `https://sso.${domain}`, "platform-sso-database-instance.offlineplan.eu-west-1.rds.amazonaws.com"],
        );
        const budgets = ofType(res(), "kubernetes:policy/v1:PodDisruptionBudget");
        assert.deepStrictEqual(budgets.map((b) => inputs(b).spec.maxUnavailable), production ? [1] : []);
    });

    it("hands Keycloak its credentials as Secrets held secret, and no generated password appears in plaintext anywhere", () => {
        for (const [name, secretName] of [["platform-sso-keycloak-db-credentials", "keycloak-db"], ["platform-sso-keycloak-admin-credentials", "keycloak-bootstrap-admin"]]) {
            const secret = named(res(), name);
            assert.deepStrictEqual([inputs(secret).metadata.name, inputs(secret).stringData, secret.secretPaths], [secretName, "[secret]", ["stringData"]]);
        }
        const everything = JSON.stringify({ outputs: plan().outputs, inputs: plan().resources.map((r) => r.inputs) });
        assert.doesNotMatch(everything, /offline-plan-password-/);
    });

    it("publishes sso.<domain> to the operator's HTTPS Service, verified with the layer's own CA", () => {
        const route = inputs(ofType(res(), "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute")[0]);
        assert.deepStrictEqual(route.spec.hostnames, [`sso.${domain}`]);
        assert.deepStrictEqual(route.spec.rules[0].backendRefs, [{ name: "keycloak-service", port: 8443 }]);
        const tls = inputs(ofType(res(), "kubernetes:gateway.networking.k8s.io/v1:BackendTLSPolicy")[0]).spec;
        assert.deepStrictEqual(tls.validation, { caCertificateRefs: [{ group: "", kind: "Secret", name: "keycloak-server-tls" }], hostname: "keycloak-service.keycloak.svc" });
        const cert = inputs(named(res(), "platform-sso-keycloak-server-certificate")).spec;
        assert.deepStrictEqual([cert.secretName, cert.issuerRef.name, cert.dnsNames[2]], ["keycloak-server-tls", "keycloak-ca", "keycloak-service.keycloak.svc"]);
    });

    it("configures the realm through a provider that logs in on sso-admin, once it answers from the runner and the master realm step ran", () => {
        const provider = named(res(), "platform-sso-realm-provider");
        assert.deepStrictEqual([inputs(provider).url, inputs(provider).realm, inputs(provider).username, inputs(provider).password], [`https://sso-admin.${domain}`, "master", "platform-bootstrap-admin", "[secret]"]);
        const gate = named(res(), "platform-sso-keycloak-admin-ready");
        const step = named(res(), "platform-sso-realm-master-defenses");
        for (const before of [gate, step]) assert.ok(provider.dependencies.includes(before.urn), `provider does not wait for ${before.name}`);
        assert.deepStrictEqual([inputs(gate).interpreter, inputs(gate).environment], [["node", "-e"], { URL: `https://sso-admin.${domain}/admin/master/console/`, TIMEOUT_SECONDS: "900" }]);
        const route = ofType(res(), "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute")[0];
        // DNS is published while Keycloak starts: the route does not wait for the server.
        assert.ok(!route.dependsOn.includes(server().urn));
        for (const r of res().filter((x) => x.type.startsWith("keycloak:") && x.custom)) assert.strictEqual(r.provider, provider.urn, r.name);
    });

    it("serves the master realm on sso.<domain> as a 404 from the gateway", () => {
        const route = inputs(named(res(), "keycloak-sso-route")).spec;
        assert.deepStrictEqual(route.rules.map((r: any) => [r.matches.map((m: any) => m.path.value), r.backendRefs ? "keycloak" : r.filters[0].extensionRef.name]), [
            [["/realms", "/resources", "/.well-known"], "keycloak"],
            [["/realms/master"], "sso-not-found"],
        ]);
        assert.deepStrictEqual(inputs(named(res(), "keycloak-sso-not-found")).spec, { directResponse: { statusCode: 404 } });
    });

    it("opens the realm's consumers only once its issuer answers on the public name", () => {
        const gate = named(res(), "platform-sso-realm-issuer-ready");
        assert.deepStrictEqual(inputs(gate).environment, { URL: `https://sso.${domain}/realms/platform`, TIMEOUT_SECONDS: "900" });
        assert.ok(gate.dependsOn.includes(named(res(), "platform-sso-realm-realm").urn));
    });

    it("secures the realm (TLS, brute force, events) with the stack's lifetimes, protected in production", () => {
        const realm = named(res(), "platform-sso-realm-realm");
        const r = inputs(realm);
        assert.deepStrictEqual([r.realm, r.sslRequired, r.accessTokenLifespan, r.ssoSessionIdleTimeout, r.ssoSessionMaxLifespan], ["platform", "all", "5m", production ? "30m" : "2h", "10h"]);
        assert.strictEqual(r.securityDefenses.bruteForceDetection.maxLoginFailures, 5);
        assert.strictEqual(realm.protect, production);
        const events = inputs(named(res(), "platform-sso-realm-events"));
        assert.deepStrictEqual([events.eventsEnabled, events.adminEventsEnabled, events.eventsExpiration], [true, true, production ? 7776000 : 604800]);
    });

    it("has the platform groups and a groups scope every client gets by default (with `basic`, which carries sub)", () => {
        assert.deepStrictEqual(ofType(res(), "keycloak:index/group:Group").map((g) => inputs(g).name).filter((n: string) => n.startsWith("platform-")).sort(), ["platform-admins", "platform-viewers"]);
        const mapper = inputs(ofType(res(), "keycloak:openid/groupMembershipProtocolMapper:GroupMembershipProtocolMapper")[0]);
        assert.deepStrictEqual([mapper.claimName, mapper.fullPath, mapper.addToIdToken, mapper.clientScopeId], ["groups", false, true, "platform-sso-realm-groups-scope-id"]);
        const scopes = ofType(res(), "keycloak:openid/clientDefaultScopes:ClientDefaultScopes");
        assert.strictEqual(scopes.length, 4);
        for (const s of scopes) assert.deepStrictEqual(inputs(s).defaultScopes, ["basic", "profile", "email", "roles", "web-origins", "acr", "groups"]);
    });

    it("creates the kubectl client public with PKCE and the Grafana and Vault clients confidential with secret secrets", () => {
        const client = (id: string) => named(res(), `platform-sso-realm-client-${id}`);
        for (const id of ["kubernetes", "argocd"]) {
            assert.deepStrictEqual([inputs(client(id)).accessType, inputs(client(id)).pkceCodeChallengeMethod, inputs(client(id)).clientSecret], ["PUBLIC", "S256", undefined]);
        }
        for (const id of ["grafana", "vault"]) {
            assert.deepStrictEqual([inputs(client(id)).accessType, inputs(client(id)).clientSecret, inputs(client(id)).directAccessGrantsEnabled], ["CONFIDENTIAL", "[secret]", false]);
        }
        assert.deepStrictEqual(
            ["kubernetes", "grafana", "vault"].map((id) => inputs(client(id)).validRedirectUris),
            [
                ["http://localhost:8000", "http://localhost:18000"],
                [`https://grafana.${domain}/login/generic_oauth`],
                [`https://vault.${domain}/ui/vault/auth/oidc/oidc/callback`, "http://localhost:8250/oidc/callback"],
            ],
        );
    });

    it("associates the realm with EKS (after the realm, deleted before replaced) and binds the oidc: groups", () => {
        const idp = named(res(), "platform-sso-cluster-login-identity-provider");
        assert.deepStrictEqual(inputs(idp).oidc, {
            identityProviderConfigName: "keycloak",
            issuerUrl: issuer,
            clientId: "kubernetes",
            usernameClaim: "preferred_username",
            usernamePrefix: "oidc:",
            groupsClaim: "groups",
            groupsPrefix: "oidc:",
        });
        assert.strictEqual(inputs(idp).clusterName, `acme-${stack}`);
        assert.ok(idp.deleteBeforeReplace);
        assert.ok(idp.dependsOn.includes(named(res(), "platform-sso-realm-realm").urn));
        const bindings = ofType(res(), "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").map((b) => inputs(b));
        assert.deepStrictEqual(
            bindings.map((b) => [b.subjects[0].name, b.roleRef.name]).sort(),
            [["oidc:platform-admins", "cluster-admin"], ["oidc:platform-viewers", "view"]],
        );
    });

    it("lets people log in to Vault through the realm: viewers get auditor, admins platform-admin", () => {
        const backend = ofType(plan().resources, "vault:jwt/authBackend:AuthBackend");
        assert.strictEqual(backend.length, 1);
        const b = inputs(backend[0]);
        assert.deepStrictEqual([b.type, b.path, b.oidcDiscoveryUrl, b.boundIssuer, b.oidcClientId, b.oidcClientSecret, b.defaultRole], ["oidc", "oidc", issuer, issuer, "vault", "[secret]", "platform-viewer"]);
        const roles = ofType(plan().resources, "vault:jwt/authBackendRole:AuthBackendRole").map((r) => inputs(r));
        assert.deepStrictEqual(
            roles.map((r) => [r.roleName, r.boundClaims, r.tokenPolicies, r.boundAudiences]),
            [["platform-viewer", { groups: "platform-viewers" }, ["auditor"], ["vault"]], ["platform-admin", { groups: "platform-admins" }, ["platform-admin"], ["vault"]]],
        );
        assert.deepStrictEqual(roles[0].allowedRedirectUris, [`https://vault.${domain}/ui/vault/auth/oidc/oidc/callback`, "http://localhost:8250/oidc/callback"]);
        const realm = named(res(), "platform-sso-realm-realm").urn;
        assert.ok(backend[0].dependsOn.includes(realm), "Vault reads the issuer's discovery document when the mount is written");
    });

    it("exports the SSO contract, the admin password's secret by ARN only", () => {
        const o = plan().outputs;
        assert.deepStrictEqual([o.ssoUrl, o.ssoIssuerUrl, o.kubectlOidcClientId, o.ssoAdminUsername], [`https://sso.${domain}`, issuer, "kubernetes", "platform-bootstrap-admin"]);
        assert.match(String(o.ssoAdminSecretArn), /^arn:aws:secretsmanager:eu-west-1:\d{12}:secret/);
        assert.ok(!plan().secretOutputs.includes("ssoAdminSecretArn") && !("ssoAdminPassword" in o));
    });
});
