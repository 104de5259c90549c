import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { planStack, Plan, PlannedResource, PROJECT_DIR, record } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";
import { Platform } from "../components/platform/platform";
import { gatewaySpec, httpRouteSpec, httpsRedirectRoute } from "../components/ingress/gateway-objects";
import { acmeIssuerSpec, approved, certificateRequestPolicySpec, wildcardMatches } from "../components/ingress/certificate-policy";
import { acmeDns01Policy, externalDnsPolicy } from "../components/ingress/policies";
import { checkCertificateGrant } from "../components/ingress/certificates";
import { nlbAnnotations } from "../components/ingress/values";
import { LOAD_BALANCER_CONTROLLER_POLICY } from "../components/ingress/load-balancer-controller-policy";
import { assertLeastPrivilege, idOf, inputs, named, ofType, within } from "./helpers";
import { committedPlan } from "./plans";
import { networkState, reaches } from "./network-reach";
import { cidrWithin } from "../components/network/cidr";

const ZONE = "arn:aws:route53:::hostedzone/Z123";
/** The dev account, run by its PlatformAdmin role (an admin, as the deployer must be). */
const DEV_CLOUD = { accountId: "111111111111", region: "eu-west-1", partition: "aws", callerArn: "arn:aws:sts::111111111111:assumed-role/PlatformAdmin/test" };

describe("ingress decisions", () => {
    it("serves HTTP for redirects only and HTTPS for *.<domain> with the wildcard certificate", () => {
        const gw = gatewaySpec("platform-gateway", "example.com");
        const [http, https] = gw.spec.listeners;
        assert.deepStrictEqual([http.protocol, http.port, http.allowedRoutes.namespaces], ["HTTP", 80, { from: "Same" }]);
        assert.deepStrictEqual([https.protocol, https.port, https.hostname], ["HTTPS", 443, "*.example.com"]);
        assert.deepStrictEqual(https.tls, { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "platform-gateway-tls" }] });
        assert.deepStrictEqual(https.allowedRoutes.namespaces, {
            from: "Selector",
            selector: { matchExpressions: [{ key: "platform.io/namespace-role", operator: "In", values: ["platform", "tenant"] }] },
        });
        const redirect = httpsRedirectRoute("platform-gateway");
        assert.deepStrictEqual(redirect.spec.parentRefs, [{ name: "platform", namespace: "platform-gateway", sectionName: "http" }]);
        assert.deepStrictEqual(redirect.spec.rules[0].filters, [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }]);
    });

    it("publishes a service at <name>.<domain> on the HTTPS listener", () => {
        const route = httpRouteSpec({ name: "grafana", namespace: "monitoring", serviceName: "grafana", servicePort: 3000 }, "example.com", "platform-gateway");
        // Pulumi waits until the Gateway accepted the route, so what uses the hostname comes after.
        assert.deepStrictEqual(route.metadata, {
            name: "grafana",
            namespace: "monitoring",
            annotations: { "pulumi.com/waitFor": 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True' },
        });
        assert.deepStrictEqual(route.spec.hostnames, ["grafana.example.com"]);
        assert.deepStrictEqual(route.spec.parentRefs, [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "platform", namespace: "platform-gateway", sectionName: "https" }]);
        assert.deepStrictEqual(route.spec.rules[0].backendRefs, [{ name: "grafana", port: 3000 }]);
    });

    it("points each namespaced ACME issuer at its server, solving DNS-01 with its own ServiceAccount's token for the role", () => {
        const args = { namespace: "platform-gateway", email: "ops@example.com", region: "eu-west-1", hostedZoneId: "Z123", domain: "example.com", roleArn: "arn:aws:iam::1:role/r" };
        const staging = acmeIssuerSpec("letsencrypt-staging", args);
        const production = acmeIssuerSpec("letsencrypt-production", args);
        assert.deepStrictEqual([staging.kind, staging.metadata], ["Issuer", { name: "letsencrypt-staging", namespace: "platform-gateway" }]);
        assert.strictEqual(staging.spec.acme.server, "https://acme-staging-v02.api.letsencrypt.org/directory");
        assert.strictEqual(production.spec.acme.server, "https://acme-v02.api.letsencrypt.org/directory");
        assert.deepStrictEqual(production.spec.acme.solvers, [
            {
                selector: { dnsZones: ["example.com"] },
                dns01: {
                    route53: { region: "eu-west-1", hostedZoneID: "Z123", role: "arn:aws:iam::1:role/r", auth: { kubernetes: { serviceAccountRef: { name: "acme-dns01" } } } },
                },
            },
        ]);
        assert.notStrictEqual(staging.spec.acme.privateKeySecretRef.name, production.spec.acme.privateKeySecretRef.name);
    });

    it("matches names as approver-policy does ('*' is any string, dots included)", () => {
        const cases: [string, string, boolean][] = [
            ["*.example.com", "a.example.com", true],
            ["*.example.com", "a.b.example.com", true],
            ["*.example.com", "*.example.com", true],
            ["*.example.com", "example.com", false],
            ["*.example.com", "a.example.com.evil.org", false],
            ["shop.example.com", "shop.example.com", true],
            ["shop.example.com", "shopxexample.com", false],
        ];
        for (const [pattern, value, want] of cases) assert.strictEqual(wildcardMatches(pattern, value), want, `${pattern} ~ ${value}`);
    });

    it("approves certificate requests only where a policy gives the namespace those names (a tenant cannot take the domain)", () => {
        const gateway = certificateRequestPolicySpec("platform-gateway", { namespace: "platform-gateway", dnsNames: ["example.com", "*.example.com"] });
        const team = certificateRequestPolicySpec("team-a", { namespace: "team-a", dnsNames: ["shop.example.com"] });
        const issuerRef = { group: "cert-manager.io", kind: "Issuer", name: "letsencrypt-production" };
        const usages = ["digital signature", "key encipherment", "server auth"];
        const request = (namespace: string, dnsNames: string[], ref = issuerRef) => ({ namespace, issuerRef: ref, dnsNames, usages });
        const table: [string, ReturnType<typeof request>, boolean][] = [
            ["the gateway's wildcard", request("platform-gateway", ["example.com", "*.example.com"]), true],
            ["a tenant asking for the wildcard", request("team-a", ["*.example.com"]), false],
            ["a tenant asking for another team's host", request("team-a", ["api.example.com"]), false],
            ["a tenant asking for its own host", request("team-a", ["shop.example.com"]), true],
            ["a tenant mixing its host with another", request("team-a", ["shop.example.com", "api.example.com"]), false],
            ["a namespace without a policy", request("team-b", ["shop.example.com"]), false],
            ["the gateway asking for another domain", request("platform-gateway", ["example.org"]), false],
            ["a ClusterIssuer (none is the platform's)", request("platform-gateway", ["example.com"], { ...issuerRef, kind: "ClusterIssuer" }), false],
            ["a client-auth usage", { ...request("team-a", ["shop.example.com"]), usages: ["client auth"] }, false],
            ["no names at all", request("team-a", []), false],
            ["a server-auth usage with a client-auth one", { ...request("team-a", ["shop.example.com"]), usages: [...usages, "client auth"] }, false],
            ["a namespace any of the policy's names matches", request("team-b", ["shop.example.com"]), true],
        ];
        const twoNamespaces = { spec: { ...team.spec, selector: { ...team.spec.selector, namespace: { matchNames: ["team-a", "team-b"] } } } };
        for (const [what, r, want] of table.slice(0, -1)) assert.strictEqual(approved([gateway, team], r), want, what);
        for (const [what, r, want] of table.slice(-1)) assert.strictEqual(approved([twoNamespaces], r), want, what);
    });

    it("refuses certificate grants that would clash or could not be served", () => {
        const ok = { namespace: "team-a", dnsNames: ["shop.example.com", "*.team-a.example.com"] };
        assert.doesNotThrow(() => checkCertificateGrant("team-a", ok, new Set()));
        assert.throws(() => checkCertificateGrant("team-a", ok, new Set(["team-a"])), /namespace team-a already has certificate issuers/);
        assert.throws(() => checkCertificateGrant("team-a", { ...ok, dnsNames: ["shop-*.example.com"] }, new Set()), /not a DNS name or a leading-wildcard one/);
        assert.throws(() => checkCertificateGrant("team-a", { ...ok, dnsNames: ["shop.example.com_"] }, new Set()), /not a DNS name or a leading-wildcard one/);
        assert.doesNotThrow(() => checkCertificateGrant("team-a", { ...ok, dnsNames: ["a.example.com", "*.b.example.com"] }, new Set()));
        assert.throws(() => checkCertificateGrant("t".repeat(46), ok, new Set()), /too long for its IAM role \(at most 45 characters\)/);
        assert.doesNotThrow(() => checkCertificateGrant("t".repeat(45), ok, new Set()));
    });

    it("limits a DNS-01 account to the TXT challenge records of its certificate names, in one zone", () => {
        const doc = acmeDns01Policy("aws", ZONE, ["example.com", "*.example.com", "shop.example.com"]);
        assertLeastPrivilege(doc, ["route53:ListHostedZonesByName"]);
        const change = doc.Statement.find((s) => s.Action === "route53:ChangeResourceRecordSets")!;
        assert.strictEqual(change.Resource, ZONE);
        assert.deepStrictEqual(change.Condition, {
            "ForAllValues:StringEquals": {
                "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
                // A wildcard's challenge is its base name's record; no other name of the zone is reachable.
                "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.example.com", "_acme-challenge.shop.example.com"],
            },
        });
    });

    it("limits external-dns to changing records of one zone", () => {
        const doc = externalDnsPolicy(ZONE);
        assertLeastPrivilege(doc, ["route53:ListHostedZones"]);
        const writes = doc.Statement.filter((s) => [s.Action].flat().includes("route53:ChangeResourceRecordSets"));
        assert.deepStrictEqual(writes.map((s) => s.Resource), [ZONE]);
    });

    it("asks for an NLB with IP targets, cross-zone balancing and one way of keeping the client address", () => {
        const withProxy = nlbAnnotations({ scheme: "internet-facing", proxyProtocol: true, subnetIds: "a,b" });
        assert.strictEqual(withProxy["service.beta.kubernetes.io/aws-load-balancer-type"], "external");
        assert.strictEqual(withProxy["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"], "ip");
        assert.strictEqual(withProxy["service.beta.kubernetes.io/aws-load-balancer-attributes"], "load_balancing.cross_zone.enabled=true");
        assert.strictEqual(withProxy["service.beta.kubernetes.io/aws-load-balancer-proxy-protocol"], "*");
        assert.ok(!("service.beta.kubernetes.io/aws-load-balancer-target-group-attributes" in withProxy));
        const internal = nlbAnnotations({ scheme: "internal", proxyProtocol: false, subnetIds: "c" });
        assert.strictEqual(internal["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internal");
        assert.strictEqual(internal["service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"], "preserve_client_ip.enabled=true");
        assert.ok(!("service.beta.kubernetes.io/aws-load-balancer-proxy-protocol" in internal));
        const pinned = nlbAnnotations({ scheme: "internal", proxyProtocol: true, subnetIds: "c,d", privateIpv4Addresses: ["10.0.31.224", "10.0.63.224"] });
        assert.strictEqual(pinned["service.beta.kubernetes.io/aws-load-balancer-private-ipv4-addresses"], "10.0.31.224,10.0.63.224");
        // The controller refuses private addresses on an internet-facing NLB (model_build_load_balancer.go): so does the program.
        assert.throws(() => nlbAnnotations({ scheme: "internet-facing", proxyProtocol: true, subnetIds: "a", privateIpv4Addresses: ["10.0.31.224"] }), /internal NLB only/);
    });

    it("carries the load balancer controller's official policy unmodified (scoped by its own tag conditions)", () => {
        const actions = LOAD_BALANCER_CONTROLLER_POLICY.Statement.flatMap((s) => [s.Action].flat());
        for (const a of ["elasticloadbalancing:CreateLoadBalancer", "ec2:CreateSecurityGroup", "elasticloadbalancing:DescribeListenerAttributes"]) assert.ok(actions.includes(a), a);
        const create = LOAD_BALANCER_CONTROLLER_POLICY.Statement.find((s) => [s.Action].flat().includes("elasticloadbalancing:CreateLoadBalancer"))!;
        assert.deepStrictEqual(create.Condition, { Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" } });
    });
});

const expected = {
    dev: { issuer: "letsencrypt-production", policy: "sync", envoys: 2, spread: "ScheduleAnyway", controllers: 1, zoneCreated: true },
    prod: { issuer: "letsencrypt-production", policy: "upsert-only", envoys: 3, spread: "DoNotSchedule", controllers: 2, zoneCreated: false },
} as const;

for (const stack of ["dev", "prod"] as const) {
    describe(`ingress in stack ${stack} @stack`, () => {
        const want = expected[stack];
        const cfg = parsePlatformConfig(readStackConfig(PROJECT_DIR, stack).config, "platform");
        const domain = cfg.ingress.domain;
        let plan: Plan;
        let res: PlannedResource[];
        const release = (name: string) => inputs(named(res, `platform-ingress-${name}`));
        const object = (kind: string) => ofType(res, kind)[0];
        before(async () => {
            plan = await committedPlan(stack);
            res = within(plan.resources, "platform-ingress");
        });

        it("installs the Gateway API CRDs (standard channel) before the controller, the class and any Gateway", () => {
            const crds = named(res, "platform-ingress-gateway-crds");
            // Not a Helm release: the CRDs overflow Helm's 1 MiB release Secret, so they are rendered and applied one by one.
            assert.strictEqual(crds.type, "kubernetes:helm.sh/v4:Chart");
            assert.strictEqual(ofType(res, "kubernetes:helm.sh/v3:Release").filter((r) => inputs(r).chart === inputs(crds).chart).length, 0);
            assert.deepStrictEqual(inputs(crds).values, { crds: { gatewayAPI: { enabled: true, channel: "standard" }, envoyGateway: { enabled: true } } });
            assert.deepStrictEqual([inputs(crds).chart, inputs(crds).version], ["oci://docker.io/envoyproxy/gateway-crds-helm", cfg.ingress.charts.envoyGateway]);
            const controller = named(res, "platform-ingress-envoy-gateway");
            assert.ok(controller.dependsOn.includes(crds.urn));
            assert.strictEqual(inputs(controller).skipCrds, true);
            assert.deepStrictEqual(inputs(controller).values.crds, { enabled: false });
            const gatewayClass = object("kubernetes:gateway.networking.k8s.io/v1:GatewayClass");
            const gateway = object("kubernetes:gateway.networking.k8s.io/v1:Gateway");
            assert.ok(gatewayClass.dependsOn.includes(crds.urn));
            assert.ok(gateway.dependsOn.includes(gatewayClass.urn) && gateway.dependsOn.includes(controller.urn));
            for (const kind of ["EnvoyProxy", "ClientTrafficPolicy"]) {
                assert.ok(object(`kubernetes:gateway.envoyproxy.io/v1alpha1:${kind}`).dependsOn.includes(crds.urn), kind);
            }
            assert.ok(named(res, "platform-ingress-certificates-cert-manager").dependsOn.includes(crds.urn), "cert-manager's Gateway support needs the CRDs");
            // Destroy empties the Envoy namespace (Service finalizer, NLB) while the LB controller still runs.
            const lbcRelease = named(res, "platform-ingress-aws-load-balancer-controller");
            const envoyNs = named(res, "platform-ingress-ns-envoy-gateway");
            assert.ok(envoyNs.dependsOn.includes(lbcRelease.urn), "the Envoy namespace does not wait for the LB controller");
            assert.strictEqual(inputs(envoyNs).metadata.labels["elbv2.k8s.aws/pod-readiness-gate-inject"], "enabled");
            assert.strictEqual(inputs(crds).namespace, "envoy-gateway-system");
            assert.deepStrictEqual(release("external-dns").values.env, [{ name: "AWS_REGION", value: "eu-west-1" }]);
        });

        it(`runs controllers with ${want.controllers} replica(s) on System nodes${want.controllers > 1 ? ", each with a PodDisruptionBudget" : ""}`, () => {
            const eg = release("envoy-gateway").values;
            assert.strictEqual(eg.deployment.replicas, want.controllers);
            assert.deepStrictEqual(eg.podDisruptionBudget, { minAvailable: want.controllers > 1 ? 1 : 0 });
            assert.deepStrictEqual(eg.deployment.pod.nodeSelector, { "platform.io/node-role": "system" });
            const lbc = release("aws-load-balancer-controller").values;
            assert.deepStrictEqual([lbc.clusterName, lbc.region, lbc.vpcId, lbc.replicaCount], [`acme-${stack}`, "eu-west-1", idOf("platform-network-vpc"), want.controllers]);
            assert.strictEqual(lbc.enableServiceMutatorWebhook, false);
            assert.deepStrictEqual(lbc.controllerConfig.featureGates, { ALBGatewayAPI: false, NLBGatewayAPI: false, GatewayListenerSet: false });
            const cm = release("certificates-cert-manager").values;
            assert.deepStrictEqual(cm.crds, { enabled: true, keep: true });
            assert.deepStrictEqual(cm.config.gatewayAPI, { enabled: true });
            assert.deepStrictEqual([cm.replicaCount, cm.podDisruptionBudget.enabled], [want.controllers, want.controllers > 1]);
            assert.deepStrictEqual(release("certificates-cert-manager").version, cfg.ingress.charts.certManager);
        });

        it(`shapes the Envoy data plane: ${want.envoys} replicas, a PDB, zone spread ${want.spread}, an NLB in the public subnets`, () => {
            const k = inputs(object("kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy")).spec.provider.kubernetes;
            assert.strictEqual(k.envoyDeployment.replicas, want.envoys);
            assert.deepStrictEqual(k.envoyPDB, { minAvailable: 1 });
            assert.strictEqual(k.envoyDeployment.pod.topologySpreadConstraints[0].whenUnsatisfiable, want.spread);
            assert.strictEqual(k.envoyDeployment.pod.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
            assert.strictEqual(k.envoyService.loadBalancerClass, "service.k8s.aws/nlb");
            const a = k.envoyService.annotations;
            assert.strictEqual(a["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internet-facing");
            const zones = stack === "dev" ? ["a", "b"] : ["a", "b", "c"];
            assert.strictEqual(a["service.beta.kubernetes.io/aws-load-balancer-subnets"], zones.map((z) => idOf(`platform-network-public-eu-west-1${z}`)).join(","));
            assert.strictEqual(a["service.beta.kubernetes.io/aws-load-balancer-attributes"], "load_balancing.cross_zone.enabled=true");
            assert.strictEqual(a["service.beta.kubernetes.io/aws-load-balancer-proxy-protocol"], "*");
            assert.deepStrictEqual(inputs(object("kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy")).spec.proxyProtocol, {});
            const gatewayClass = inputs(object("kubernetes:gateway.networking.k8s.io/v1:GatewayClass"));
            assert.deepStrictEqual(gatewayClass.spec.parametersRef, { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: "platform", namespace: "envoy-gateway-system" });
        });

        it(`terminates TLS for *.${domain} with a ${want.issuer} certificate the listener references`, () => {
            const gateway = inputs(object("kubernetes:gateway.networking.k8s.io/v1:Gateway"));
            const https = gateway.spec.listeners.find((l: any) => l.name === "https");
            assert.strictEqual(https.hostname, `*.${domain}`);
            const certificate = inputs(object("kubernetes:cert-manager.io/v1:Certificate"));
            assert.deepStrictEqual(https.tls.certificateRefs, [{ kind: "Secret", name: certificate.spec.secretName }]);
            assert.strictEqual(certificate.metadata.namespace, gateway.metadata.namespace);
            assert.deepStrictEqual(certificate.spec.dnsNames, [domain, `*.${domain}`]);
            assert.strictEqual(certificate.spec.issuerRef.name, want.issuer);
            assert.strictEqual(certificate.spec.issuerRef.kind, "Issuer");
            assert.deepStrictEqual(ofType(res, "kubernetes:cert-manager.io/v1:ClusterIssuer"), [], "no cluster-wide issuer any namespace could use");
            const issuers = ofType(res, "kubernetes:cert-manager.io/v1:Issuer").map((i) => inputs(i));
            assert.deepStrictEqual(issuers.map((i) => `${i.metadata.namespace}/${i.metadata.name}`).sort(), ["platform-gateway/letsencrypt-production", "platform-gateway/letsencrypt-staging"]);
            const zoneId = String(plan.outputs.hostedZoneId);
            const role = `arn:aws:iam::${stack === "dev" ? "111111111111" : "222222222222"}:role/platform-ingress-certificates-gateway-dns01-role`;
            for (const i of issuers) {
                assert.deepStrictEqual(i.spec.acme.solvers[0].dns01.route53, { region: "eu-west-1", hostedZoneID: zoneId, role, auth: { kubernetes: { serviceAccountRef: { name: "acme-dns01" } } } });
            }
            assert.strictEqual(gateway.metadata.annotations["pulumi.com/waitFor"], "condition=Programmed");
            assert.deepStrictEqual(object("kubernetes:gateway.networking.k8s.io/v1:Gateway").customTimeouts, { create: "20m", update: "20m" });
            assert.ok(named(res, "platform-ingress-https-redirect").dependsOn.includes(object("kubernetes:gateway.networking.k8s.io/v1:Gateway").urn));
        });

        it(`publishes DNS for routes of ${domain} only, in its own zone, owned by acme-${stack} (${want.policy})`, () => {
            const v = release("external-dns").values;
            assert.deepStrictEqual(v.sources, ["gateway-httproute", "gateway-grpcroute"]);
            assert.deepStrictEqual(v.domainFilters, [domain]);
            assert.strictEqual(v.policy, want.policy);
            assert.strictEqual(v.txtOwnerId, `acme-${stack}`);
            assert.ok(v.extraArgs.includes(`--zone-id-filter=${plan.outputs.hostedZoneId}`));
        });

        it("scopes Route 53 rights to the platform zone: external-dns on Pod Identity, ACME DNS-01 on one ServiceAccount's token (IRSA)", () => {
            const zoneArn = `arn:aws:route53:::hostedzone/${plan.outputs.hostedZoneId}`;
            for (const policy of ["certificates-gateway-dns01-policy", "external-dns-identity-policy"]) {
                const doc = JSON.parse(inputs(named(res, `platform-ingress-${policy}`)).policy);
                const change = doc.Statement.find((s: any) => [s.Action].flat().includes("route53:ChangeResourceRecordSets"));
                assert.strictEqual(change.Resource, zoneArn, policy);
            }
            const association = inputs(named(res, "platform-ingress-external-dns-identity-association"));
            assert.deepStrictEqual([association.namespace, association.serviceAccount], ["external-dns", "external-dns"]);
            const trust = JSON.parse(inputs(named(res, "platform-ingress-certificates-gateway-dns01-role")).assumeRolePolicy).Statement[0];
            assert.strictEqual(trust.Action, "sts:AssumeRoleWithWebIdentity");
            assert.deepStrictEqual(Object.entries(trust.Condition.StringEquals).find(([k]) => k.endsWith(":sub"))![1], "system:serviceaccount:platform-gateway:acme-dns01");
            // cert-manager itself holds no AWS credentials at all.
            assert.deepStrictEqual(res.filter((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation" && inputs(r).namespace === "cert-manager"), []);
            const lbc = inputs(named(res, "platform-ingress-lbc-identity-association"));
            assert.deepStrictEqual([lbc.namespace, lbc.serviceAccount], ["kube-system", "aws-load-balancer-controller"]);
            assert.deepStrictEqual(JSON.parse(inputs(named(res, "platform-ingress-lbc-identity-policy")).policy), LOAD_BALANCER_CONTROLLER_POLICY);
        });

        it("leaves approval to approver-policy: no automatic approval, no ambient credentials, the gateway's names for the gateway's namespace only", () => {
            const cm = release("certificates-cert-manager").values;
            assert.strictEqual(cm.disableAutoApproval, true);
            assert.deepStrictEqual([cm.config.issuerAmbientCredentials, cm.config.clusterIssuerAmbientCredentials], [false, false]);
            const approver = named(res, "platform-ingress-certificates-approver-policy");
            assert.deepStrictEqual([inputs(approver).chart, inputs(approver).version], ["cert-manager-approver-policy", cfg.ingress.charts.approverPolicy]);
            assert.deepStrictEqual(inputs(approver).values.app, { approveSignerNames: ["issuers.cert-manager.io/*"] });
            assert.ok(approver.dependsOn.includes(named(res, "platform-ingress-certificates-cert-manager").urn));
            // The public (ACME) issuers' policies; private CAs of other layers have their own (secrets tests).
            const policies = ofType(res, "kubernetes:policy.cert-manager.io/v1alpha1:CertificateRequestPolicy").filter((p) => inputs(p).spec.selector.issuerRef.name === "letsencrypt-*");
            assert.deepStrictEqual(policies.map((p) => inputs(p).spec.selector.namespace), [{ matchNames: ["platform-gateway"] }]);
            assert.deepStrictEqual(inputs(policies[0]).spec.allowed.dnsNames, { values: [domain, `*.${domain}`], required: true });
            const roles = ofType(res, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole").map((r) => inputs(r).rules);
            assert.deepStrictEqual(roles[0], [{ apiGroups: ["policy.cert-manager.io"], resources: ["certificaterequestpolicies"], resourceNames: ["platform-gateway"], verbs: ["use"] }]);
            const bindings = ofType(res, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").map((b) => inputs(b));
            assert.ok(bindings.length >= 1 && bindings.every((b) => JSON.stringify(b.subjects) === JSON.stringify([{ kind: "ServiceAccount", name: "cert-manager", namespace: "cert-manager" }])));
            // The certificate is requested only once its policy and grant exist.
            const certificate = object("kubernetes:cert-manager.io/v1:Certificate");
            assert.ok(certificate.dependsOn.includes(policies[0].urn));
            // cert-manager may mint tokens for the DNS-01 ServiceAccount only.
            const tokenRole = inputs(named(res, "platform-ingress-certificates-gateway-dns01-token-role"));
            assert.deepStrictEqual(tokenRole.rules, [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: ["acme-dns01"], verbs: ["create"] }]);
        });

        it(want.zoneCreated ? "creates a delegated zone for the domain and exports its name servers" : "uses the existing zone and creates none", () => {
            const zones = ofType(res, "aws:route53/zone:Zone");
            if (!want.zoneCreated) {
                assert.strictEqual(zones.length, 0);
                assert.strictEqual(plan.outputs.hostedZoneId, cfg.ingress.hostedZone.zoneId);
                assert.deepStrictEqual(plan.outputs.hostedZoneNameServers, []);
                return;
            }
            assert.strictEqual(inputs(zones[0]).name, domain);
            assert.strictEqual(inputs(zones[0]).forceDestroy, true); // not protected: goes with the stack, records and all
            assert.strictEqual(zones[0].protect, false);
            assert.strictEqual((plan.outputs.hostedZoneNameServers as string[]).length, 4);
            assert.strictEqual(ofType(res, "aws:route53/record:Record").length, 0); // no parent zone in this account
        });

        it("exports the domain, the gateway and the load balancer hostname", () => {
            assert.strictEqual(plan.outputs.domain, domain);
            assert.deepStrictEqual([plan.outputs.gatewayName, plan.outputs.gatewayNamespace], ["platform", "platform-gateway"]);
            assert.match(String(plan.outputs.loadBalancerHostname), /\.elb\.eu-west-1\.amazonaws\.com$/);
        });

        it("labels its namespaces as platform namespaces under the restricted Pod Security level", () => {
            const namespaces = ofType(res, "kubernetes:core/v1:Namespace").map((n) => inputs(n).metadata);
            assert.deepStrictEqual(namespaces.map((m) => m.name).sort(), ["cert-manager", "envoy-gateway-system", "external-dns", "platform-gateway"]);
            for (const m of namespaces) {
                assert.strictEqual(m.labels["platform.io/namespace-role"], "platform", m.name);
                assert.strictEqual(m.labels["pod-security.kubernetes.io/enforce"], "restricted", m.name);
            }
        });

        it("puts every Kubernetes object of the layer on the cluster provider", () => {
            const provider = named(plan.resources, "platform-cluster-k8s");
            // Remote components too (the CRD chart): nothing may fall back to an ambient kubeconfig.
            for (const r of res.filter((x) => x.type.startsWith("kubernetes:"))) assert.strictEqual(r.provider, provider.urn, r.name);
        });
    });
}

describe("ingress: zone variants and the publishing helper @stack", () => {
    const dev = readStackConfig(PROJECT_DIR, "dev").config;
    const withZone = (hostedZone: object) => ({ ...dev, "platform:ingress": JSON.stringify({ ...JSON.parse(dev["platform:ingress"]), hostedZone }) });

    it("writes the NS delegation into a parent zone of the same account", async () => {
        const plan = await planStack({ stack: "dev", configOverrides: { "platform:ingress": JSON.parse(withZone({ mode: "Delegated", parentZoneId: "Z0PARENT0001" })["platform:ingress"]) } });
        const [ns] = ofType(plan.resources, "aws:route53/record:Record");
        assert.deepStrictEqual([inputs(ns).zoneId, inputs(ns).name, inputs(ns).type, inputs(ns).ttl], ["Z0PARENT0001", "dev.platform.acme.example", "NS", 172800]);
        assert.deepStrictEqual(inputs(ns).records, plan.outputs.hostedZoneNameServers);
        assert.strictEqual(ns.parent, named(plan.resources, "platform-ingress-zone").urn);
    });

    it("protects a created zone in production and never force-destroys it", async () => {
        const prod = readStackConfig(PROJECT_DIR, "prod").config;
        const ingress = { ...JSON.parse(prod["platform:ingress"]), hostedZone: { mode: "Delegated" } };
        const plan = await planStack({ stack: "prod", configOverrides: { "platform:ingress": ingress } });
        const [zone] = ofType(plan.resources, "aws:route53/zone:Zone");
        assert.deepStrictEqual([zone.protect, zone.retainOnDelete, inputs(zone).forceDestroy], [true, true, false]);
    });

    it("puts an internal NLB in the private subnets", async () => {
        const ingress = { ...JSON.parse(dev["platform:ingress"]), loadBalancer: { scheme: "internal", proxyProtocol: false } };
        // EKS cannot reach an issuer behind an internal NLB: such a stack logs in to the cluster with IAM only.
        const sso = { ...JSON.parse(dev["platform:sso"]), clusterLogin: "AccessEntriesOnly" };
        const plan = await planStack({ stack: "dev", configOverrides: { "platform:ingress": ingress, "platform:sso": sso } });
        assert.strictEqual(ofType(plan.resources, "aws:eks/identityProviderConfig:IdentityProviderConfig").length, 0);
        const proxy = inputs(ofType(plan.resources, "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy")[0]).spec.provider.kubernetes.envoyService;
        const a = proxy.annotations;
        assert.strictEqual(a["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internal");
        assert.strictEqual(a["service.beta.kubernetes.io/aws-load-balancer-subnets"], ["a", "b"].map((z) => idOf(`platform-network-private-eu-west-1${z}`)).join(","));
        assert.strictEqual(a["service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"], "preserve_client_ip.enabled=true");
        assert.strictEqual(ofType(plan.resources, "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy").length, 0, "no PROXY protocol policy");
        // Envoy sees the clients' own addresses: its listeners admit any source (nothing to forge), no NLB address is pinned.
        const listeners = ofType(plan.resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => inputs(p).metadata.name === "allow-listeners")!;
        assert.deepStrictEqual(inputs(listeners).spec.ingress[0].from, [{ ipBlock: { cidr: "0.0.0.0/0" } }]);
        assert.ok(!("service.beta.kubernetes.io/aws-load-balancer-private-ipv4-addresses" in a));
        assert.strictEqual(ofType(plan.resources, "aws:ec2/subnetCidrReservation:SubnetCidrReservation").length, 0);
    });

    it("pins an internal NLB with PROXY protocol to reserved addresses no pod can get, and lets only those reach Envoy's listeners", async () => {
        const ingress = { ...JSON.parse(dev["platform:ingress"]), loadBalancer: { scheme: "internal", proxyProtocol: true } };
        const sso = { ...JSON.parse(dev["platform:sso"]), clusterLogin: "AccessEntriesOnly" };
        const plan = await planStack({ stack: "dev", configOverrides: { "platform:ingress": ingress, "platform:sso": sso } });
        const subnets = ofType(plan.resources, "aws:ec2/subnet:Subnet").filter((r) => inputs(r).tags?.["platform.io/subnet-tier"] === "private");
        const reservations = ofType(plan.resources, "aws:ec2/subnetCidrReservation:SubnetCidrReservation").map(inputs);
        assert.strictEqual(reservations.length, subnets.length);
        assert.ok(subnets.length >= 2);
        // Each explicit (EC2 never assigns it automatically) and inside the subnet it is made in.
        for (const r of reservations) {
            const subnet = subnets.find((s) => idOf(s.name) === r.subnetId);
            assert.ok(subnet && r.reservationType === "explicit" && cidrWithin(r.cidrBlock, inputs(subnet).cidrBlock), JSON.stringify(r));
        }
        const envoyProxy = ofType(plan.resources, "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy")[0];
        const pinned = String(inputs(envoyProxy).spec.provider.kubernetes.envoyService.annotations["service.beta.kubernetes.io/aws-load-balancer-private-ipv4-addresses"]).split(",");
        // One address per subnet of the NLB, each in a reservation of its own subnet (the controller matches them by CIDR).
        assert.strictEqual(pinned.length, subnets.length);
        for (const ip of pinned) assert.ok(reservations.some((r) => cidrWithin(`${ip}/32`, r.cidrBlock)), ip);
        for (const r of ofType(plan.resources, "aws:ec2/subnetCidrReservation:SubnetCidrReservation")) assert.ok(envoyProxy.dependsOn.includes(r.urn), "the NLB waits for its reservations");
        // The listeners admit exactly the pinned /32s; no pod (an address of the private subnets outside the reservations) reaches them.
        const listeners = ofType(plan.resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => inputs(p).metadata.name === "allow-listeners")!;
        assert.deepStrictEqual(inputs(listeners).spec.ingress[0].from, pinned.map((ip) => ({ ipBlock: { cidr: `${ip}/32` } })));
        const s = networkState(plan.resources);
        const envoy = s.pods.find((p) => p.name === "envoy-platform")!;
        assert.ok(subnets.some((sn) => cidrWithin(`${s.podIp}/32`, inputs(sn).cidrBlock)), "the evaluator's pods have an address of a private subnet");
        const fromPods = s.pods.filter((p) => !p.hostNetwork);
        assert.ok(fromPods.length > 20);
        assert.deepStrictEqual(fromPods.filter((p) => [10080, 10443].some((port) => reaches(s, { pod: p }, envoy, port))).map((p) => p.name), []);
        for (const ip of pinned) assert.ok(reaches(s, { ip }, envoy, 10443), ip);
    });

    it("finds an existing zone by name", async () => {
        const plan = await planStack({ stack: "dev", configOverrides: { "platform:ingress": JSON.parse(withZone({ mode: "Existing", zoneName: "platform.acme.example" })["platform:ingress"]) } });
        assert.strictEqual(ofType(plan.resources, "aws:route53/zone:Zone").length, 0);
        assert.match(String(plan.outputs.hostedZoneId), /^Z/);
    });

    it("publishService creates the HTTPRoute for <name>.<domain>, after the Gateway, under its caller", async () => {
        const cfg = parsePlatformConfig(dev, "platform");
        const rec = await record({ project: "platform", stack: "dev", config: dev, cloud: DEV_CLOUD }, () => {
            const platform = new Platform("platform", { project: "platform", config: cfg });
            platform.ingress.publishService({ name: "grafana", namespace: "monitoring", serviceName: "grafana", servicePort: 80 }, { parent: platform.storage });
        });
        const route = named(rec.resources, "monitoring-grafana-route");
        assert.deepStrictEqual(inputs(route).spec.hostnames, ["grafana.dev.platform.acme.example"]);
        assert.strictEqual(route.parent, named(rec.resources, "platform-storage").urn);
        assert.ok(route.dependsOn.includes(named(rec.resources, "platform-ingress-gateway").urn));
        assert.strictEqual(route.provider, named(rec.resources, "platform-cluster-k8s").urn);
    });

    it("allowCertificates refuses the gateway's namespace, a namespace granted twice and a name IAM cannot match; issuers wait for their namespace", async () => {
        const cfg = parsePlatformConfig(dev, "platform");
        const shop = `shop.${cfg.ingress.domain}`;
        const problems: string[] = [];
        const rec = await record({ project: "platform", stack: "dev", config: dev, cloud: DEV_CLOUD }, () => {
            const platform = new Platform("platform", { project: "platform", config: cfg });
            const certificates = platform.ingress.certificates;
            const attempt = (f: () => void) => {
                try {
                    f();
                } catch (e) {
                    problems.push((e as Error).message);
                }
            };
            attempt(() => certificates.allowCertificates("gw", "gw", { namespace: "platform-gateway", dnsNames: [shop] }));
            attempt(() => certificates.allowCertificates("bad", "bad", { namespace: "team-c", dnsNames: [`shop-*.${cfg.ingress.domain}`] }));
            const namespace = new k8s.core.v1.Namespace("team-a-ns", { metadata: { name: "team-a" } }, { parent: platform, provider: platform.cluster.k8sProvider });
            certificates.allowCertificates("team-a", "team-a", { namespace: "team-a", dnsNames: [shop], namespaceResource: namespace });
            attempt(() => certificates.allowCertificates("team-a-again", "team-a-again", { namespace: "team-a", dnsNames: [`api.${cfg.ingress.domain}`] }));
        });
        assert.deepStrictEqual(problems, [
            "allowCertificates(gw): namespace platform-gateway already has certificate issuers; grant all its names at once",
            `allowCertificates(bad): "shop-*.${cfg.ingress.domain}" is not a DNS name or a leading-wildcard one (*.name)`,
            "allowCertificates(team-a-again): namespace team-a already has certificate issuers; grant all its names at once",
        ]);
        for (const issuer of ["letsencrypt-staging", "letsencrypt-production"]) {
            const r = named(rec.resources, `team-a-issuer-${issuer}`);
            assert.ok(r.dependsOn.includes(named(rec.resources, "team-a-ns").urn), `${issuer} waits for its namespace`);
            assert.ok(r.dependsOn.includes(named(rec.resources, "platform-ingress-certificates-cert-manager").urn), `${issuer} waits for cert-manager`);
        }
    });

    it("allowCertificates gives a tenant namespace its own issuers, DNS-01 only for its names, and approval only for them", async () => {
        const cfg = parsePlatformConfig(dev, "platform");
        const shop = `shop.${cfg.ingress.domain}`;
        const rec = await record({ project: "platform", stack: "dev", config: dev, cloud: DEV_CLOUD }, () => {
            const platform = new Platform("platform", { project: "platform", config: cfg });
            platform.ingress.certificates.allowCertificates("team-a", "team-a", { namespace: "team-a", dnsNames: [shop] });
        });
        const issuers = ofType(rec.resources, "kubernetes:cert-manager.io/v1:Issuer").filter((i) => inputs(i).metadata.namespace === "team-a");
        assert.deepStrictEqual(issuers.map((i) => inputs(i).metadata.name).sort(), ["letsencrypt-production", "letsencrypt-staging"]);
        const dns01 = JSON.parse(inputs(named(rec.resources, "team-a-dns01-policy")).policy).Statement.find((s: any) => s.Sid === "AcmeChallengeRecords");
        assert.deepStrictEqual(dns01.Condition["ForAllValues:StringEquals"]["route53:ChangeResourceRecordSetsNormalizedRecordNames"], [`_acme-challenge.${shop}`]);
        const trust = JSON.parse(inputs(named(rec.resources, "team-a-dns01-role")).assumeRolePolicy).Statement[0];
        assert.ok(Object.values(trust.Condition.StringEquals).includes("system:serviceaccount:team-a:acme-dns01"));
        // The approval rules the plan holds, applied to what a tenant could ask for.
        const policies = ofType(rec.resources, "kubernetes:policy.cert-manager.io/v1alpha1:CertificateRequestPolicy").map((p) => inputs(p) as any);
        // The gateway's, the tenant's, two each of Vault's and Keycloak's private CAs (dev's tenants run as their own
        // stacks, which grant their builder CAs themselves).
        assert.strictEqual(policies.length, 6);
        const issuerRef = { group: "cert-manager.io", kind: "Issuer", name: "letsencrypt-production" };
        const usages = ["digital signature", "key encipherment", "server auth"];
        const ask = (namespace: string, dnsNames: string[]) => approved(policies, { namespace, issuerRef, dnsNames, usages });
        assert.deepStrictEqual(
            [ask("team-a", [shop]), ask("team-a", [`*.${cfg.ingress.domain}`]), ask("team-a", [`api.${cfg.ingress.domain}`]), ask("platform-gateway", [`*.${cfg.ingress.domain}`]), ask("team-b", [shop])],
            [true, false, false, true, false],
        );
    });
});
