// What the first exact mutation run of the secrets layer showed no test pinned (reports/mutation/SCORES.md): the
// Vault policies, the bootstrap Job and documents, Vault's values, its configuration and the stores in full.
import * as assert from "assert";
import { aclPolicy, auditorRules, platformAdminRules, prefixReaderRules, tenantCiRules, tenantRules } from "../components/secrets/vault-policies";
import { inputs } from "./helpers";
import { describePlan } from "./plans";

const ALL = ["create", "read", "update", "patch", "delete", "list"];
const ACCOUNT = "222222222222";
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const ADMINS = [role("PlatformAdmin"), role("pulumi-deployments"), role("pulumi-deployments-tenants")];
const SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret/platform-secrets-bootstrap-secret`;
const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });

describe("secrets details: Vault's policies", () => {
    it("lets platform admins run Vault and manage every secret", () => {
        assert.deepStrictEqual(platformAdminRules("kv", ["oidc"]), [
            { path: "sys/mounts/*", capabilities: [...ALL, "sudo"] },
            { path: "sys/mounts", capabilities: ["read"] },
            { path: "sys/auth/*", capabilities: [...ALL, "sudo"] },
            { path: "sys/auth", capabilities: ["read"] },
            { path: "sys/policies/acl/*", capabilities: ALL },
            { path: "sys/policies/acl/platform-admin", capabilities: ["read"] },
            { path: "sys/policies/acl", capabilities: ["list"] },
            { path: "sys/audit", capabilities: ["read", "sudo"] },
            { path: "sys/audit/*", capabilities: [...ALL, "sudo"] },
            { path: "sys/storage/raft/*", capabilities: ["read", "update", "sudo"] },
            { path: "auth/*", capabilities: ALL },
            { path: "auth/oidc/*", capabilities: ["read", "list"] },
            { path: "sys/auth/oidc", capabilities: ["read"] },
            { path: "sys/auth/oidc/*", capabilities: ["read"] },
            { path: "sys/mounts/auth/oidc", capabilities: ["read"] },
            { path: "sys/mounts/auth/oidc/*", capabilities: ["read"] },
            { path: "auth/token/roles/*", capabilities: ["read", "list"] },
            { path: "auth/token/create/*", capabilities: ["deny"] },
            { path: "auth/token/create-orphan", capabilities: ["deny"] },
            { path: "identity/*", capabilities: ["read", "list"] },
            { path: "sys/generate-root/*", capabilities: ["deny"] },
            { path: "sys/generate-root", capabilities: ["deny"] },
            { path: "sys/rotate", capabilities: ["deny"] },
            { path: "sys/rotate/*", capabilities: ["deny"] },
            { path: "sys/raw", capabilities: ["deny"] },
            { path: "sys/raw/*", capabilities: ["deny"] },
            { path: "kv/*", capabilities: ALL },
        ]);
    });

    it("lets auditors read configuration and secrets' metadata, never a value", () => {
        assert.deepStrictEqual(auditorRules("kv"), [
            { path: "sys/mounts", capabilities: ["read"] },
            { path: "sys/auth", capabilities: ["read"] },
            { path: "sys/policies/acl", capabilities: ["list"] },
            { path: "sys/policies/acl/*", capabilities: ["read"] },
            { path: "sys/audit", capabilities: ["read", "sudo"] },
            { path: "kv/metadata/*", capabilities: ["read", "list"] },
        ]);
    });

    it("lets a prefix reader read below its prefix, and a tenant manage, delete and restore below its own", () => {
        assert.deepStrictEqual(prefixReaderRules("kv", "platform"), [
            { path: "kv/data/platform/*", capabilities: ["read"] },
            { path: "kv/metadata/platform/*", capabilities: ["read", "list"] },
        ]);
        assert.deepStrictEqual(tenantRules("kv", "team-b"), [
            { path: "kv/data/tenants/team-b/*", capabilities: ["create", "read", "update", "patch", "delete"] },
            { path: "kv/metadata/tenants/team-b/*", capabilities: ["read", "list", "delete"] },
            { path: "kv/delete/tenants/team-b/*", capabilities: ["update"] },
            { path: "kv/undelete/tenants/team-b/*", capabilities: ["update"] },
            { path: "kv/destroy/tenants/team-b/*", capabilities: ["update"] },
            { path: "kv/data/tenants/team-b/ci/*", capabilities: ["deny"] },
            { path: "kv/metadata/tenants/team-b/ci/*", capabilities: ["deny"] },
            { path: "kv/delete/tenants/team-b/ci/*", capabilities: ["deny"] },
            { path: "kv/undelete/tenants/team-b/ci/*", capabilities: ["deny"] },
            { path: "kv/destroy/tenants/team-b/ci/*", capabilities: ["deny"] },
        ]);
        assert.deepStrictEqual(tenantCiRules("kv", "team-b"), [{ path: "kv/data/tenants/team-b/ci/*", capabilities: ["read"] }]);
    });

    it("writes each rule as an HCL block, blocks separated by a blank line", () => {
        assert.strictEqual(
            aclPolicy([{ path: "a/*", capabilities: ["read", "list"] }, { path: "b", capabilities: ["read"] }]),
            'path "a/*" {\n  capabilities = ["read", "list"]\n}\n\npath "b" {\n  capabilities = ["read"]\n}\n',
        );
    });
});

describePlan("secrets details: the production plan in full", "prod", ({ plan, res, the }) => {

    it("keeps the bootstrap material in its own secret, on its own key only admins may decrypt with", () => {
        assert.deepStrictEqual(the("platform-secrets-bootstrap-key"), {
            deletionWindowInDays: 30,
            description: "Vault bootstrap material and admin passwords of acme-prod",
            enableKeyRotation: true,
            policy: doc(
                { Sid: "AccountAdministration", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
                { Sid: "DecryptOnlyByAdminsAndInit", Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: { StringNotEquals: { "aws:PrincipalArn": [...ADMINS, role("platform-secrets-bootstrap-init-role")] } } },
                {
                    Sid: "InitDecryptsOnlyThroughSecretsManager",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "kms:Decrypt",
                    Resource: "*",
                    Condition: { StringEquals: { "aws:PrincipalArn": role("platform-secrets-bootstrap-init-role") }, StringNotEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
                },
                {
                    Sid: "InitDecryptsOnlyForTheBootstrapSecret",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "kms:Decrypt",
                    Resource: "*",
                    Condition: {
                        StringEquals: { "aws:PrincipalArn": role("platform-secrets-bootstrap-init-role") },
                        ArnNotLike: { "kms:EncryptionContext:SecretARN": `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:acme-prod/vault/bootstrap-*` },
                    },
                },
            ),
        });
        assert.deepStrictEqual(the("platform-secrets-bootstrap-secret"), {
            description: "Vault recovery keys (and the revoked initial root token's accessor), written once by the vault-init Job",
            kmsKeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/platform-secrets-bootstrap-key`,
            namePrefix: "acme-prod/vault/bootstrap-",
            recoveryWindowInDays: 30,
        });
        assert.deepStrictEqual(the("platform-secrets-bootstrap-secret-policy"), {
            secretArn: SECRET_ARN,
            policy: doc(
                { Sid: "ReadOnlyByAdmins", Effect: "Deny", Principal: "*", Action: ["secretsmanager:GetSecretValue"], Resource: SECRET_ARN, Condition: { StringNotEquals: { "aws:PrincipalArn": ADMINS } } },
                {
                    Sid: "WriteOnlyByInitAndAdmins",
                    Effect: "Deny",
                    Principal: "*",
                    Action: ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:UpdateSecretVersionStage"],
                    Resource: SECRET_ARN,
                    Condition: { StringNotEquals: { "aws:PrincipalArn": [...ADMINS, role("platform-secrets-bootstrap-init-role")] } },
                },
            ),
        });
        assert.deepStrictEqual(the("platform-secrets-bootstrap-init-policy"), {
            role: "platform-secrets-bootstrap-init-role-id",
            policy: doc(
                {
                    Sid: "StoreBootstrap",
                    Effect: "Allow",
                    Action: ["secretsmanager:PutSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds", "secretsmanager:UpdateSecretVersionStage"],
                    Resource: SECRET_ARN,
                },
                {
                    Sid: "KeyThroughSecretsManagerForThisSecret",
                    Effect: "Allow",
                    Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                    Resource: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/platform-secrets-bootstrap-key`,
                    Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com", "kms:EncryptionContext:SecretARN": SECRET_ARN } },
                },
            ),
        });
        assert.deepStrictEqual(the("platform-secrets-bootstrap-service-account"), { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "vault-init", namespace: "vault" } });
    });

    it("runs the init Job's containers as non-root shells with the secret's address, scratch space and the CA", () => {
        const pod = the("platform-secrets-bootstrap-job").spec.template;
        assert.deepStrictEqual(pod.metadata, { labels: { "app.kubernetes.io/name": "vault-init" }, annotations: { "karpenter.sh/do-not-disrupt": "true" } });
        const withoutScripts = (c: any) => ({ ...c, command: c.command.slice(0, 2) });
        // One user for every container (the pod's): store must read what init wrote owner-only.
        const aws = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
        const env = [{ name: "SECRET_ARN", value: SECRET_ARN }, { name: "AWS_REGION", value: "eu-west-1" }, { name: "HOME", value: "/tmp" }];
        const scratch = [{ name: "bootstrap", mountPath: "/bootstrap" }, { name: "tmp", mountPath: "/tmp" }];
        const image = "public.ecr.aws/aws-cli/aws-cli:2.36.7";
        assert.deepStrictEqual(pod.spec.initContainers.map(withoutScripts), [
            { name: "check-store", image, command: ["/bin/sh", "-c"], env, securityContext: aws, volumeMounts: scratch },
            {
                name: "init",
                image: "hashicorp/vault:2.0.4",
                command: ["/bin/sh", "-c"],
                env: [{ name: "VAULT_CACERT", value: "/tls/ca.crt" }, { name: "HOME", value: "/tmp" }],
                securityContext: aws,
                volumeMounts: [...scratch, { name: "tls", mountPath: "/tls", readOnly: true }],
            },
            { name: "store", image, command: ["/bin/sh", "-c"], env, securityContext: aws, volumeMounts: scratch },
            {
                name: "configure",
                image: "hashicorp/vault:2.0.4",
                command: ["/bin/sh", "-c"],
                env: [
                    { name: "VAULT_CACERT", value: "/tls/ca.crt" },
                    { name: "HOME", value: "/tmp" },
                    { name: "AWS_REGION", value: "eu-west-1" },
                    { name: "VAULT_HOSTNAME", value: "vault.platform.acme.example" },
                    { name: "DEPLOYER_PRINCIPALS", value: ADMINS.join(",") },
                    // What it allows and denies is decided in vault-self-escalation.test.ts, by the ACL oracle.
                    { name: "DEPLOYER_POLICY", value: pod.spec.initContainers[3].env[5].value },
                ],
                securityContext: aws,
                volumeMounts: [...scratch, { name: "tls", mountPath: "/tls", readOnly: true }, { name: "operator-token", mountPath: "/operator", readOnly: true }],
            },
        ]);
        assert.deepStrictEqual(pod.spec.containers.map(withoutScripts), [{ name: "finish", image, command: ["/bin/sh", "-c"], env, securityContext: aws, volumeMounts: scratch }]);
        assert.deepStrictEqual(pod.spec.volumes, [
            { name: "bootstrap", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
            { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
            { name: "tls", secret: { secretName: "vault-server-tls", items: [{ key: "ca.crt", path: "ca.crt" }] } },
            { name: "operator-token", secret: { secretName: "vault-init-token", optional: true, items: [{ key: "token", path: "token" }] } },
        ]);
        assert.deepStrictEqual(pod.spec.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepStrictEqual(the("platform-secrets-bootstrap-disruption-budget"), {
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: { name: "vault-init", namespace: "vault" },
            spec: { minAvailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "vault-init" } } },
        });
    });

    it("unseals with a key only Vault's role may use, through a policy on that key", () => {
        const unseal = ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"];
        assert.deepStrictEqual(the("platform-secrets-vault-unseal-key"), {
            deletionWindowInDays: 30,
            description: "Vault auto-unseal of acme-prod",
            enableKeyRotation: true,
            policy: doc(
                { Sid: "AccountAdministration", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
                { Sid: "VaultAutoUnseal", Effect: "Allow", Principal: { AWS: role("platform-secrets-vault-unseal-role") }, Action: unseal, Resource: "*" },
            ),
        });
        assert.deepStrictEqual(the("platform-secrets-vault-unseal-policy"), {
            role: "platform-secrets-vault-unseal-role",
            policy: doc({ Sid: "AutoUnseal", Effect: "Allow", Action: unseal, Resource: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/platform-secrets-vault-unseal-key` }),
        });
        // What it allows and denies is decided in secrets-bootstrap-access.test.ts, by the IAM simulator.
        assert.deepStrictEqual(the("platform-secrets-vault-aws-auth-policy"), {
            role: "platform-secrets-vault-unseal-role",
            policy: doc({ Sid: "ResolveBoundRoles", Effect: "Allow", Action: ["iam:GetRole"], Resource: ADMINS }),
        });
        assert.ok(res("platform-secrets-vault-vault").dependsOn.includes(res("platform-secrets-vault-aws-auth-policy").urn), "before Vault runs");
    });

    it("runs Vault TLS-only without UI or injector, sized, as its own user, with raft node ids, on retained volumes", () => {
        const v = the("platform-secrets-vault-vault").values;
        // The injector is off; the placement (platformPods: SystemNodes) reaches it all the same, as it does the servers.
        const onSystem = { nodeSelector: { "platform.io/node-role": "system" }, tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }] };
        assert.deepStrictEqual([v.global, v.injector, v.ui], [{ enabled: true, tlsDisable: false }, { enabled: false, ...onSystem }, { enabled: false }]);
        assert.deepStrictEqual({ nodeSelector: v.server.nodeSelector, tolerations: v.server.tolerations }, onSystem);
        const volume = { accessMode: "ReadWriteOnce", enabled: true, size: "10Gi", storageClass: "gp3-retain" };
        assert.deepStrictEqual([v.server.dataStorage, v.server.auditStorage], [volume, volume]);
        assert.deepStrictEqual(v.server.image, { repository: "hashicorp/vault", tag: "2.0.4" });
        assert.deepStrictEqual(v.server.resources, { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } });
        assert.deepStrictEqual(v.server.statefulSet.securityContext.pod, { runAsNonRoot: true, runAsUser: 100, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepStrictEqual([v.server.ha.raft.enabled, v.server.ha.raft.setNodeId], [true, true]);
        // HCL needs each block on its own line: one retry_join per server, each after a line break.
        const config: string = v.server.ha.raft.config;
        assert.match(config, /^ui = true\ndisable_mlock = true\n\n# The API: .*\nlistener "tcp" \{\n/);
        // The tokenless metrics listener's port, on the pods only (what the PodMonitor scrapes by name).
        assert.deepStrictEqual(v.server.extraPorts, [{ containerPort: 8210, name: "metrics" }]);
        assert.deepStrictEqual([config.split("\n  retry_join {\n").length - 1, config.split("retry_join {").length - 1], [3, 3]);
    });

    it("serves Vault on a one-year certificate renewed a month before it ends", () => {
        const spec = the("platform-secrets-vault-server-certificate").spec;
        assert.deepStrictEqual([spec.duration, spec.renewBefore, spec.issuerRef], ["8760h", "720h", { group: "cert-manager.io", kind: "Issuer", name: "vault-ca" }]);
        assert.deepStrictEqual(the("platform-secrets-vault-ca-certificate").spec.commonName, "Vault internal CA");
        assert.deepStrictEqual(the("platform-secrets-vault-ca-certificate").spec.issuerRef.name, "vault-root");
    });

    it("audits to a file and to stdout, and mounts KV v2 and Kubernetes logins with their descriptions", () => {
        assert.deepStrictEqual(the("platform-secrets-config-audit-file"), { type: "file", path: "file", options: { file_path: "/vault/audit/audit.log" } });
        assert.deepStrictEqual(the("platform-secrets-config-audit-stdout"), { type: "file", path: "stdout", options: { file_path: "stdout" } });
        assert.deepStrictEqual(the("platform-secrets-config-kv"), { description: "Platform and tenant secrets (KV v2)", options: { version: "2" }, path: "platform", type: "kv" });
        assert.strictEqual(the("platform-secrets-config-kubernetes").description, "Service accounts of this cluster");
    });

    it("logs people in through the realm: the OIDC mount tuned and listed, each role bound to its group and the Vault client", () => {
        assert.deepStrictEqual(the("platform-secrets-config-oidc"), {
            type: "oidc",
            path: "oidc",
            description: "People, through the platform's SSO",
            boundIssuer: "https://sso.platform.acme.example/realms/platform",
            oidcDiscoveryUrl: "https://sso.platform.acme.example/realms/platform",
            oidcClientId: "vault",
            oidcClientSecret: "[secret]",
            defaultRole: "platform-viewer",
            tune: { listingVisibility: "unauth", defaultLeaseTtl: "3600s", maxLeaseTtl: "28800s", tokenType: "default-service" },
        });
        const redirects = ["https://vault.platform.acme.example/ui/vault/auth/oidc/oidc/callback", "http://localhost:8250/oidc/callback"];
        for (const [roleName, group, policy] of [["platform-viewer", "platform-viewers", "auditor"], ["platform-admin", "platform-admins", "platform-admin"]]) {
            const r = res(`platform-secrets-config-oidc-role-${roleName}`);
            assert.deepStrictEqual(inputs(r), {
                backend: "oidc",
                roleName,
                roleType: "oidc",
                userClaim: "sub",
                groupsClaim: "groups",
                boundAudiences: ["vault"],
                boundClaims: { groups: group },
                allowedRedirectUris: redirects,
                tokenPolicies: [policy],
                tokenTtl: 3600,
                tokenMaxTtl: 28800,
            });
            assert.ok(r.dependsOn.includes(res("platform-secrets-config-oidc").urn), roleName);
        }
    });

    it("lets platform namespaces use the platform store, and a tenant's namespaces only its own store with its own account", () => {
        const vault = { caProvider: { key: "ca.crt", name: "vault-server-tls", namespace: "vault", type: "Secret" }, path: "platform", server: "https://vault-active.vault.svc:8200", version: "v2" };
        assert.deepStrictEqual(the("platform-secrets-external-secrets-platform-store").spec, {
            conditions: [{ namespaceSelector: { matchLabels: { "platform.io/namespace-role": "platform" } } }],
            provider: { vault: { ...vault, auth: { kubernetes: { mountPath: "kubernetes", role: "platform-external-secrets" } } } },
        });
        assert.deepStrictEqual(the("tenant-team-a-secret-store"), {
            apiVersion: "external-secrets.io/v1",
            kind: "ClusterSecretStore",
            metadata: { name: "tenant-team-a" },
            spec: {
                conditions: [{ namespaceSelector: { matchLabels: { "platform.io/tenant": "team-a" } } }],
                provider: { vault: { ...vault, auth: { kubernetes: { mountPath: "kubernetes", role: "tenant-team-a", serviceAccountRef: { name: "vault-secret-store" } } } } },
            },
        });
        assert.match(JSON.stringify(the("platform-secrets-external-secrets-finalizer-cleanup").values), /"--wait","--timeout=5m"/);
    });

    it("names every Vault policy and Kubernetes login role, a tenant's after the tenant that owns them", () => {
        const names = (type: string) => plan().resources.filter((r) => r.type === type).map((r) => [r.name, r.inputs.name ?? r.inputs.roleName]);
        // The platform stack's, then each tenant stack's (prod's tenants run as their own stacks).
        assert.deepStrictEqual(names("vault:index/policy:Policy"), [
            ["platform-secrets-config-platform-external-secrets-policy", "platform-external-secrets"],
            ["platform-secrets-config-policy-platform-admin", "platform-admin"],
            ["platform-secrets-config-policy-auditor", "auditor"],
            ["tenant-team-a-vault-policy", "tenant-team-a"],
            ["tenant-team-a-vault-ci-policy", "ci-tenant-team-a"],
            ["tenant-payments-vault-policy", "tenant-payments"],
            ["tenant-payments-vault-ci-policy", "ci-tenant-payments"],
        ]);
        assert.deepStrictEqual(names("vault:kubernetes/authBackendRole:AuthBackendRole"), [
            ["platform-secrets-config-platform-external-secrets-role", "platform-external-secrets"],
            ["tenant-team-a-vault-role", "tenant-team-a"],
            ["tenant-team-a-vault-ci-role", "ci-tenant-team-a"],
            ["tenant-payments-vault-role", "tenant-payments"],
            ["tenant-payments-vault-ci-role", "ci-tenant-payments"],
        ]);
        assert.strictEqual(res("tenant-team-a-vault-policy").parent, res("tenant-team-a").urn);
        assert.strictEqual(res("tenant-team-a-vault-ci-policy").parent, res("tenant-team-a").urn);
        // The members' role binds its own namespaces, the CI's its CI namespace alone.
        assert.deepStrictEqual(res("tenant-team-a-vault-role").inputs.boundServiceAccountNamespaces, ["team-a"]);
        assert.deepStrictEqual(res("tenant-team-a-vault-ci-role").inputs.boundServiceAccountNamespaces, ["team-a-ci"]);
    });
});
