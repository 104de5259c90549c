// What the first exact mutation run of components/shared showed no test pinned (reports/mutation/SCORES.md): the
// private CA chain every internal TLS server gets, and the readiness gates, as the production plan holds them.
import * as assert from "assert";
import { WAIT_FOR_URL_SCRIPT } from "../components/shared/readiness";
import { Plan, PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { inputs, named, ofType } from "./helpers";
import { deployedSetWith, describePlan } from "./plans";

describePlan("shared details: the private CA chain and the readiness gates in the production plan", "prod", ({ plan, res, the, urn }) => {
    const of = (type: string, name: string) => plan().resources.find((r) => r.type === type && r.name === name)!.urn;
    const POLICY = "kubernetes:policy.cert-manager.io/v1alpha1:CertificateRequestPolicy";
    const BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
    // Each object of the chain waits for approver-policy's grants (each policy and the binding that lets cert-manager
    // use it), and through them for the clean-up release ordered after cert-manager.
    const grants = (app: string) => [
        of(POLICY, `platform-${app}-ca-certificate-policy`),
        of(BINDING, `platform-${app}-ca-certificate-policy-use`),
        of(POLICY, `platform-${app}-servers-certificate-policy`),
        of(BINDING, `platform-${app}-servers-certificate-policy-use`),
        urn("platform-ingress-certificates-finalizer-cleanup"),
    ];
    const issuerRef = (name: string) => ({ group: "cert-manager.io", kind: "Issuer", name });

    it("signs Vault's servers with a self-signed root, a ten-year CA and its issuer, in that order", () => {
        const vault = (role: string) => `platform-secrets-vault-${role}`;
        assert.deepStrictEqual(the(vault("root-issuer")), { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name: "vault-root", namespace: "vault" }, spec: { selfSigned: {} } });
        assert.deepStrictEqual(res(vault("root-issuer")).dependsOn, [urn("platform-secrets-vault-namespace"), ...grants("secrets-vault")]);
        assert.deepStrictEqual(the(vault("ca-certificate")), {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: "vault-ca", namespace: "vault" },
            spec: {
                isCA: true,
                commonName: "Vault internal CA",
                secretName: "vault-ca",
                duration: "87600h",
                usages: ["digital signature", "key encipherment", "cert sign"],
                privateKey: { algorithm: "ECDSA", size: 256 },
                issuerRef: issuerRef("vault-root"),
            },
        });
        assert.deepStrictEqual(res(vault("ca-certificate")).dependsOn, [urn(vault("root-issuer")), ...grants("secrets-vault")]);
        assert.deepStrictEqual(the(vault("ca-issuer")), { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name: "vault-ca", namespace: "vault" }, spec: { ca: { secretName: "vault-ca" } } });
        assert.deepStrictEqual(res(vault("ca-issuer")).dependsOn, [urn("platform-secrets-vault-namespace"), ...grants("secrets-vault"), urn(vault("ca-certificate"))]);
        assert.deepStrictEqual(res(vault("server-certificate")).dependsOn, [urn(vault("ca-issuer")), ...grants("secrets-vault")]);
    });

    it("gives Vault's server certificate its service names and loopback address, rotating its key", () => {
        const names = ["vault", "vault-active", "vault-standby"].flatMap((s) => [s, `${s}.vault`, `${s}.vault.svc`, `${s}.vault.svc.cluster.local`]);
        assert.deepStrictEqual(the("platform-secrets-vault-server-certificate"), {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: "vault-server-tls", namespace: "vault" },
            spec: {
                secretName: "vault-server-tls",
                dnsNames: [...names, "*.vault-internal", "*.vault-internal.vault.svc", "*.vault-internal.vault.svc.cluster.local"],
                ipAddresses: ["127.0.0.1"],
                duration: "8760h",
                renewBefore: "720h",
                usages: ["digital signature", "key encipherment", "server auth", "client auth"],
                privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                issuerRef: issuerRef("vault-ca"),
            },
        });
    });

    it("gives Keycloak's server certificate no IP addresses when it names none", () => {
        const spec = the("platform-sso-keycloak-server-certificate").spec;
        assert.deepStrictEqual(Object.keys(spec).sort(), ["dnsNames", "duration", "issuerRef", "privateKey", "renewBefore", "secretName", "usages"]);
        assert.deepStrictEqual(spec.dnsNames, ["keycloak-service", "keycloak-service.keycloak", "keycloak-service.keycloak.svc", "keycloak-service.keycloak.svc.cluster.local"]);
    });

    it("waits up to 15 minutes for Vault's health and the platform realm's issuer through their public names, after what serves them", () => {
        const gate = (url: string) => ({ create: WAIT_FOR_URL_SCRIPT, environment: { TIMEOUT_SECONDS: "900", URL: url }, interpreter: ["node", "-e"], logging: "stderr" });
        assert.deepStrictEqual(the("platform-secrets-vault-ready"), gate("https://vault.platform.acme.example/v1/sys/health"));
        assert.deepStrictEqual(res("platform-secrets-vault-ready").dependsOn, [urn("platform-secrets-bootstrap-job"), urn("vault-vault-route")]);
        assert.deepStrictEqual(the("platform-sso-realm-issuer-ready"), gate("https://sso.platform.acme.example/realms/platform"));
        assert.deepStrictEqual(res("platform-sso-realm-issuer-ready").dependsOn, [urn("platform-sso-realm-realm")]);
        assert.strictEqual(res("platform-sso-realm-issuer-ready").parent, urn("platform-sso-realm"));
    });
});

describePlan("shared details: what the Platform hands its layers", "prod", ({ the }) => {
    it("gives Argo CD the platform's SSO groups: admins administer, viewers read", () => {
        assert.deepStrictEqual(the("platform-delivery-argocd").values.configs.rbac, { "policy.csv": "g, platform-admins, role:admin\ng, platform-viewers, role:readonly", "policy.default": "", scopes: "[groups]" });
    });
});

describe("shared details: a stack pinned to two accounts, checking signatures of any image @stack", function () {
    this.timeout(120000);
    let plan: Plan;
    before(async () => {
        const delivery = JSON.parse(readStackConfig(PROJECT_DIR, "dev").config["platform:appDelivery"]);
        // Every stack of the set: the signature rules are the tenant stacks'.
        const set = await deployedSetWith(
            "dev",
            {
                "platform:allowedAccountIds": JSON.stringify(["999999999999", "111111111111"]),
                "platform:appDelivery": JSON.stringify({ ...delivery, signatures: { ...delivery.signatures, imageReferences: ["ghcr.io/acme/*"] } }),
            },
            // The deploying credentials are in the second account allowed.
            (c) => ({ ...c, accountId: "111111111111", callerArn: c.callerArn?.replace("999999999999", "111111111111") }),
        );
        plan = set.plan;
    });

    it("names buckets after the account it runs in, not the first one allowed", () => {
        const names = ofType(plan.resources, "aws:s3/bucket:Bucket").map((b) => inputs(b).bucket as string);
        assert.deepStrictEqual(names.sort(), ["acme-dev-loki-111111111111-eu-west-1", "acme-dev-tempo-111111111111-eu-west-1", "acme-dev-velero-111111111111-eu-west-1"]);
        assert.deepStrictEqual(JSON.parse(inputs(named(plan.resources, "platform-aws")).allowedAccountIds), ["999999999999", "111111111111"]);
    });

    it("lets the signature reader read every repository when other images are checked too", () => {
        const read = JSON.parse(inputs(named(plan.resources, "platform-policy-signature-reader-policy")).policy).Statement.find((s: { Sid: string }) => s.Sid === "ReadSignatures");
        assert.strictEqual(read.Resource, "arn:aws:ecr:eu-west-1:111111111111:repository/*");
        const rule = inputs(named(plan.resources, "tenant-team-a-verify-image-signatures")).spec.rules[0];
        assert.deepStrictEqual(rule.verifyImages[0].imageReferences, ["ghcr.io/acme/*"]);
    });
});
