// What the first exact mutation run of the SSO layer showed no test pinned (reports/mutation/SCORES.md): the
// production plan's database, Keycloak objects, realm, clients and cluster login in full.
import * as assert from "assert";
import { planStack, PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { inputs, named, ofType } from "./helpers";
import { committedPlan, describePlan } from "./plans";

const SECRET = "[secret]";

describePlan("sso details: the production plan in full", "prod", ({ res, the, urn }) => {

    it("keeps Keycloak's database on its own rotated key, in the isolated subnets, reachable from the nodes only", () => {
        assert.deepStrictEqual(the("platform-sso-database-key"), {
            deletionWindowInDays: 30,
            description: "Keycloak database of acme-prod",
            enableKeyRotation: true,
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Sid: "AccountAdministration", Effect: "Allow", Principal: { AWS: "arn:aws:iam::222222222222:root" }, Action: "kms:*", Resource: "*" }],
            }),
        });
        assert.deepStrictEqual(the("platform-sso-database-key-alias"), { name: "alias/acme-prod-keycloak-db", targetKeyId: "key-platform-sso-database-key" });
        assert.deepStrictEqual(the("platform-sso-database-subnets"), {
            description: "Managed by Pulumi",
            namePrefix: "acme-prod-keycloak-",
            subnetIds: ["a", "b", "c"].map((z) => `platform-network-isolated-eu-west-1${z}-id`),
        });
        assert.deepStrictEqual(the("platform-sso-database-sg"), { description: "Keycloak database: PostgreSQL from the cluster's nodes only", namePrefix: "acme-prod-keycloak-db-", vpcId: "platform-network-vpc-id" });
        assert.deepStrictEqual(the("platform-sso-database-from-nodes"), {
            description: "PostgreSQL from the cluster's nodes",
            fromPort: 5432,
            toPort: 5432,
            ipProtocol: "tcp",
            referencedSecurityGroupId: "sg-acme-prod-cluster",
            securityGroupId: "platform-sso-database-sg-id",
        });
        assert.deepStrictEqual(the("platform-sso-database-parameters"), {
            description: "Keycloak database: TLS only",
            family: "postgres17",
            namePrefix: "acme-prod-keycloak-",
            parameters: [{ applyMethod: "pending-reboot", name: "rds.force_ssl", value: "1" }, { applyMethod: "pending-reboot", name: "max_connections", value: "168" }],
        });
        // Letters and digits only: the password goes into a JDBC URL's Secret untouched.
        assert.deepStrictEqual(the("platform-sso-database-password"), { length: 40, special: false });
    });

    it("runs the instance encrypted, Multi-AZ, monitored, protected, with a final snapshot per generation and tags copied to it", () => {
        const key = "arn:aws:kms:eu-west-1:222222222222:key/platform-sso-database-key";
        // The offline plan's hex for the RandomId (a stable fake; the provider draws 4 random bytes).
        assert.deepStrictEqual(the("platform-sso-database-final-snapshot-suffix"), { byteLength: 4 });
        assert.deepStrictEqual(the("platform-sso-database-instance"), {
            allocatedStorage: 50,
            allowMajorVersionUpgrade: true,
            autoMinorVersionUpgrade: true,
            backupRetentionPeriod: 14,
            copyTagsToSnapshot: true,
            dbName: "keycloak",
            dbSubnetGroupName: "platform-sso-database-subnets",
            deletionProtection: true,
            engine: "postgres",
            engineVersion: "17",
            finalSnapshotIdentifier: "acme-prod-keycloak-final-4b4c4d4e",
            identifierPrefix: "acme-prod-keycloak-",
            instanceClass: "db.t4g.small",
            kmsKeyId: key,
            monitoringInterval: 60,
            monitoringRoleArn: "arn:aws:iam::222222222222:role/platform-sso-database-monitoring",
            multiAz: true,
            parameterGroupName: "platform-sso-database-parameters",
            password: SECRET,
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: key,
            publiclyAccessible: false,
            skipFinalSnapshot: false,
            storageEncrypted: true,
            storageType: "gp3",
            username: "keycloak",
            vpcSecurityGroupIds: ["platform-sso-database-sg-id"],
        });
        assert.deepStrictEqual(the("platform-sso-database-monitoring"), {
            description: "RDS enhanced monitoring of the Keycloak database",
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "monitoring.rds.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": "222222222222" } } }],
            }),
        });
        assert.deepStrictEqual(the("platform-sso-database-monitoring-policy"), {
            policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
            role: "platform-sso-database-monitoring",
        });
    });

    it("creates the operator, the credentials and the disruption budget in the namespace, the credentials as basic-auth Secrets held secret", () => {
        const namespace = urn("platform-sso-keycloak-namespace");
        for (const name of ["operator", "admin-credentials", "db-credentials", "disruption-budget"]) {
            assert.deepStrictEqual(res(`platform-sso-keycloak-${name}`).dependsOn, [namespace], name);
        }
        for (const [role, secretName] of [["admin-credentials", "keycloak-bootstrap-admin"], ["db-credentials", "keycloak-db"]]) {
            assert.deepStrictEqual(the(`platform-sso-keycloak-${role}`), {
                apiVersion: "v1",
                kind: "Secret",
                metadata: { name: secretName, namespace: "keycloak" },
                type: "kubernetes.io/basic-auth",
                stringData: SECRET,
            });
        }
        assert.deepStrictEqual(the("platform-sso-keycloak-admin-password"), { length: 32, special: false });
        assert.deepStrictEqual(the("platform-sso-keycloak-disruption-budget"), {
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: { name: "keycloak", namespace: "keycloak" },
            spec: { maxUnavailable: 1, selector: { matchLabels: { app: "keycloak", "app.kubernetes.io/instance": "keycloak", "app.kubernetes.io/managed-by": "keycloak-operator" } } },
        });
    });

    it("serves Keycloak on its own CA's certificate for the in-cluster names, renewed a month before its 90 days end", () => {
        const dnsNames = ["keycloak-service", "keycloak-service.keycloak", "keycloak-service.keycloak.svc", "keycloak-service.keycloak.svc.cluster.local"];
        assert.deepStrictEqual(the("platform-sso-keycloak-root-issuer").spec, { selfSigned: {} });
        assert.deepStrictEqual(the("platform-sso-keycloak-root-issuer").metadata, { name: "keycloak-root", namespace: "keycloak" });
        assert.deepStrictEqual(the("platform-sso-keycloak-ca-certificate").spec, {
            commonName: "Keycloak internal CA",
            duration: "87600h",
            isCA: true,
            issuerRef: { group: "cert-manager.io", kind: "Issuer", name: "keycloak-root" },
            privateKey: { algorithm: "ECDSA", size: 256 },
            secretName: "keycloak-ca",
            usages: ["digital signature", "key encipherment", "cert sign"],
        });
        assert.deepStrictEqual(the("platform-sso-keycloak-ca-issuer").spec, { ca: { secretName: "keycloak-ca" } });
        assert.deepStrictEqual(the("platform-sso-keycloak-server-certificate").spec, {
            dnsNames,
            duration: "2160h",
            renewBefore: "720h",
            issuerRef: { group: "cert-manager.io", kind: "Issuer", name: "keycloak-ca" },
            privateKey: { algorithm: "ECDSA", rotationPolicy: "Always", size: 256 },
            secretName: "keycloak-server-tls",
            usages: ["digital signature", "key encipherment", "server auth", "client auth"],
        });
        // approver-policy admits exactly these requests (the policies are named after the layer's policyName).
        assert.deepStrictEqual(the("platform-sso-keycloak-servers-certificate-policy").spec.allowed.dnsNames, { required: true, values: dnsNames });
        assert.deepStrictEqual(the("platform-sso-keycloak-ca-certificate-policy").metadata, { name: "keycloak-ca" });
        assert.deepStrictEqual(the("platform-sso-keycloak-servers-certificate-policy").metadata, { name: "keycloak-servers" });
    });

    it("runs the Keycloak CR of the pinned API with sized resources, and publishes its route while Keycloak starts", () => {
        const server = the("platform-sso-keycloak-server");
        assert.deepStrictEqual([server.apiVersion, server.kind], ["k8s.keycloak.org/v2alpha1", "Keycloak"]);
        assert.deepStrictEqual(server.spec.resources, { requests: { cpu: "500m", memory: "1250Mi" }, limits: { memory: "2Gi" } });
        const route = res("keycloak-sso-route");
        for (const before of ["platform-sso-keycloak-namespace", "platform-sso-keycloak-server-certificate"]) assert.ok(route.dependsOn.includes(urn(before)), before);
        assert.ok(!route.dependencies.includes(urn("platform-sso-keycloak-server")), "the route does not wait for Keycloak");
    });

    it("configures the realm as the master realm's admin-cli, with the platform's display name", () => {
        assert.deepStrictEqual(the("platform-sso-realm-provider"), {
            adminUrl: "https://sso-admin.platform.acme.example",
            clientId: "admin-cli",
            clientTimeout: "5",
            password: SECRET,
            realm: "master",
            url: "https://sso-admin.platform.acme.example",
            username: "platform-bootstrap-admin",
        });
        const realm = the("platform-sso-realm-realm");
        assert.deepStrictEqual(
            [realm.displayName, realm.enabled, realm.duplicateEmailsAllowed, realm.loginWithEmailAllowed, realm.resetPasswordAllowed, realm.rememberMe, realm.editUsernameAllowed, realm.registrationAllowed],
            ["Platform (platform.acme.example)", true, false, true, false, false, false, false],
        );
    });

    it("puts the groups claim in tokens, ID tokens, access tokens and userinfo, by group name", () => {
        assert.deepStrictEqual(the("platform-sso-realm-groups-scope"), {
            description: "The user's groups, as the groups claim",
            includeInTokenScope: true,
            name: "groups",
            realmId: "platform-sso-realm-realm-id",
        });
        assert.deepStrictEqual(the("platform-sso-realm-groups-mapper"), {
            addToAccessToken: true,
            addToIdToken: true,
            addToUserinfo: true,
            claimName: "groups",
            clientScopeId: "platform-sso-realm-groups-scope-id",
            fullPath: false,
            name: "groups",
            realmId: "platform-sso-realm-realm-id",
        });
    });

    it("gives every client the code flow only, no service account, no full scope, and exact logout targets and origins", () => {
        const common = {
            directAccessGrantsEnabled: false,
            fullScopeAllowed: false,
            implicitFlowEnabled: false,
            pkceCodeChallengeMethod: "S256",
            realmId: "platform-sso-realm-realm-id",
            serviceAccountsEnabled: false,
            standardFlowEnabled: true,
        };
        const domain = "platform.acme.example";
        assert.deepStrictEqual(the("platform-sso-realm-client-kubernetes"), {
            ...common,
            accessType: "PUBLIC",
            clientId: "kubernetes",
            name: "Kubernetes (kubectl oidc-login)",
            validPostLogoutRedirectUris: [],
            validRedirectUris: ["http://localhost:8000", "http://localhost:18000"],
            webOrigins: [],
        });
        assert.deepStrictEqual(the("platform-sso-realm-client-argocd"), {
            ...common,
            accessType: "PUBLIC",
            clientId: "argocd",
            name: "Argo CD",
            validPostLogoutRedirectUris: [`https://argocd.${domain}/applications`],
            validRedirectUris: [`https://argocd.${domain}/auth/callback`, `https://argocd.${domain}/pkce/verify`, "http://localhost:8085/auth/callback"],
            webOrigins: [`https://argocd.${domain}`],
        });
        assert.deepStrictEqual(the("platform-sso-realm-client-grafana"), {
            ...common,
            accessType: "CONFIDENTIAL",
            clientId: "grafana",
            clientSecret: SECRET,
            name: "Grafana",
            validPostLogoutRedirectUris: [`https://grafana.${domain}/login`],
            validRedirectUris: [`https://grafana.${domain}/login/generic_oauth`],
            webOrigins: [`https://grafana.${domain}`],
        });
        assert.deepStrictEqual(the("platform-sso-realm-client-vault"), {
            ...common,
            accessType: "CONFIDENTIAL",
            clientId: "vault",
            clientSecret: SECRET,
            name: "Vault",
            validPostLogoutRedirectUris: [],
            validRedirectUris: [`https://vault.${domain}/ui/vault/auth/oidc/oidc/callback`, "http://localhost:8250/oidc/callback"],
            webOrigins: [`https://vault.${domain}`],
        });
        for (const client of ["grafana", "vault"]) assert.deepStrictEqual(the(`platform-sso-realm-client-${client}-secret`), { length: 48, special: false }, client);
    });

    it("associates the realm with EKS with 40-minute timeouts, and binds the oidc: platform groups", () => {
        assert.deepStrictEqual(res("platform-sso-cluster-login-identity-provider").customTimeouts, { create: "40m", update: "40m", delete: "40m" });
        const binding = (group: string, clusterRole: string) => ({
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: `oidc-${group}` },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: `oidc:${group}` }],
        });
        assert.deepStrictEqual(the("platform-sso-cluster-login-platform-admins"), binding("platform-admins", "cluster-admin"));
        assert.deepStrictEqual(the("platform-sso-cluster-login-platform-viewers"), binding("platform-viewers", "view"));
        assert.strictEqual(the("platform-secrets-config-oidc").path, "oidc");
    });
});

describe("sso details: a stack that logs in to the cluster with access entries only @stack", function () {
    this.timeout(120000);
    it("has no EKS identity provider and no oidc: bindings, and still logs people in to Vault through the realm", async () => {
        const dev = readStackConfig(PROJECT_DIR, "dev").config;
        const ingress = { ...JSON.parse(dev["platform:ingress"]), loadBalancer: { scheme: "internal", proxyProtocol: false } };
        const sso = { ...JSON.parse(dev["platform:sso"]), clusterLogin: "AccessEntriesOnly" };
        const plan = await planStack({ stack: "dev", configOverrides: { "platform:ingress": ingress, "platform:sso": sso } });
        assert.deepStrictEqual(
            plan.resources.filter((r) => r.name.startsWith("platform-sso-cluster-login")).map((r) => r.name),
            [],
        );
        assert.strictEqual(ofType(plan.resources, "keycloak:openid/client:Client").length, 4);
        assert.strictEqual(inputs(named(plan.resources, "platform-secrets-config-oidc")).path, "oidc");
    });
});

describe("sso details: a network without an isolated tier @stack", function () {
    this.timeout(120000);
    it("puts development's database in the private subnets", async () => {
        const plan = await committedPlan("dev");
        assert.deepStrictEqual(inputs(named(plan.resources, "platform-sso-database-subnets")).subnetIds, ["a", "b"].map((z) => `platform-network-private-eu-west-1${z}-id`));
    });
});
