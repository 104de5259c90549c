import * as assert from "assert";
import { externalSecretsValues, platformStoreSpec } from "../components/secrets/external-secrets";
import { inputs, named } from "./helpers";
import { prefixReaderRules } from "../components/secrets/vault-policies";
import { allowed } from "./vault-acl";
import { describeStacks } from "./plans";

describe("secrets: External Secrets decisions", () => {
    it("runs HA above one replica: leader election, budgets and zone spread for controller, webhook and cert controller", () => {
        const ha = externalSecretsValues({ replicas: 2, zoneSpread: "DoNotSchedule" });
        assert.deepStrictEqual([ha.replicaCount, ha.leaderElect, ha.podDisruptionBudget], [2, true, { enabled: true, minAvailable: 1 }]);
        assert.deepStrictEqual([ha.webhook.replicaCount, ha.certController.replicaCount], [2, 2]);
        assert.deepStrictEqual([ha.webhook.podDisruptionBudget.enabled, ha.certController.podDisruptionBudget.enabled], [true, true]);
        assert.strictEqual(ha.topologySpreadConstraints[0].whenUnsatisfiable, "DoNotSchedule");
        const one = externalSecretsValues({ replicas: 1, zoneSpread: "ScheduleAnyway" });
        assert.deepStrictEqual([one.leaderElect, one.podDisruptionBudget.enabled, one.webhook.podDisruptionBudget.enabled], [false, false, false]);
    });

    it("sets exactly these chart values (CRDs installed, its own service account, each component spread by its own labels)", () => {
        const spread = (name: string) => [
            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": "external-secrets" } } },
        ];
        const budget = { enabled: true, minAvailable: 1 };
        assert.deepStrictEqual(externalSecretsValues({ replicas: 2, zoneSpread: "DoNotSchedule" }), {
            installCRDs: true,
            crds: { annotations: { "helm.sh/resource-policy": "keep" } },
            replicaCount: 2,
            leaderElect: true,
            podDisruptionBudget: budget,
            topologySpreadConstraints: spread("external-secrets"),
            serviceAccount: { create: true, name: "external-secrets" },
            // A SecretStore or generator created by whoever holds edit or admin would log in with the controller's token.
            rbac: { aggregateToEdit: false, aggregateToAdmin: false },
            metrics: { service: { enabled: true } },
            webhook: { replicaCount: 2, podDisruptionBudget: budget, topologySpreadConstraints: spread("external-secrets-webhook") },
            certController: { replicaCount: 2, podDisruptionBudget: budget, topologySpreadConstraints: spread("external-secrets-cert-controller") },
        });
    });

    it("keeps its CRDs (and every ExternalSecret) on uninstall", () => {
        assert.deepStrictEqual(externalSecretsValues({ replicas: 1, zoneSpread: "ScheduleAnyway" }).crds, { annotations: { "helm.sh/resource-policy": "keep" } });
    });

    it("reads Vault's KV v2 mount over verified TLS with Kubernetes auth, no token and no service account reference", () => {
        const spec = platformStoreSpec({ vaultNamespace: "vault", kvMount: "platform", role: "platform-external-secrets" });
        assert.deepStrictEqual([spec.apiVersion, spec.kind, spec.metadata], ["external-secrets.io/v1", "ClusterSecretStore", { name: "platform-vault" }]);
        assert.deepStrictEqual(spec.spec.provider.vault, {
            server: "https://vault-active.vault.svc:8200",
            path: "platform",
            version: "v2",
            caProvider: { type: "Secret", name: "vault-server-tls", key: "ca.crt", namespace: "vault" },
            auth: { kubernetes: { mountPath: "kubernetes", role: "platform-external-secrets" } },
        });
    });
});

describeStacks((stack) => `secrets: External Secrets in stack ${stack}`, "platform-secrets-external-secrets", ({ production, plan, res }) => {

        it("installs the pinned chart in its restricted namespace, HA in production", () => {
            const release = named(res(), "platform-secrets-external-secrets-release");
            assert.ok(release.dependsOn.includes(named(res(), "platform-secrets-external-secrets-namespace").urn));
            const r = inputs(release);
            assert.strictEqual(r.name, "external-secrets");
            assert.deepStrictEqual([r.chart, r.version, r.namespace, r.repositoryOpts.repo], ["external-secrets", "2.9.0", "external-secrets", "https://charts.external-secrets.io"]);
            assert.deepStrictEqual([r.values.replicaCount, r.values.leaderElect], production ? [2, true] : [1, false]);
            const ns = inputs(named(res(), "platform-secrets-external-secrets-namespace"));
            assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        });

        it("creates the platform store after the operator, its finalizer cleanup and its Vault role; the role reads platform/ only", () => {
            const store = named(res(), "platform-secrets-external-secrets-platform-store");
            assert.strictEqual(inputs(store).spec.provider.vault.auth.kubernetes.role, "platform-external-secrets");
            const cleanup = named(res(), "platform-secrets-external-secrets-finalizer-cleanup");
            assert.ok(cleanup.dependsOn.includes(named(res(), "platform-secrets-external-secrets-release").urn), "the cleanup runs while the controller is still there");
            assert.strictEqual(inputs(cleanup).namespace, "external-secrets");
            const role = named(plan().resources, "platform-secrets-config-platform-external-secrets-role");
            for (const dep of [named(res(), "platform-secrets-external-secrets-release"), named(res(), "platform-secrets-external-secrets-finalizer-cleanup"), role]) {
                assert.ok(store.dependsOn.includes(dep.urn), dep.name);
            }
            assert.deepStrictEqual(
                [inputs(role).boundServiceAccountNames, inputs(role).boundServiceAccountNamespaces, inputs(role).tokenPolicies],
                [["external-secrets"], ["external-secrets"], ["platform-external-secrets"]],
            );
            assert.strictEqual(plan().outputs.clusterSecretStoreName, "platform-vault");
            assert.strictEqual(inputs(store).metadata.name, "platform-vault");
        });

        it("delivers Velero's repository password end to end: generated, kept in Vault, synced before Velero starts", () => {
            // Velero otherwise creates velero-repo-credentials with its published static password.
            const password = named(plan().resources, "platform-backup-repository-password-password");
            assert.deepStrictEqual([inputs(password).length, inputs(password).special], [40, false]);
            const stored = named(plan().resources, "platform-backup-repository-password-vault");
            assert.deepStrictEqual([inputs(stored).mount, inputs(stored).name, inputs(stored).dataJson], ["platform", "platform/velero", "[secret]"]);
            assert.ok(stored.secretPaths.includes("dataJson"));
            // Written once Vault is configured: its KV mount exists and the platform store may read it.
            for (const dep of ["platform-secrets-config-kv", "platform-secrets-config-platform-external-secrets-role"]) {
                assert.ok(stored.dependsOn.includes(named(plan().resources, dep).urn), dep);
            }
            assert.ok(stored.provider?.endsWith("::platform-secrets-config-provider"));
            const externalSecret = named(plan().resources, "platform-backup-repository-password-external-secret");
            assert.deepStrictEqual([inputs(externalSecret).apiVersion, inputs(externalSecret).kind], ["external-secrets.io/v1", "ExternalSecret"]);
            assert.deepStrictEqual(inputs(externalSecret).metadata, { name: "velero-repo-credentials", namespace: "velero", annotations: { "pulumi.com/waitFor": "condition=Ready" } });
            assert.deepStrictEqual(inputs(externalSecret).spec, {
                refreshInterval: "1h",
                secretStoreRef: { kind: "ClusterSecretStore", name: "platform-vault" },
                target: { name: "velero-repo-credentials", creationPolicy: "Owner" },
                data: [{ secretKey: "repository-password", remoteRef: { key: "platform/velero", property: "repository-password" } }],
            });
            for (const dep of [stored, named(res(), "platform-secrets-external-secrets-platform-store"), named(plan().resources, "platform-backup-namespace")]) {
                assert.ok(externalSecret.dependsOn.includes(dep.urn), dep.name);
            }
            assert.ok(named(plan().resources, "platform-backup-velero").dependsOn.includes(externalSecret.urn), "Velero starts only once the Secret exists");
            // What the platform store may read covers it; nothing else can.
            assert.ok(allowed(prefixReaderRules("platform", "platform"), "platform/data/platform/velero", "read"));
        });
});
