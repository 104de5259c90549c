// What every secret input of the production plan holds, read through the test-only view of the mock runtime's values
// (`secretInputs`): the plan itself masks them, so without this table a secret emptied or swapped would pass. A value
// that appears twice is one secret handed from one layer to another (Keycloak's client secret to Vault and Grafana).
import * as assert from "assert";
import { secretInputs } from "../plan/engine";
import { describePlan } from "./plans";

const generated = (name: string) => `offline-plan-password-${name}`;
const KEYCLOAK_ADMIN = generated("platform-sso-keycloak-admin-password");
const DATABASE = generated("platform-sso-database-password");
const GRAFANA_CLIENT = generated("platform-sso-realm-client-grafana-secret");
const VAULT_CLIENT = generated("platform-sso-realm-client-vault-secret");
/** What a `secure:` value of the stack file reads as offline. */
const CONFIGURED = "[secret]";
const UPSTREAM_CREDENTIALS = JSON.stringify({ username: CONFIGURED, accessToken: CONFIGURED });
/** A secret output of the platform (its kubeconfig) read through a tenant stack's StackReference: its recorded plan holds it masked. */
const PLATFORM_OUTPUT = "[secret]";
/** What the offline fake of Secrets Manager returns for the current value of secret `arn` (plan/fakes.ts). */
const SECRET_VALUE_OF = (arn: string) => `offline-plan-secret-string-of-${arn}`;
const KEYCLOAK_ADMIN_SECRET = "arn:aws:secretsmanager:eu-west-1:222222222222:secret/platform-admin-credentials-keycloak";

/** Resource name → each secret input and what it holds. */
const PROD_SECRETS: Record<string, Record<string, unknown>> = {
    "platform-registry-docker-hub-credentials-value": { secretString: UPSTREAM_CREDENTIALS },
    "platform-registry-ghcr-credentials-value": { secretString: UPSTREAM_CREDENTIALS },
    "platform-sso-database-instance": { password: DATABASE },
    "platform-cluster-k8s": {
        kubeconfig: JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "acme-prod", cluster: { server: "https://147147147147147147147147147147.gr7.eu-west-1.eks.amazonaws.com", "certificate-authority-data": "b2ZmbGluZS1wbGFuIENBIG9mIGFjbWUtcHJvZA==" } }],
            contexts: [{ name: "acme-prod", context: { cluster: "acme-prod", user: "acme-prod" } }],
            "current-context": "acme-prod",
            users: [
                {
                    name: "acme-prod",
                    user: {
                        exec: {
                            apiVersion: "client.authentication.k8s.io/v1beta1",
                            command: "aws",
                            args: ["eks", "get-token", "--cluster-name", "acme-prod", "--region", "eu-west-1", "--output", "json"],
                            interactiveMode: "Never",
                        },
                    },
                },
            ],
        }),
    },
    "platform-observability-alert-receiver": { stringData: { secret: CONFIGURED } },
    "platform-observability-grafana-admin": { stringData: { "admin-password": generated("platform-observability-grafana-admin-password"), "admin-user": "admin" } },
    "platform-observability-grafana-oauth": { stringData: { "client-secret": GRAFANA_CLIENT } },
    "platform-sso-keycloak-admin-credentials": { stringData: { password: KEYCLOAK_ADMIN, username: "platform-bootstrap-admin" } },
    "platform-sso-keycloak-db-credentials": { stringData: { password: DATABASE, username: "keycloak" } },
    "platform-sso-realm-provider": { password: KEYCLOAK_ADMIN },
    // The master realm's settings step logs in as the bootstrap administrator: its password alone is secret.
    "platform-sso-realm-master-defenses": { "environment.ADMIN_PASSWORD": KEYCLOAK_ADMIN },
    "platform-sso-realm-client-grafana": { clientSecret: GRAFANA_CLIENT },
    "platform-sso-realm-client-vault": { clientSecret: VAULT_CLIENT },
    "platform-secrets-config-oidc": { oidcClientSecret: VAULT_CLIENT },
    // The admin passwords, kept in Secrets Manager for the admins (not in the stack's outputs).
    "platform-admin-credentials-keycloak-value": { secretString: KEYCLOAK_ADMIN },
    "platform-admin-credentials-grafana-value": { secretString: generated("platform-observability-grafana-admin-password") },
    "platform-backup-repository-password-vault": { dataJson: JSON.stringify({ "repository-password": generated("platform-backup-repository-password-password") }) },
    // Each tenant stack's providers: the kubeconfig from the platform's secret outputs (still secret there), Keycloak's
    // admin password read from its Secrets Manager secret with the deployer's AWS identity.
    "tenant-team-a-stack-k8s": { kubeconfig: PLATFORM_OUTPUT },
    "tenant-team-a-stack-keycloak": { password: SECRET_VALUE_OF(KEYCLOAK_ADMIN_SECRET) },
    "tenant-payments-stack-k8s": { kubeconfig: PLATFORM_OUTPUT },
    "tenant-payments-stack-keycloak": { password: SECRET_VALUE_OF(KEYCLOAK_ADMIN_SECRET) },
};

describePlan("secret inputs: production, in full", "prod", ({ plan }) => {
    const secretive = () => plan().resources.filter((r) => r.secretPaths.length > 0);

    it("names every resource with a secret input, and only those", () => {
        assert.deepStrictEqual(secretive().map((r) => r.name).sort(), Object.keys(PROD_SECRETS).sort());
    });

    for (const [name, expected] of Object.entries(PROD_SECRETS)) {
        it(`${name}: ${Object.keys(expected).join(", ")}`, () => {
            const resource = secretive().find((r) => r.name === name);
            assert.ok(resource, name);
            assert.deepStrictEqual(resource.secretPaths, Object.keys(expected), "which inputs are secret");
            const revealed = secretInputs(resource);
            // A secret path may be nested (one variable of an environment): read it leaf by leaf.
            const at = (k: string) => k.split(".").reduce<any>((o, part) => o?.[part], revealed);
            assert.deepStrictEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, at(k)])), expected);
        });
    }
});
