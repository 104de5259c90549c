import * as assert from "assert";
import { VAULT_CA_ISSUER, VAULT_ROOT_ISSUER, VAULT_TLS_DIR } from "../components/secrets/constants";
import { UNSEAL_ACTIONS, unsealIdentityPolicy, unsealKeyPolicy } from "../components/secrets/vault-iam";
import { raftConfig, vaultServerDnsNames, vaultValues } from "../components/secrets/vault-values";
import { assertLeastPrivilege, inputs, named, ofType } from "./helpers";
import { describeStacks } from "./plans";

/** Every name Vault is reached by: its three Services, and each pod behind the headless Service. */
const SERVER_NAMES = [
    "vault", "vault.vault", "vault.vault.svc", "vault.vault.svc.cluster.local",
    "vault-active", "vault-active.vault", "vault-active.vault.svc", "vault-active.vault.svc.cluster.local",
    "vault-standby", "vault-standby.vault", "vault-standby.vault.svc", "vault-standby.vault.svc.cluster.local",
    "*.vault-internal", "*.vault-internal.vault.svc", "*.vault-internal.vault.svc.cluster.local",
];

describe("secrets: Vault decisions", () => {
    it("joins every server to the raft cluster over TLS, and seals with the KMS key of the region", () => {
        const hcl = raftConfig({ replicas: 3, region: "eu-west-1", kmsKeyId: "key-1" });
        const joins = [...hcl.matchAll(/leader_api_addr\s+= "(.+)"/g)].map((m) => m[1]);
        assert.deepStrictEqual(joins, ["https://vault-0.vault-internal:8200", "https://vault-1.vault-internal:8200", "https://vault-2.vault-internal:8200"]);
        assert.strictEqual([...hcl.matchAll(/leader_ca_cert_file\s+= "(.+)"/g)].filter((m) => m[1] === `${VAULT_TLS_DIR}/ca.crt`).length, 3);
        assert.match(hcl, /seal "awskms" \{\n\s+region\s+= "eu-west-1"\n\s+kms_key_id = "key-1"\n\}/);
        assert.match(hcl, /tls_cert_file\s+= "\/vault\/userconfig\/vault-server-tls\/tls\.crt"/);
        assert.doesNotMatch(hcl, /tls_disable/);
        assert.match(hcl, /storage "raft"/);
        assert.match(hcl, /disable_mlock = true/);
        assert.strictEqual([...raftConfig({ replicas: 1, region: "r", kmsKeyId: "k" }).matchAll(/retry_join/g)].length, 1);
    });

    const values = (replicas: number, production: boolean) =>
        vaultValues({
            replicas,
            version: "2.0.4",
            unsealRoleArn: "arn:aws:iam::1:role/unseal",
            region: "eu-west-1",
            kmsKeyId: "k",
            injector: false,
            storageClass: production ? "gp3-retain" : "gp3",
            storageSize: "10Gi",
            auditStorageSize: "20Gi",
            retainVolumes: production,
            zoneSpread: production ? "DoNotSchedule" : "ScheduleAnyway",
        });

    it("runs HA raft with a disruption budget only where there is more than one server", () => {
        const one = values(1, false).server;
        const three = values(3, true).server;
        assert.deepStrictEqual([one.ha.enabled, one.ha.raft.enabled, one.ha.replicas, one.ha.disruptionBudget.enabled], [true, true, 1, false]);
        assert.deepStrictEqual([three.ha.replicas, three.ha.disruptionBudget], [3, { enabled: true, maxUnavailable: 1 }]);
        assert.strictEqual(one.standalone.enabled, false);
    });

    it("keeps volumes and spreads strictly over zones in production, deletes and spreads best-effort elsewhere", () => {
        const prod = values(3, true).server;
        const dev = values(1, false).server;
        assert.deepStrictEqual(prod.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        assert.deepStrictEqual(dev.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Delete", whenScaled: "Delete" });
        assert.deepStrictEqual([prod.topologySpreadConstraints[0].topologyKey, prod.topologySpreadConstraints[0].whenUnsatisfiable], ["topology.kubernetes.io/zone", "DoNotSchedule"]);
        assert.strictEqual(dev.topologySpreadConstraints[0].whenUnsatisfiable, "ScheduleAnyway");
        assert.deepStrictEqual(prod.topologySpreadConstraints[0].labelSelector.matchLabels, { "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": "vault", component: "server" });
        assert.deepStrictEqual([prod.dataStorage.storageClass, prod.auditStorage.enabled, prod.auditStorage.size], ["gp3-retain", true, "20Gi"]);
    });

    it("serves TLS from the layer's certificate, runs restricted, injector off", () => {
        const v = values(1, false);
        assert.strictEqual(v.global.tlsDisable, false);
        assert.deepStrictEqual(v.server.extraVolumes, [{ type: "secret", name: "vault-server-tls" }]);
        assert.strictEqual(v.server.extraEnvironmentVars.VAULT_CACERT, `${VAULT_TLS_DIR}/ca.crt`);
        assert.deepStrictEqual(v.server.statefulSet.securityContext.container, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
        assert.strictEqual(v.server.statefulSet.securityContext.pod.runAsNonRoot, true);
        assert.strictEqual(v.injector.enabled, false);
        assert.deepStrictEqual(v.server.serviceAccount, { create: true, name: "vault", annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/unseal" } });
    });

    it("names every server and Service in its certificate, short and fully qualified", () => {
        assert.deepStrictEqual(vaultServerDnsNames("vault"), SERVER_NAMES);
    });

    it("lets only Vault's role use the unseal key, with the three calls the seal makes", () => {
        const key = unsealKeyPolicy("aws", "111111111111", "arn:aws:iam::111111111111:role/vault-unseal");
        assert.deepStrictEqual(
            key.Statement.map((s: any) => [s.Principal.AWS, s.Action]),
            [
                ["arn:aws:iam::111111111111:root", "kms:*"],
                ["arn:aws:iam::111111111111:role/vault-unseal", ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"]],
            ],
        );
        const use = unsealIdentityPolicy("arn:aws:kms:eu-west-1:111111111111:key/k");
        assert.deepStrictEqual(use.Statement.map((s: any) => [s.Action, s.Resource]), [[[...UNSEAL_ACTIONS], "arn:aws:kms:eu-west-1:111111111111:key/k"]]);
        assertLeastPrivilege(use);
    });
});

describeStacks((stack) => `secrets in stack ${stack}`, "platform-secrets", ({ stack, production, plan, res }) => {
        const release = () => named(res(), "platform-secrets-vault-vault");

        it("installs the pinned Vault chart in its restricted namespace, HA raft sized for the tier", () => {
            const r = inputs(release());
            assert.deepStrictEqual([r.chart, r.version, r.name, r.namespace, r.skipAwait], ["vault", "0.34.1", "vault", "vault", true]);
            assert.strictEqual(r.repositoryOpts.repo, "https://helm.releases.hashicorp.com");
            assert.deepStrictEqual([r.values.server.ha.replicas, r.values.server.ha.disruptionBudget.enabled], production ? [3, true] : [1, false]);
            assert.strictEqual(r.values.server.dataStorage.storageClass, production ? "gp3-retain" : "gp3");
            assert.strictEqual(r.values.server.topologySpreadConstraints[0].whenUnsatisfiable, production ? "DoNotSchedule" : "ScheduleAnyway");
            assert.match(r.values.server.ha.raft.config, /seal "awskms" \{\n\s+region\s+= "eu-west-1"\n\s+kms_key_id = "key-platform-secrets-vault-unseal-key"/);
            const ns = inputs(named(res(), "platform-secrets-vault-namespace"));
            assert.deepStrictEqual([ns.metadata.name, ns.metadata.labels["pod-security.kubernetes.io/enforce"], ns.metadata.labels["platform.io/namespace-role"]], ["vault", "restricted", "platform"]);
        });

        it("protects the release and keeps the unseal key in production only; the key rotates", () => {
            const key = named(res(), "platform-secrets-vault-unseal-key");
            assert.deepStrictEqual([release().protect, key.protect, key.retainOnDelete], [production, production, production]);
            assert.strictEqual(inputs(key).enableKeyRotation, true);
            assert.strictEqual(inputs(named(res(), "platform-secrets-vault-unseal-key-alias")).name, `alias/acme-${stack}-vault-unseal`);
        });

        it("unseals through IRSA for vault/vault (its KMS seal ignores Pod Identity), scoped to its own key, and the key policy names that role", () => {
            assert.ok(!res().some((r) => r.name === "platform-secrets-vault-unseal-association"), "no Pod Identity association");
            const trust = JSON.parse(inputs(named(res(), "platform-secrets-vault-unseal-role")).assumeRolePolicy).Statement[0];
            assert.strictEqual(trust.Action, "sts:AssumeRoleWithWebIdentity");
            assert.ok(Object.values(trust.Condition.StringEquals).includes("system:serviceaccount:vault:vault"), JSON.stringify(trust.Condition));
            assert.match(inputs(release()).values.server.serviceAccount.annotations["eks.amazonaws.com/role-arn"], /:role\/platform-secrets-vault-unseal-role$/);
            const role = named(res(), "platform-secrets-vault-unseal-role");
            const key = named(res(), "platform-secrets-vault-unseal-key");
            const keyPolicy = JSON.parse(inputs(key).policy);
            const vaultStatement = keyPolicy.Statement.find((s: any) => s.Sid === "VaultAutoUnseal");
            assert.match(vaultStatement.Principal.AWS, /:role\/platform-secrets-vault-unseal-role$/);
            assert.ok(key.dependencies.includes(role.urn), "the role exists before the key policy names it");
            const use = named(res(), "platform-secrets-vault-unseal-policy");
            const doc = JSON.parse(inputs(use).policy);
            assert.deepStrictEqual(doc.Statement[0].Resource, "arn:aws:kms:eu-west-1:" + (production ? "222222222222" : "111111111111") + ":key/platform-secrets-vault-unseal-key");
            assert.ok(release().dependsOn.includes(use.urn), "Vault starts only once it may use the key");
        });

        it("gets its certificate from its own CA, approved for its names only, before the release", () => {
            const certs = ofType(res(), "kubernetes:cert-manager.io/v1:Certificate").map((c) => inputs(c).spec);
            const server = certs.find((c) => c.secretName === "vault-server-tls");
            assert.deepStrictEqual([server.issuerRef.name, server.dnsNames, server.ipAddresses], [VAULT_CA_ISSUER, SERVER_NAMES, ["127.0.0.1"]]);
            const ca = certs.find((c) => c.isCA);
            assert.deepStrictEqual([ca.issuerRef.name, ca.secretName], [VAULT_ROOT_ISSUER, "vault-ca"]);
            const policies = ofType(plan().resources, "kubernetes:policy.cert-manager.io/v1alpha1:CertificateRequestPolicy").filter((p) => inputs(p).spec.selector.namespace.matchNames[0] === "vault");
            assert.deepStrictEqual(
                policies.map((p) => [inputs(p).metadata.name, inputs(p).spec.selector.issuerRef.name, inputs(p).spec.allowed.isCA ?? false]),
                [["vault-ca", VAULT_ROOT_ISSUER, true], ["vault-servers", VAULT_CA_ISSUER, false]],
            );
            assert.deepStrictEqual(inputs(policies[1]).spec.allowed.dnsNames.values, SERVER_NAMES);
            const serverCert = named(res(), "platform-secrets-vault-server-certificate");
            for (const p of policies) assert.ok(serverCert.dependsOn.includes(p.urn));
            assert.ok(release().dependsOn.includes(serverCert.urn));
        });

        it("publishes vault.<domain> on the shared Gateway and verifies Vault's certificate behind it", () => {
            const domain = production ? "platform.acme.example" : "dev.platform.acme.example";
            const route = inputs(named(res(), "vault-vault-route")).spec;
            // The active server only: the `vault` Service also publishes sealed and not-yet-joined pods.
            assert.deepStrictEqual([route.hostnames, route.rules[0].backendRefs], [[`vault.${domain}`], [{ name: "vault-active", port: 8200 }]]);
            assert.strictEqual(inputs(named(res(), "vault-vault-route")).metadata.annotations["pulumi.com/waitFor"], 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True');
            const tls = named(res(), "vault-vault-backend-tls");
            assert.deepStrictEqual(inputs(tls).spec, {
                targetRefs: [{ group: "", kind: "Service", name: "vault-active" }],
                validation: { caCertificateRefs: [{ group: "", kind: "Secret", name: "vault-server-tls" }], hostname: "vault-active.vault.svc" },
            });
            assert.ok(named(res(), "vault-vault-route").dependsOn.includes(tls.urn));
            // The route waits for the release: its backend Service is the chart's.
            assert.ok(named(res(), "vault-vault-route").dependsOn.includes(release().urn), "the route waits for Vault's release");
            assert.strictEqual(plan().outputs.vaultAddress, `https://vault.${domain}`);
        });
});
