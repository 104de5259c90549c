// The production plan's ingress layer in full: identities, namespaces, charts and their values, the Envoy data plane,
// the Gateway and its certificate, issuers and approval. Every value is written out by hand, so a change to any of
// them is a visible, reviewed change. The load balancer controller's policy is compared with the vendored upstream
// JSON file itself, read from disk.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../plan/engine";
import { named, ofType } from "./helpers";
import { describePlan } from "./plans";
import { ACCOUNT, doc, podIdentityTrust } from "./production-expected";

const ZONE = "Z04517273ACMEPLATFORM";
const ZONE_ARN = `arn:aws:route53:::hostedzone/${ZONE}`;
const DOMAIN = "platform.acme.example";
const SYSTEM = { "platform.io/node-role": "system" };
const LINUX_SYSTEM = { "kubernetes.io/os": "linux", "platform.io/node-role": "system" };
const CRITICAL = [{ key: "CriticalAddonsOnly", operator: "Exists" }];
const PLATFORM_LABELS = { "platform.io/namespace-role": "platform", "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted" };
const OIDC = "oidc.eks.eu-west-1.amazonaws.com/id/147147147147147147147147147147";
const DNS01_ROLE = `arn:aws:iam::${ACCOUNT}:role/platform-ingress-certificates-gateway-dns01-role`;
const release = (chart: string, name: string, namespace: string, repo: string, version: string, values: unknown) => ({
    chart,
    compat: "true",
    maxHistory: 5,
    name,
    namespace,
    repositoryOpts: { repo },
    values,
    version,
});
const issuer = (name: string, server: string) => ({
    apiVersion: "cert-manager.io/v1",
    kind: "Issuer",
    metadata: { name, namespace: "platform-gateway" },
    spec: {
        acme: {
            email: "platform-team@acme.example",
            privateKeySecretRef: { name: `${name}-account-key` },
            server,
            solvers: [
                {
                    dns01: { route53: { auth: { kubernetes: { serviceAccountRef: { name: "acme-dns01" } } }, hostedZoneID: ZONE, region: "eu-west-1", role: DNS01_ROLE } },
                    selector: { dnsZones: [DOMAIN] },
                },
            ],
        },
    },
});

describePlan("ingress details: the production plan in full", "prod", ({ plan, res, the, urn }) => {
    const json = (name: string, key: string) => JSON.parse(the(name)[key]);
    const deps = (name: string) => res(name).dependsOn;
    /** Names a resource shares with one of another type (a ClusterRole and its binding). */
    const typed = (type: string, name: string) => named(ofType(plan().resources, type), name);

    it("gives the load balancer controller and external-dns Pod Identity roles, the controller its upstream policy unmodified", () => {
        assert.deepStrictEqual(json("platform-ingress-lbc-identity-role", "assumeRolePolicy"), podIdentityTrust("kube-system", "aws-load-balancer-controller"));
        assert.deepStrictEqual(the("platform-ingress-lbc-identity-role").description, "Workload identity of kube-system/aws-load-balancer-controller (PodIdentity)");
        const upstream = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "components/ingress/load-balancer-controller-iam-policy.json"), "utf8"));
        assert.deepStrictEqual(json("platform-ingress-lbc-identity-policy", "policy"), upstream);
        assert.strictEqual(the("platform-ingress-lbc-identity-policy").role, "platform-ingress-lbc-identity-role-id");
        assert.deepStrictEqual(the("platform-ingress-lbc-identity-association"), {
            clusterName: "acme-prod",
            namespace: "kube-system",
            roleArn: `arn:aws:iam::${ACCOUNT}:role/platform-ingress-lbc-identity-role`,
            serviceAccount: "aws-load-balancer-controller",
        });
        assert.deepStrictEqual(json("platform-ingress-external-dns-identity-role", "assumeRolePolicy"), podIdentityTrust("external-dns", "external-dns"));
        assert.deepStrictEqual(
            json("platform-ingress-external-dns-identity-policy", "policy"),
            doc(
                { Sid: "ChangeRecords", Effect: "Allow", Action: "route53:ChangeResourceRecordSets", Resource: ZONE_ARN },
                { Sid: "ReadZone", Effect: "Allow", Action: ["route53:ListResourceRecordSets", "route53:ListTagsForResources"], Resource: ZONE_ARN },
                { Sid: "FindZones", Effect: "Allow", Action: "route53:ListHostedZones", Resource: "*" },
            ),
        );
        assert.deepStrictEqual(the("platform-ingress-external-dns-identity-association"), {
            clusterName: "acme-prod",
            namespace: "external-dns",
            roleArn: `arn:aws:iam::${ACCOUNT}:role/platform-ingress-external-dns-identity-role`,
            serviceAccount: "external-dns",
        });
    });

    it("lets the gateway's DNS-01 account (IRSA) write only the TXT challenge record of its domain in one zone", () => {
        assert.deepStrictEqual(
            json("platform-ingress-certificates-gateway-dns01-role", "assumeRolePolicy"),
            doc({
                Effect: "Allow",
                Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${OIDC}` },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${OIDC}:sub`]: "system:serviceaccount:platform-gateway:acme-dns01", [`${OIDC}:aud`]: "sts.amazonaws.com" } },
            }),
        );
        assert.deepStrictEqual(
            json("platform-ingress-certificates-gateway-dns01-policy", "policy"),
            doc(
                { Sid: "PollChanges", Effect: "Allow", Action: "route53:GetChange", Resource: "arn:aws:route53:::change/*" },
                {
                    Sid: "AcmeChallengeRecords",
                    Effect: "Allow",
                    Action: "route53:ChangeResourceRecordSets",
                    Resource: ZONE_ARN,
                    Condition: {
                        "ForAllValues:StringEquals": {
                            "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
                            "route53:ChangeResourceRecordSetsNormalizedRecordNames": [`_acme-challenge.${DOMAIN}`],
                        },
                    },
                },
                { Sid: "ReadZone", Effect: "Allow", Action: "route53:ListResourceRecordSets", Resource: ZONE_ARN },
                { Sid: "FindZone", Effect: "Allow", Action: "route53:ListHostedZonesByName", Resource: "*" },
            ),
        );
        assert.deepStrictEqual(the("platform-ingress-certificates-gateway-dns01-sa"), { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "acme-dns01", namespace: "platform-gateway" } });
        assert.deepStrictEqual(deps("platform-ingress-certificates-gateway-dns01-sa"), [urn("platform-ingress-certificates-cert-manager"), urn("platform-ingress-ns-gateway")]);
        const tokenRbac = { name: "cert-manager-acme-dns01-token", namespace: "platform-gateway" };
        assert.deepStrictEqual(the("platform-ingress-certificates-gateway-dns01-token-role"), {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: tokenRbac,
            rules: [{ apiGroups: [""], resourceNames: ["acme-dns01"], resources: ["serviceaccounts/token"], verbs: ["create"] }],
        });
        assert.deepStrictEqual(deps("platform-ingress-certificates-gateway-dns01-token-role"), [urn("platform-ingress-certificates-cert-manager"), urn("platform-ingress-ns-gateway")]);
        assert.deepStrictEqual(the("platform-ingress-certificates-gateway-dns01-token-binding"), {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: tokenRbac,
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "cert-manager-acme-dns01-token" },
            subjects: [{ kind: "ServiceAccount", name: "cert-manager", namespace: "cert-manager" }],
        });
        assert.deepStrictEqual(deps("platform-ingress-certificates-gateway-dns01-token-binding"), [urn("platform-ingress-certificates-gateway-dns01-token-role")]);
    });

    it("creates the platform namespaces, the Envoy one with the controller's readiness gates after the controller", () => {
        const ns = (name: string, extra: Record<string, string> = {}) => ({ apiVersion: "v1", kind: "Namespace", metadata: { labels: { ...extra, ...PLATFORM_LABELS }, name } });
        assert.deepStrictEqual(the("platform-ingress-ns-cert-manager"), ns("cert-manager"));
        assert.deepStrictEqual(the("platform-ingress-ns-external-dns"), ns("external-dns"));
        assert.deepStrictEqual(the("platform-ingress-ns-gateway"), ns("platform-gateway"));
        assert.deepStrictEqual(the("platform-ingress-ns-envoy-gateway"), ns("envoy-gateway-system", { "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled" }));
        assert.deepStrictEqual(deps("platform-ingress-ns-envoy-gateway"), [urn("platform-ingress-aws-load-balancer-controller")]);
        for (const n of ["platform-ingress-ns-cert-manager", "platform-ingress-ns-external-dns", "platform-ingress-ns-gateway"]) assert.deepStrictEqual(deps(n), [], n);
    });

    it("installs the Gateway API and Envoy CRDs from their own chart, then Envoy Gateway without CRDs, two replicas spread over zones", () => {
        assert.deepStrictEqual(the("platform-ingress-gateway-crds"), {
            chart: "oci://docker.io/envoyproxy/gateway-crds-helm",
            namespace: "envoy-gateway-system",
            values: { crds: { envoyGateway: { enabled: true }, gatewayAPI: { channel: "standard", enabled: true } } },
            version: "v1.9.0",
        });
        assert.deepStrictEqual(the("platform-ingress-envoy-gateway"), {
            chart: "oci://docker.io/envoyproxy/gateway-helm",
            compat: "true",
            maxHistory: 5,
            name: "envoy-gateway",
            namespace: "envoy-gateway-system",
            skipCrds: true,
            values: {
                // The certgen Job (a pre-install/upgrade hook) is a platform pod too.
                certgen: { job: { nodeSelector: SYSTEM, tolerations: CRITICAL } },
                crds: { enabled: false },
                deployment: {
                    pod: {
                        nodeSelector: SYSTEM,
                        tolerations: CRITICAL,
                        topologySpreadConstraints: [
                            { labelSelector: { matchLabels: { "app.kubernetes.io/name": "gateway-helm" } }, maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" },
                        ],
                    },
                    priorityClassName: "system-cluster-critical",
                    replicas: 2,
                },
                podDisruptionBudget: { minAvailable: 1 },
            },
            version: "v1.9.0",
        });
        assert.deepStrictEqual(deps("platform-ingress-envoy-gateway"), [urn("platform-ingress-gateway-crds")]);
    });

    it("runs the load balancer controller for the cluster's VPC, its Gateway features and Service webhook off", () => {
        assert.deepStrictEqual(
            the("platform-ingress-aws-load-balancer-controller"),
            release("aws-load-balancer-controller", "aws-load-balancer-controller", "kube-system", "https://aws.github.io/eks-charts", "3.5.0", {
                clusterName: "acme-prod",
                controllerConfig: { featureGates: { ALBGatewayAPI: false, GatewayListenerSet: false, NLBGatewayAPI: false } },
                enableServiceMutatorWebhook: false,
                nodeSelector: SYSTEM,
                podDisruptionBudget: { maxUnavailable: 1 },
                priorityClassName: "system-cluster-critical",
                region: "eu-west-1",
                replicaCount: 2,
                serviceAccount: { create: true, name: "aws-load-balancer-controller" },
                tolerations: CRITICAL,
                vpcId: "platform-network-vpc-id",
            }),
        );
        assert.deepStrictEqual(deps("platform-ingress-aws-load-balancer-controller"), [
            urn("platform-ingress-lbc-identity-role"),
            urn("platform-ingress-lbc-identity-policy"),
            urn("platform-ingress-lbc-identity-association"),
        ]);
    });

    it("runs external-dns on the Gateway's routes of one zone, upsert-only, owned by the stack", () => {
        assert.deepStrictEqual(
            the("platform-ingress-external-dns"),
            release("external-dns", "external-dns", "external-dns", "https://kubernetes-sigs.github.io/external-dns", "1.21.1", {
                domainFilters: [DOMAIN],
                env: [{ name: "AWS_REGION", value: "eu-west-1" }],
                extraArgs: [`--zone-id-filter=${ZONE}`, "--aws-zone-type=public"],
                nodeSelector: SYSTEM,
                policy: "upsert-only",
                provider: { name: "aws" },
                registry: "txt",
                serviceAccount: { create: true, name: "external-dns" },
                sources: ["gateway-httproute", "gateway-grpcroute"],
                tolerations: CRITICAL,
                txtOwnerId: "acme-prod",
            }),
        );
        assert.deepStrictEqual(deps("platform-ingress-external-dns"), [
            urn("platform-ingress-gateway-crds"),
            urn("platform-ingress-external-dns-identity-role"),
            urn("platform-ingress-external-dns-identity-policy"),
            urn("platform-ingress-external-dns-identity-association"),
        ]);
    });

    it("runs cert-manager highly available with its CRDs kept, no auto-approval and no ambient credentials; approver-policy after it", () => {
        const ha = { nodeSelector: LINUX_SYSTEM, podDisruptionBudget: { enabled: true, minAvailable: 1 }, replicaCount: 2, tolerations: CRITICAL };
        assert.deepStrictEqual(
            the("platform-ingress-certificates-cert-manager"),
            release("cert-manager", "cert-manager", "cert-manager", "https://charts.jetstack.io", "v1.21.1", {
                ...ha,
                cainjector: ha,
                config: {
                    apiVersion: "controller.config.cert-manager.io/v1alpha1",
                    clusterIssuerAmbientCredentials: false,
                    gatewayAPI: { enabled: true },
                    issuerAmbientCredentials: false,
                    kind: "ControllerConfiguration",
                },
                crds: { enabled: true, keep: true },
                disableAutoApproval: true,
                prometheus: { enabled: true },
                serviceAccount: { create: true, name: "cert-manager" },
                startupapicheck: { nodeSelector: LINUX_SYSTEM, tolerations: CRITICAL },
                webhook: ha,
            }),
        );
        assert.deepStrictEqual(deps("platform-ingress-certificates-cert-manager"), [urn("platform-ingress-gateway-crds")]);
        assert.deepStrictEqual(
            the("platform-ingress-certificates-approver-policy"),
            release("cert-manager-approver-policy", "cert-manager-approver-policy", "cert-manager", "https://charts.jetstack.io", "v0.27.0", {
                ...ha,
                app: { approveSignerNames: ["issuers.cert-manager.io/*"] },
                crds: { enabled: true, keep: true },
            }),
        );
        assert.deepStrictEqual(deps("platform-ingress-certificates-approver-policy"), [urn("platform-ingress-certificates-cert-manager")]);
    });

    it("defines both ACME issuers in the gateway's namespace, solving DNS-01 with the account's token, after its RBAC", () => {
        assert.deepStrictEqual(the("platform-ingress-certificates-gateway-issuer-letsencrypt-staging"), issuer("letsencrypt-staging", "https://acme-staging-v02.api.letsencrypt.org/directory"));
        assert.deepStrictEqual(the("platform-ingress-certificates-gateway-issuer-letsencrypt-production"), issuer("letsencrypt-production", "https://acme-v02.api.letsencrypt.org/directory"));
        for (const name of ["platform-ingress-certificates-gateway-issuer-letsencrypt-staging", "platform-ingress-certificates-gateway-issuer-letsencrypt-production"]) {
            assert.deepStrictEqual(
                deps(name),
                ["platform-ingress-certificates-cert-manager", "platform-ingress-ns-gateway", "platform-ingress-certificates-gateway-dns01-sa", "platform-ingress-certificates-gateway-dns01-token-binding"].map(urn),
                name,
            );
        }
    });

    it("approves the gateway's certificate only for its names, its issuers and its namespace, and lets cert-manager use that policy", () => {
        assert.deepStrictEqual(the("platform-ingress-certificates-gateway-certificate-policy"), {
            apiVersion: "policy.cert-manager.io/v1alpha1",
            kind: "CertificateRequestPolicy",
            metadata: { name: "platform-gateway" },
            spec: {
                allowed: { dnsNames: { required: true, values: [DOMAIN, `*.${DOMAIN}`] }, usages: ["digital signature", "key encipherment", "server auth"] },
                selector: { issuerRef: { group: "cert-manager.io", kind: "Issuer", name: "letsencrypt-*" }, namespace: { matchNames: ["platform-gateway"] } },
            },
        });
        assert.deepStrictEqual(deps("platform-ingress-certificates-gateway-certificate-policy"), [urn("platform-ingress-certificates-approver-policy")]);
        const role = typed("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "platform-ingress-certificates-gateway-certificate-policy-use");
        assert.deepStrictEqual(role.inputs, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: "cert-manager-policy:platform-gateway" },
            rules: [{ apiGroups: ["policy.cert-manager.io"], resourceNames: ["platform-gateway"], resources: ["certificaterequestpolicies"], verbs: ["use"] }],
        });
        const binding = typed("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "platform-ingress-certificates-gateway-certificate-policy-use");
        assert.deepStrictEqual(binding.inputs, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: "cert-manager-policy:platform-gateway" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cert-manager-policy:platform-gateway" },
            subjects: [{ kind: "ServiceAccount", name: "cert-manager", namespace: "cert-manager" }],
        });
        assert.deepStrictEqual(binding.dependsOn, [role.urn]);
    });

    it("approves Vault's and Keycloak's private CAs: each CA certificate from its root only, server names from its CA only, in its namespace", () => {
        const policy = (name: string, issuerName: string, namespace: string, allowed: unknown) => ({
            apiVersion: "policy.cert-manager.io/v1alpha1",
            kind: "CertificateRequestPolicy",
            metadata: { name },
            spec: { allowed, selector: { issuerRef: { group: "cert-manager.io", kind: "Issuer", name: issuerName }, namespace: { matchNames: [namespace] } } },
        });
        const caUsages = ["digital signature", "key encipherment", "cert sign"];
        const serverUsages = ["digital signature", "key encipherment", "server auth", "client auth"];
        const names = (service: string, namespace: string) => [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
        assert.deepStrictEqual(
            the("platform-secrets-vault-ca-certificate-policy"),
            policy("vault-ca", "vault-root", "vault", { commonName: { required: true, value: "Vault internal CA" }, isCA: true, usages: caUsages }),
        );
        assert.deepStrictEqual(
            the("platform-secrets-vault-servers-certificate-policy"),
            policy("vault-servers", "vault-ca", "vault", {
                dnsNames: {
                    required: true,
                    values: [...names("vault", "vault"), ...names("vault-active", "vault"), ...names("vault-standby", "vault"), "*.vault-internal", "*.vault-internal.vault.svc", "*.vault-internal.vault.svc.cluster.local"],
                },
                ipAddresses: { values: ["127.0.0.1"] },
                usages: serverUsages,
            }),
        );
        assert.deepStrictEqual(
            the("platform-sso-keycloak-ca-certificate-policy"),
            policy("keycloak-ca", "keycloak-root", "keycloak", { commonName: { required: true, value: "Keycloak internal CA" }, isCA: true, usages: caUsages }),
        );
        assert.deepStrictEqual(
            the("platform-sso-keycloak-servers-certificate-policy"),
            policy("keycloak-servers", "keycloak-ca", "keycloak", { dnsNames: { required: true, values: names("keycloak-service", "keycloak") }, usages: serverUsages }),
        );
        for (const name of ["vault-ca", "vault-servers", "keycloak-ca", "keycloak-servers"]) {
            const prefix = name.startsWith("vault") ? "platform-secrets-" : "platform-sso-";
            const role = typed("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", `${prefix}${name}-certificate-policy-use`);
            const binding = typed("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", `${prefix}${name}-certificate-policy-use`);
            assert.deepStrictEqual(role.inputs.rules, [{ apiGroups: ["policy.cert-manager.io"], resourceNames: [name], resources: ["certificaterequestpolicies"], verbs: ["use"] }], name);
            assert.deepStrictEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "cert-manager", namespace: "cert-manager" }], name);
            assert.deepStrictEqual(binding.inputs.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `cert-manager-policy:${name}` }, name);
            assert.deepStrictEqual(deps(`${prefix}${name}-certificate-policy`), [urn("platform-ingress-certificates-approver-policy")], name);
            for (const r of [role, binding, res(`${prefix}${name}-certificate-policy`)]) assert.strictEqual(r.parent, urn("platform-ingress-certificates"), r.name);
        }
    });

    it("has the Gateway verify Vault's and Keycloak's certificates on the way to them (BackendTLSPolicy), after the Gateway", () => {
        const backendTls = (name: string, namespace: string, service: string, caSecret: string) => ({
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "BackendTLSPolicy",
            metadata: { name, namespace },
            spec: {
                targetRefs: [{ group: "", kind: "Service", name: service }],
                validation: { caCertificateRefs: [{ group: "", kind: "Secret", name: caSecret }], hostname: `${service}.${namespace}.svc` },
            },
        });
        assert.deepStrictEqual(the("vault-vault-backend-tls"), backendTls("vault", "vault", "vault-active", "vault-server-tls"));
        assert.deepStrictEqual(the("keycloak-sso-backend-tls"), backendTls("sso", "keycloak", "keycloak-service", "keycloak-server-tls"));
        assert.deepStrictEqual(deps("vault-vault-backend-tls"), [urn("platform-ingress-gateway"), urn("platform-secrets-vault-vault")]);
        assert.deepStrictEqual(res("vault-vault-backend-tls").parent, urn("platform-secrets-vault"));
        // Each route waits for its backend's policy, so no request reaches the service unverified.
        assert.ok(deps("vault-vault-route").includes(urn("vault-vault-backend-tls")));
        assert.ok(deps("keycloak-sso-route").includes(urn("keycloak-sso-backend-tls")));
    });

    it("issues the wildcard certificate from the production issuer with a rotated ECDSA key, after its issuers, policy and clean-up", () => {
        assert.deepStrictEqual(the("platform-ingress-certificates-gateway-certificate"), {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: "platform-gateway", namespace: "platform-gateway" },
            spec: {
                dnsNames: [DOMAIN, `*.${DOMAIN}`],
                issuerRef: { group: "cert-manager.io", kind: "Issuer", name: "letsencrypt-production" },
                privateKey: { algorithm: "ECDSA", rotationPolicy: "Always", size: 256 },
                secretName: "platform-gateway-tls",
            },
        });
        const policyUse = typed("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "platform-ingress-certificates-gateway-certificate-policy-use");
        assert.deepStrictEqual(deps("platform-ingress-certificates-gateway-certificate"), [
            urn("platform-ingress-certificates-gateway-issuer-letsencrypt-staging"),
            urn("platform-ingress-certificates-gateway-issuer-letsencrypt-production"),
            urn("platform-ingress-ns-gateway"),
            urn("platform-ingress-certificates-finalizer-cleanup"),
            urn("platform-ingress-certificates-gateway-certificate-policy"),
            policyUse.urn,
        ]);
        assert.deepStrictEqual(deps("platform-ingress-certificates-finalizer-cleanup"), [
            urn("platform-ingress-certificates-cert-manager"),
            urn("platform-ingress-certificates-gateway-issuer-letsencrypt-staging"),
            urn("platform-ingress-certificates-gateway-issuer-letsencrypt-production"),
        ]);
        const cleanup = the("platform-ingress-certificates-finalizer-cleanup");
        assert.deepStrictEqual([cleanup.name, cleanup.namespace, cleanup.timeout], ["cert-manager-finalizer-cleanup", "cert-manager", 660]);
        const job = cleanup.values.objects.find((o: { kind: string }) => o.kind === "Job");
        assert.deepStrictEqual(job.spec.template.spec.containers[0].command, [
            "kubectl",
            "delete",
            "challenges.acme.cert-manager.io,orders.acme.cert-manager.io",
            "--all",
            "--all-namespaces",
            "--ignore-not-found",
            "--wait",
            "--timeout=5m",
        ]);
    });

    it("shapes the Envoy data plane: three replicas one per zone, a PDB, an internet-facing NLB with proxy protocol in the public subnets", () => {
        const subnets = ["eu-west-1a", "eu-west-1b", "eu-west-1c"].map((z) => `platform-network-public-${z}-id`).join(",");
        assert.deepStrictEqual(the("platform-ingress-envoy-proxy"), {
            apiVersion: "gateway.envoyproxy.io/v1alpha1",
            kind: "EnvoyProxy",
            metadata: { name: "platform", namespace: "envoy-gateway-system" },
            spec: {
                provider: {
                    kubernetes: {
                        envoyDeployment: {
                            pod: {
                                nodeSelector: SYSTEM,
                                tolerations: CRITICAL,
                                topologySpreadConstraints: [
                                    {
                                        labelSelector: { matchLabels: { "gateway.envoyproxy.io/owning-gateway-name": "platform" } },
                                        maxSkew: 1,
                                        topologyKey: "topology.kubernetes.io/zone",
                                        whenUnsatisfiable: "DoNotSchedule",
                                    },
                                ],
                            },
                            replicas: 3,
                        },
                        envoyPDB: { minAvailable: 1 },
                        envoyService: {
                            annotations: {
                                "service.beta.kubernetes.io/aws-load-balancer-attributes": "load_balancing.cross_zone.enabled=true",
                                "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
                                "service.beta.kubernetes.io/aws-load-balancer-proxy-protocol": "*",
                                "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
                                "service.beta.kubernetes.io/aws-load-balancer-subnets": subnets,
                                "service.beta.kubernetes.io/aws-load-balancer-type": "external",
                            },
                            externalTrafficPolicy: "Cluster",
                            loadBalancerClass: "service.k8s.aws/nlb",
                            type: "LoadBalancer",
                        },
                    },
                    type: "Kubernetes",
                },
            },
        });
        assert.deepStrictEqual(deps("platform-ingress-envoy-proxy"), [urn("platform-ingress-gateway-crds"), urn("platform-ingress-ns-envoy-gateway"), urn("platform-ingress-envoy-gateway")]);
        assert.deepStrictEqual(the("platform-ingress-gateway-class"), {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "GatewayClass",
            metadata: { name: "platform" },
            spec: {
                controllerName: "gateway.envoyproxy.io/gatewayclass-controller",
                parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: "platform", namespace: "envoy-gateway-system" },
            },
        });
        assert.deepStrictEqual(deps("platform-ingress-gateway-class"), [urn("platform-ingress-gateway-crds"), urn("platform-ingress-envoy-proxy"), urn("platform-ingress-envoy-gateway")]);
        assert.deepStrictEqual(the("platform-ingress-proxy-protocol"), {
            apiVersion: "gateway.envoyproxy.io/v1alpha1",
            kind: "ClientTrafficPolicy",
            metadata: { name: "proxy-protocol", namespace: "platform-gateway" },
            spec: { proxyProtocol: {}, targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "platform" }] },
        });
        assert.deepStrictEqual(deps("platform-ingress-proxy-protocol"), [urn("platform-ingress-gateway-crds"), urn("platform-ingress-gateway")]);
    });

    it("opens the Gateway (waited for up to 20 minutes): HTTP for its own redirect, HTTPS for platform and tenant routes", () => {
        assert.deepStrictEqual(the("platform-ingress-gateway"), {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "Gateway",
            metadata: { annotations: { "pulumi.com/waitFor": "condition=Programmed" }, name: "platform", namespace: "platform-gateway" },
            spec: {
                gatewayClassName: "platform",
                listeners: [
                    { allowedRoutes: { namespaces: { from: "Same" } }, name: "http", port: 80, protocol: "HTTP" },
                    {
                        allowedRoutes: {
                            kinds: [{ kind: "HTTPRoute" }, { kind: "GRPCRoute" }],
                            namespaces: { from: "Selector", selector: { matchExpressions: [{ key: "platform.io/namespace-role", operator: "In", values: ["platform", "tenant"] }] } },
                        },
                        hostname: `*.${DOMAIN}`,
                        name: "https",
                        port: 443,
                        protocol: "HTTPS",
                        tls: { certificateRefs: [{ kind: "Secret", name: "platform-gateway-tls" }], mode: "Terminate" },
                    },
                ],
            },
        });
        assert.deepStrictEqual(res("platform-ingress-gateway").customTimeouts, { create: "20m", update: "20m" });
        assert.deepStrictEqual(deps("platform-ingress-gateway"), [
            urn("platform-ingress-gateway-class"),
            urn("platform-ingress-envoy-gateway"),
            urn("platform-ingress-aws-load-balancer-controller"),
            urn("platform-ingress-certificates-gateway-certificate"),
        ]);
        assert.deepStrictEqual(the("platform-ingress-https-redirect"), {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: { name: "https-redirect", namespace: "platform-gateway" },
            spec: {
                parentRefs: [{ name: "platform", namespace: "platform-gateway", sectionName: "http" }],
                rules: [{ filters: [{ requestRedirect: { scheme: "https", statusCode: 301 }, type: "RequestRedirect" }] }],
            },
        });
        assert.deepStrictEqual(deps("platform-ingress-https-redirect"), [urn("platform-ingress-gateway")]);
    });

    it("publishes each platform service on the HTTPS listener, waiting until the Gateway accepts the route", () => {
        const accepted = 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True';
        const prefixes = (...values: string[]) => values.map((value) => ({ path: { type: "PathPrefix", value } }));
        const notFound = (name: string, ...paths: string[]) => ({
            filters: [{ extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name: `${name}-not-found` }, type: "ExtensionRef" }],
            matches: prefixes(...paths),
        });
        const route = (name: string, namespace: string, backend: string, port: number, paths: string[], ...blocked: object[]) => ({
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: { annotations: { "pulumi.com/waitFor": accepted }, name, namespace },
            spec: {
                hostnames: [`${name}.${DOMAIN}`],
                parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "platform", namespace: "platform-gateway", sectionName: "https" }],
                rules: [{ backendRefs: [{ name: backend, port }], matches: prefixes(...paths) }, ...blocked],
            },
        });
        assert.deepStrictEqual(the("argocd-argocd-route"), route("argocd", "argocd", "argocd-server", 80, ["/"], notFound("argocd", "/api/webhook")));
        assert.deepStrictEqual(the("monitoring-grafana-route"), route("grafana", "monitoring", "grafana", 80, ["/"], notFound("grafana", "/metrics")));
        // Keycloak's guide: only /realms/, /resources/ and /.well-known/ in public, less the master realm; everything else on the admin name.
        assert.deepStrictEqual(the("keycloak-sso-route"), route("sso", "keycloak", "keycloak-service", 8443, ["/realms", "/resources", "/.well-known"], notFound("sso", "/realms/master")));
        assert.deepStrictEqual(the("keycloak-sso-admin-route"), route("sso-admin", "keycloak", "keycloak-service", 8443, ["/"]));
        // Metrics, and what Vault answers without a token (root generation, rekeying, initialisation).
        assert.deepStrictEqual(
            the("vault-vault-route"),
            route("vault", "vault", "vault-active", 8200, ["/"], notFound("vault", "/v1/sys/metrics", "/v1/sys/generate-root", "/v1/sys/rekey", "/v1/sys/rekey-recovery-key", "/v1/sys/init")),
        );
        for (const [name, namespace] of [["grafana", "monitoring"], ["vault", "vault"]]) {
            assert.deepStrictEqual(the(`${namespace}-${name}-not-found`), {
                apiVersion: "gateway.envoyproxy.io/v1alpha1",
                kind: "HTTPRouteFilter",
                metadata: { name: `${name}-not-found`, namespace },
                spec: { directResponse: { statusCode: 404 } },
            });
        }
        // The production stack's allowedCidrs: the admin console and Vault, each admitting those CIDRs only.
        const clientCidrs = (name: string, namespace: string) => ({
            apiVersion: "gateway.envoyproxy.io/v1alpha1",
            kind: "SecurityPolicy",
            metadata: { name: `${name}-client-cidrs`, namespace },
            spec: {
                authorization: { defaultAction: "Deny", rules: [{ action: "Allow", name: "allowed-client-cidrs", principal: { clientCIDRs: ["198.51.100.0/24", "203.0.113.10/32"] } }] },
                targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name }],
            },
        });
        assert.deepStrictEqual(the("keycloak-sso-admin-client-cidrs"), clientCidrs("sso-admin", "keycloak"));
        assert.deepStrictEqual(the("vault-vault-client-cidrs"), clientCidrs("vault", "vault"));
        assert.deepStrictEqual(
            plan().resources.filter((r) => r.type === "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy").map((r) => r.name).sort(),
            ["keycloak-sso-admin-client-cidrs", "vault-vault-client-cidrs"],
        );
        // What guards a route exists before it: its backend TLS policy, its 404 filter, its client-CIDR policy.
        assert.deepStrictEqual(deps("monitoring-grafana-route"), [urn("platform-ingress-gateway"), urn("platform-observability-grafana"), urn("monitoring-grafana-not-found")]);
        assert.deepStrictEqual(deps("vault-vault-route"), [
            urn("platform-ingress-gateway"),
            urn("platform-secrets-vault-vault"),
            urn("vault-vault-backend-tls"),
            urn("vault-vault-not-found"),
            urn("vault-vault-client-cidrs"),
        ]);
        assert.deepStrictEqual(deps("keycloak-sso-admin-route"), [
            urn("platform-ingress-gateway"),
            urn("platform-sso-keycloak-namespace"),
            urn("platform-sso-keycloak-server-certificate"),
            urn("keycloak-sso-route"),
            urn("keycloak-sso-admin-client-cidrs"),
        ]);
        assert.strictEqual(res("monitoring-grafana-route").parent, urn("platform-observability"));
    });

    it("registers the domain, the gateway, the existing zone and the load balancer's hostname", () => {
        assert.deepStrictEqual(res("platform-ingress").registeredOutputs, {
            domain: DOMAIN,
            gatewayName: "platform",
            gatewayNamespace: "platform-gateway",
            hostedZoneId: ZONE,
            loadBalancerHostname: "k8s-platform-ingress-gateway-0123456789.elb.eu-west-1.amazonaws.com",
            nameServers: [],
        });
        assert.deepStrictEqual(res("platform-ingress-zone").registeredOutputs, { arn: ZONE_ARN, nameServers: [], zoneId: ZONE });
        assert.deepStrictEqual(res("platform-ingress-certificates").registeredOutputs, { certificate: "platform-gateway" });
        assert.deepStrictEqual(
            plan().resources.filter((r) => r.parent === urn("platform-ingress-zone")),
            [],
            "an existing zone is looked up, never created",
        );
    });
});

describePlan("ingress details: the development plan's own zone", "dev", ({ res, the }) => {
    it("runs single controllers without disruption budgets that could never be met", () => {
        const certManager = the("platform-ingress-certificates-cert-manager").values;
        for (const part of [certManager, certManager.webhook, certManager.cainjector, the("platform-ingress-certificates-approver-policy").values]) {
            assert.deepStrictEqual([part.replicaCount, part.podDisruptionBudget], [1, { enabled: false, minAvailable: 1 }]);
        }
        assert.deepStrictEqual(the("platform-ingress-envoy-gateway").values.podDisruptionBudget, { minAvailable: 0 });
    });

    it("creates a delegated zone for the stack's domain, disposable in development", () => {
        assert.deepStrictEqual(the("platform-ingress-zone-zone"), { comment: "Platform names under dev.platform.acme.example", forceDestroy: true, name: "dev.platform.acme.example" });
        assert.deepStrictEqual([res("platform-ingress-zone-zone").protect, res("platform-ingress-zone-zone").retainOnDelete], [false, false]);
        assert.strictEqual(res("platform-ingress-zone-zone").parent, res("platform-ingress-zone").urn);
    });
});
