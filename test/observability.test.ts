import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";
import { cpuMillis, describeRequests, layerRequests, memoryMiB } from "../components/observability/sizing";
import { CLEANUP_CHART } from "../components/shared/finalizer-cleanup";
import { alertmanagerConfig, RECEIVER_SECRET_FILE } from "../components/observability/metrics-values";
import { eventsConfig, otelConfig, podLogsConfig, VAULT_AUDIT_SELECTOR } from "../components/observability/collector-values";
import { datasources, genericOauth, GRAFANA_ROLE_ATTRIBUTE_PATH } from "../components/observability/grafana-values";
import { METRICS_EXEMPT_CHARTS, monitorSpec, SCRAPE_TARGETS, scrapeTargetsFor } from "../components/observability/scrape-targets";
import { PLATFORM_ALERTS } from "../components/observability/rules";
import { dashboardJson, PLATFORM_DASHBOARDS } from "../components/observability/dashboards";
import { planStack, secretInputs } from "../plan/engine";
import { inputs, named, ofType } from "./helpers";

const observabilityOf = (stack: string) => JSON.parse(readStackConfig(PROJECT_DIR, stack).config["platform:observability"]);
import { describeStacks } from "./plans";

describe("observability: decisions", () => {
    it("sends every alert to the platform receiver except the Watchdog, reading the receiver's secret from a file", () => {
        const slack = alertmanagerConfig({ type: "Slack", slackChannel: "#platform-alerts" });
        assert.deepStrictEqual(slack.receivers, [
            { name: "null" },
            { name: "platform", slack_configs: [{ api_url_file: "/etc/alertmanager/secrets/alert-receiver/secret", channel: "#platform-alerts", send_resolved: true }] },
        ]);
        assert.deepStrictEqual(slack.route.routes[0], { receiver: "null", matchers: ['alertname = "Watchdog"'] });
        assert.deepStrictEqual(alertmanagerConfig({ type: "Webhook" }).receivers[1], { name: "platform", webhook_configs: [{ url_file: RECEIVER_SECRET_FILE, send_resolved: true }] });
        const email = alertmanagerConfig({ type: "Email", emailTo: "a@x.example", emailFrom: "b@x.example", smtpHost: "smtp.x.example:587", smtpUsername: "u" }).receivers[1] as any;
        assert.deepStrictEqual(email.email_configs[0].auth_password_file, RECEIVER_SECRET_FILE);
        assert.strictEqual(email.email_configs[0].require_tls, true);
        assert.deepStrictEqual(alertmanagerConfig({ type: "None" }).receivers[1], { name: "platform" });
    });

    it("maps platform-admins to Admin and platform-viewers to Viewer, refusing anyone else, with PKCE and the secret from a file", () => {
        const o = genericOauth({ issuerUrl: "https://sso.x.example/realms/platform", clientId: "grafana" });
        assert.deepStrictEqual(
            [o.client_id, o.client_secret, o.use_pkce, o.role_attribute_path, o.role_attribute_strict, o.auth_url, o.token_url, o.api_url],
            [
                "grafana",
                "$__file{/etc/secrets/oauth/client-secret}",
                true,
                "contains(groups[*], 'platform-admins') && 'Admin' || contains(groups[*], 'platform-viewers') && 'Viewer'",
                true,
                "https://sso.x.example/realms/platform/protocol/openid-connect/auth",
                "https://sso.x.example/realms/platform/protocol/openid-connect/token",
                "https://sso.x.example/realms/platform/protocol/openid-connect/userinfo",
            ],
        );
        assert.strictEqual(GRAFANA_ROLE_ATTRIBUTE_PATH, o.role_attribute_path);
    });

    it("wires the datasources for jumps: logs → traces by trace id, traces → logs and metrics, exemplars → traces", () => {
        const [prometheus, loki, tempo] = datasources("monitoring") as any[];
        assert.deepStrictEqual([prometheus.uid, prometheus.url, prometheus.isDefault], ["prometheus", "http://kube-prometheus-stack-prometheus.monitoring.svc:9090", true]);
        assert.deepStrictEqual(prometheus.jsonData.exemplarTraceIdDestinations, [{ name: "trace_id", datasourceUid: "tempo" }]);
        assert.deepStrictEqual([loki.url, loki.jsonData.derivedFields[0].datasourceUid], ["http://loki-gateway.monitoring.svc:80", "tempo"]);
        assert.deepStrictEqual(
            [tempo.url, tempo.jsonData.tracesToLogsV2.datasourceUid, tempo.jsonData.tracesToMetrics.datasourceUid, tempo.jsonData.serviceMap.datasourceUid],
            ["http://tempo.monitoring.svc:3200", "loki", "prometheus", "prometheus"],
        );
        assert.ok(new RegExp(loki.jsonData.derivedFields[0].matcherRegex).test('{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}'));
    });

    it("collects this node's pod logs from the kubelet's files and marks Vault's audit entries", () => {
        const config = podLogsConfig("http://loki-gateway.monitoring.svc/loki/api/v1/push");
        assert.match(config, /field = "spec.nodeName=" \+ sys.env\("NODE_NAME"\)/);
        assert.match(config, /replacement   = "\/var\/log\/pods\/\*\$1\/\*\.log"/);
        assert.match(config, /stage.cri \{\}/);
        assert.ok(config.includes(`selector = ${JSON.stringify(VAULT_AUDIT_SELECTOR)}`));
        assert.strictEqual(VAULT_AUDIT_SELECTOR, '{namespace="vault", container="vault"} |~ `"type":"(request|response)"`');
        assert.match(config, /values = \{ log_type = "vault-audit" \}/);
        assert.match(config, /url = "http:\/\/loki-gateway.monitoring.svc\/loki\/api\/v1\/push"/);
        assert.match(eventsConfig("http://l/push"), /loki.source.kubernetes_events "cluster" \{/);
    });

    it("routes the OTLP gateway's traces to Tempo, metrics to Prometheus and logs to Loki, OTLP in only", () => {
        const c = otelConfig("monitoring", 2) as any;
        assert.deepStrictEqual(
            Object.fromEntries(Object.entries(c.service.pipelines).map(([k, p]: [string, any]) => [k, [p.receivers, p.exporters]])),
            { traces: [["otlp"], ["otlp/tempo"]], metrics: [["otlp"], ["otlphttp/prometheus-0", "otlphttp/prometheus-1"]], logs: [["otlp"], ["otlphttp/loki"]] },
        );
        assert.deepStrictEqual([c.receivers.jaeger, c.receivers.zipkin, c.receivers.prometheus], [null, null, null]);
        assert.deepStrictEqual(
            [c.exporters["otlp/tempo"].endpoint, c.exporters["otlphttp/prometheus-1"].endpoint, c.exporters["otlphttp/loki"].endpoint],
            [
                "tempo.monitoring.svc:4317",
                // Each replica by its own name: through the Service each of an HA pair would hold a part.
                "http://prometheus-kube-prometheus-stack-prometheus-1.prometheus-operated.monitoring.svc:9090/api/v1/otlp",
                "http://loki-gateway.monitoring.svc/otlp",
            ],
        );
    });

    it("scrapes Vault and Keycloak over TLS with their own CAs, from monitors in their own namespaces", () => {
        const vault = monitorSpec(SCRAPE_TARGETS.find((t) => t.name === "vault")!) as any;
        // A PodMonitor: Vault's tokenless metrics listener is a port of the pods that no Service carries.
        const endpoint = vault.spec.podMetricsEndpoints[0];
        assert.deepStrictEqual([vault.kind, vault.metadata.namespace, endpoint.port, endpoint.path, endpoint.scheme, endpoint.params], ["PodMonitor", "vault", "metrics", "/v1/sys/metrics", "https", { format: ["prometheus"] }]);
        assert.deepStrictEqual(endpoint.tlsConfig, { ca: { secret: { name: "vault-server-tls", key: "ca.crt" } }, serverName: "vault.vault.svc" });
        const proxy = monitorSpec(SCRAPE_TARGETS.find((t) => t.name === "envoy-proxy")!) as any;
        assert.deepStrictEqual([proxy.kind, proxy.spec.podMetricsEndpoints[0].path, proxy.spec.endpoints], ["PodMonitor", "/stats/prometheus", undefined]);
    });

    it("drops the targets of components a stack does not run", () => {
        const names = (p: Parameters<typeof scrapeTargetsFor>[0]) => scrapeTargetsFor(p).map((t) => t.name);
        assert.ok(names({ backup: true, nodeAgent: true, karpenter: true }).includes("velero-node-agent"));
        assert.deepStrictEqual(names({ backup: true, nodeAgent: false, karpenter: true }).filter((n) => n.startsWith("velero")), ["velero"]);
        assert.deepStrictEqual(names({ backup: false, nodeAgent: true, karpenter: false }).filter((n) => /velero|karpenter/.test(n)), []);
    });

    it("has the alerts the platform needs, each a PromQL expression on its component's metrics", () => {
        assert.deepStrictEqual(PLATFORM_ALERTS.map((a) => a.alert), [
            "PlatformNodeNotReady",
            "PlatformVolumeFilling",
            "PlatformCertificateExpiring",
            "PlatformBackupFailed",
            "PlatformBackupMissing",
            "PlatformVaultSealed",
            "PlatformKarpenterCannotLaunch",
            "PlatformExternalDnsErrors",
            "PlatformGateway5xx",
            "PlatformLogIngestionFailing",
        ]);
        assert.deepStrictEqual(PLATFORM_ALERTS.map((a) => a.expr), [
            'kube_node_status_condition{condition="Ready",status="true"} == 0',
            "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.10 and kubelet_volume_stats_used_bytes > 0",
            "certmanager_certificate_expiration_timestamp_seconds - time() < 14 * 24 * 3600",
            "increase(velero_backup_failure_total[1h]) > 0",
            'time() - velero_backup_last_successful_timestamp{schedule!=""} > 26 * 3600',
            'vault_core_unsealed == 0 or up{namespace="vault"} == 0',
            'sum by (nodepool) (increase(karpenter_nodeclaims_terminated_total{reason="launch_failed"}[15m])) > 0 or sum(increase(karpenter_cloudprovider_errors_total{method="Create"}[15m])) > 0',
            "increase(external_dns_registry_errors_total[15m]) > 0 or increase(external_dns_source_errors_total[15m]) > 0",
            'sum(rate(envoy_http_downstream_rq_xx{envoy_response_code_class="5"}[5m])) / sum(rate(envoy_http_downstream_rq_total[5m])) > 0.05',
            'sum(rate(loki_request_duration_seconds_count{route=~"loki_api_v1_push|otlp_v1_logs",status_code=~"5.."}[5m])) > 0 or sum(rate(loki_write_dropped_entries_total[5m])) > 0',
        ]);
    });

    it("renders each dashboard as Grafana JSON on the Prometheus datasource", () => {
        assert.deepStrictEqual(PLATFORM_DASHBOARDS.map((d) => d.uid), ["platform-capacity", "platform-karpenter", "platform-gateway", "platform-velero", "platform-vault"]);
        const model = JSON.parse(dashboardJson(PLATFORM_DASHBOARDS[4]));
        assert.deepStrictEqual([model.uid, model.panels.length, model.panels[0].datasource.uid, model.panels[0].targets[0].expr], ["platform-vault", 4, "prometheus", "sum(vault_core_unsealed)"]);
    });
});

describeStacks((stack) => `observability in stack ${stack}`, "platform-observability", ({ stack, production, plan, res }) => {
    const release = (name: string) => inputs(named(res(), `platform-observability-${name}`));
    const domain = production ? "platform.acme.example" : "dev.platform.acme.example";

    it("sizes Prometheus and Alertmanager per stack: retention, replicas, volumes on the stateful class, zone spread", () => {
        const v = release("prometheus-stack").values;
        const p = v.prometheus.prometheusSpec;
        assert.deepStrictEqual(
            [p.replicas, p.retention, p.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, p.storageSpec.volumeClaimTemplate.spec.storageClassName, p.topologySpreadConstraints[0].whenUnsatisfiable],
            production ? [2, "30d", "200Gi", "gp3-retain", "DoNotSchedule"] : [1, "7d", "20Gi", "gp3", "ScheduleAnyway"],
        );
        assert.deepStrictEqual(p.resources, production ? { requests: { cpu: "1", memory: "4Gi" }, limits: { memory: "4Gi" } } : { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "1Gi" } });
        assert.strictEqual(v.alertmanager.alertmanagerSpec.replicas, production ? 2 : 1);
        assert.deepStrictEqual(v.alertmanager.alertmanagerSpec.secrets, production ? ["alert-receiver"] : []);
        assert.deepStrictEqual([p.serviceMonitorSelectorNilUsesHelmValues, p.podMonitorSelectorNilUsesHelmValues, p.ruleSelectorNilUsesHelmValues, p.enableRemoteWriteReceiver], [false, false, false, true]);
    });

    it("does not scrape what EKS hides (etcd, scheduler, controller manager, kube-proxy), nor alert on it", () => {
        const v = release("prometheus-stack").values;
        assert.deepStrictEqual([v.kubeEtcd, v.kubeScheduler, v.kubeControllerManager, v.kubeProxy, v.grafana], [{ enabled: false }, { enabled: false }, { enabled: false }, { enabled: false }, { enabled: false }]);
        assert.deepStrictEqual(v.defaultRules.rules, { etcd: false, kubeControllerManager: false, kubeProxy: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false });
    });

    it("runs Loki in the stack's mode on its own bucket, with retention applied by the compactor", () => {
        const v = release("loki").values;
        const bucket = inputs(named(plan().resources, "platform-observability-loki-bucket-bucket")).bucket;
        assert.deepStrictEqual([v.deploymentMode, v.singleBinary.replicas, v.ingester.replicas, v.distributor.replicas, v.compactor.replicas], production ? ["Distributed", 0, 3, 3, 1] : ["Monolithic", 1, 0, 0, 0]);
        assert.deepStrictEqual(v.loki.storage, { type: "s3", bucketNames: { chunks: bucket, ruler: bucket, admin: bucket }, s3: { region: "eu-west-1" } });
        assert.deepStrictEqual([v.loki.limits_config.retention_period, v.loki.compactor], [production ? "2160h" : "168h", { retention_enabled: true, delete_request_store: "s3" }]);
        assert.deepStrictEqual([v.loki.commonConfig.replication_factor, v.ingester.zoneAwareReplication.enabled], production ? [3, true] : [1, false]);
        assert.deepStrictEqual([v.read.replicas, v.write.replicas, v.backend.replicas, v.chunksCache.enabled, v.lokiCanary.enabled], [0, 0, 0, false, false]);
        assert.strictEqual(bucket, `acme-${stack}-loki-${production ? "222222222222" : "111111111111"}-eu-west-1`);
    });

    it("gives Loki (Pod Identity) and Tempo (IRSA) access to their own bucket and key only", () => {
        for (const [store, mode] of [["loki", "PodIdentity"], ["tempo", "Irsa"]] as const) {
            const policy = JSON.parse(inputs(named(plan().resources, `platform-observability-${store}-identity-policy`)).policy);
            const bucketArn = `arn:aws:s3:::acme-${stack}-${store}-${production ? "222222222222" : "111111111111"}-eu-west-1`;
            assert.deepStrictEqual(policy.Statement.map((s: any) => s.Resource), [`${bucketArn}/*`, bucketArn, policy.Statement[2].Resource]);
            assert.match(policy.Statement[2].Resource, /^arn:aws:kms:eu-west-1:\d{12}:key\//);
            const trust = inputs(named(plan().resources, `platform-observability-${store}-identity-role`)).assumeRolePolicy;
            assert.ok(trust.includes(mode === "PodIdentity" ? "pods.eks.amazonaws.com" : "sts:AssumeRoleWithWebIdentity"), `${store}: ${mode}`);
        }
        assert.ok(ofType(plan().resources, "aws:eks/podIdentityAssociation:PodIdentityAssociation").some((a) => inputs(a).serviceAccount === "loki" && inputs(a).namespace === "monitoring"));
        const tempo = release("tempo").values;
        assert.strictEqual(tempo.serviceAccount.annotations["eks.amazonaws.com/role-arn"], `arn:aws:iam::${production ? "222222222222" : "111111111111"}:role/platform-observability-tempo-identity-role`);
        assert.deepStrictEqual([tempo.tempo.storage.trace.backend, tempo.tempo.retention, tempo.tempoQuery.enabled], ["s3", production ? "336h" : "72h", true]);
    });

    it("expires Loki's and Tempo's objects a week after retention (the compactors delete first)", () => {
        const rule = (store: string) => inputs(named(plan().resources, `platform-observability-${store}-bucket-lifecycle`)).rules[0];
        assert.deepStrictEqual([rule("loki").expiration.days, rule("tempo").expiration.days], production ? [97, 21] : [14, 10]);
    });

    it("collects logs with Grafana Alloy on every node and once for events; no Promtail anywhere", () => {
        const agents = release("alloy");
        const events = release("alloy-events");
        assert.deepStrictEqual([agents.chart, agents.values.controller.type, agents.values.alloy.mounts.varlog], ["alloy", "daemonset", true]);
        assert.deepStrictEqual([events.values.controller.type, events.values.controller.replicas], ["deployment", 1]);
        assert.match(agents.values.alloy.configMap.content, /loki.source.file "pod_logs"/);
        assert.match(events.values.alloy.configMap.content, /loki.source.kubernetes_events/);
        assert.deepStrictEqual(agents.values.rbac.rules, [{ apiGroups: [""], resources: ["pods", "namespaces", "events"], verbs: ["get", "list", "watch"] }]);
        assert.ok(!plan().resources.some((r) => /promtail/i.test(JSON.stringify(r.inputs))));
    });

    it("logs in to Grafana through the SSO layer's client; the local admin and the client secret are Pulumi secrets", () => {
        const v = release("grafana").values;
        const oauth = v["grafana.ini"]["auth.generic_oauth"];
        assert.deepStrictEqual([oauth.client_id, oauth.auth_url, v["grafana.ini"].server.root_url], ["grafana", `https://sso.${domain}/realms/platform/protocol/openid-connect/auth`, `https://grafana.${domain}`]);
        assert.deepStrictEqual(v.admin, { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
        for (const name of ["platform-observability-grafana-admin", "platform-observability-grafana-oauth"]) assert.deepStrictEqual(named(res(), name).secretPaths, ["stringData"]);
        assert.deepStrictEqual(v.datasources["datasources.yaml"].datasources.map((d: any) => d.uid), ["prometheus", "loki", "tempo"]);
        const route = inputs(ofType(res(), "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute")[0]);
        assert.deepStrictEqual([route.spec.hostnames, route.spec.rules[0].backendRefs], [[`grafana.${domain}`], [{ name: "grafana", port: 80 }]]);
        assert.doesNotMatch(JSON.stringify(plan().resources.map((r) => r.inputs)), /offline-plan-password-/);
    });

    it("hands the alert receiver's secret to Alertmanager as a Secret only where a receiver is configured", () => {
        const secret = res().filter((r) => r.name === "platform-observability-alert-receiver");
        assert.strictEqual(secret.length, production ? 1 : 0);
        if (production) assert.deepStrictEqual([inputs(secret[0]).stringData, inputs(secret[0]).metadata.name], ["[secret]", "alert-receiver"]);
    });

    it("keeps the receiver's secret out of every plaintext input and output", async () => {
        const marker = "https://hooks.slack.example/services/T0KEN-MARKER";
        const planned = await planStack({ stack, secretOverrides: ["platform:alertReceiverSecret"], configOverrides: { "platform:alertReceiverSecret": marker, ...(production ? {} : { "platform:observability": JSON.stringify({ ...observabilityOf(stack), alertmanager: { ...observabilityOf(stack).alertmanager, receiver: { type: "Webhook" } } }) }) } });
        const secret = named(planned.resources, "platform-observability-alert-receiver");
        assert.deepStrictEqual([inputs(secret).stringData, secret.secretPaths], ["[secret]", ["stringData"]]);
        assert.doesNotMatch(JSON.stringify({ inputs: planned.resources.map((r) => r.inputs), outputs: planned.outputs }), /T0KEN-MARKER/);
        assert.deepStrictEqual(secretInputs(secret).stringData, { secret: marker }, "the Secret holds the configured receiver secret");
    });

    it("lets the observability charts monitor themselves, as METRICS_EXEMPT_CHARTS says", () => {
        assert.deepStrictEqual(
            [release("loki").values.monitoring.serviceMonitor.enabled, release("tempo").values.serviceMonitor.enabled, release("grafana").values.serviceMonitor.enabled],
            [true, true, true],
        );
        assert.deepStrictEqual([release("alloy").values.serviceMonitor.enabled, release("alloy-events").values.serviceMonitor.enabled, release("otel-collector").values.serviceMonitor.enabled], [true, true, true]);
        assert.strictEqual(release("otel-collector").values.ports.metrics.enabled, true);
    });

    it("monitors every chart the platform installs, or names why not: nothing forgotten silently", () => {
        const releases = plan().resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart !== CLEANUP_CHART).map((r) => String(r.inputs.chart).split("/").pop()!);
        const monitored = new Set(SCRAPE_TARGETS.map((t) => t.chart));
        const unaccounted = [...new Set(releases)].filter((c) => !monitored.has(c) && !(c in METRICS_EXEMPT_CHARTS));
        assert.deepStrictEqual(unaccounted, []);
        assert.ok(releases.length >= 15, releases.join(", "));
        // "Names why not": every exemption gives its reason.
        const silent = Object.entries(METRICS_EXEMPT_CHARTS).filter(([, why]) => why.trim() === "").map(([chart]) => chart);
        assert.deepStrictEqual([Object.keys(METRICS_EXEMPT_CHARTS).length >= 9, silent], [true, []]);
        const monitors = res().filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:ServiceMonitor" || r.type === "kubernetes:monitoring.coreos.com/v1:PodMonitor");
        assert.deepStrictEqual(
            monitors.map((m) => m.name.replace("platform-observability-monitor-", "")).sort(),
            ["approver-policy", "arc-controller", "arc-listeners", "argocd", "aws-load-balancer-controller", "cert-manager", "envoy-gateway", "envoy-proxy", "external-dns", "external-secrets", "karpenter", "keycloak", "kyverno", "vault", "velero", "velero-node-agent"],
        );
        const stackRelease = named(res(), "platform-observability-prometheus-stack");
        for (const m of monitors) assert.ok(m.dependsOn.includes(stackRelease.urn), `${m.name} before its CRDs`);
    });

    it("installs the platform's alerts and dashboards as code", () => {
        const rule = inputs(ofType(res(), "kubernetes:monitoring.coreos.com/v1:PrometheusRule")[0]);
        assert.deepStrictEqual(rule.spec.groups[0].rules.map((r: any) => r.alert), PLATFORM_ALERTS.map((a) => a.alert));
        assert.strictEqual(rule.spec.groups[0].rules.find((r: any) => r.alert === "PlatformVaultSealed").expr, 'vault_core_unsealed == 0 or up{namespace="vault"} == 0');
        const dashboards = ofType(res(), "kubernetes:core/v1:ConfigMap").filter((c) => inputs(c).metadata.labels?.grafana_dashboard === "1");
        assert.strictEqual(dashboards.length, 5);
    });

    it("exports in-cluster endpoints for applications", () => {
        const o = plan().outputs;
        assert.deepStrictEqual([o.grafanaUrl, o.otlpGrpcEndpoint, o.otlpHttpEndpoint, o.prometheusRemoteWriteUrl, o.lokiPushUrl], [
            `https://grafana.${domain}`,
            "http://otel-collector-opentelemetry-collector.monitoring.svc:4317",
            "http://otel-collector-opentelemetry-collector.monitoring.svc:4318",
            "http://kube-prometheus-stack-prometheus.monitoring.svc:9090/api/v1/write",
            "http://loki-gateway.monitoring.svc/loki/api/v1/push",
        ]);
    });
});

describe("observability: docs/architecture.md states each stack's requests as the settings add up", () => {
    it("quotes layerRequests of both committed stacks", () => {
        const doc = fs.readFileSync(path.join(PROJECT_DIR, "docs", "architecture.md"), "utf8");
        for (const stack of ["dev", "prod"]) {
            const settings = parsePlatformConfig(readStackConfig(PROJECT_DIR, stack).config, "platform").observability;
            assert.ok(doc.includes(`| ${stack} | ${describeRequests(layerRequests(settings))} |`), `${stack}: ${describeRequests(layerRequests(settings))}`);
        }
    });

    it("counts a Distributed Loki per component (and the compactor once) and Alloy per node", () => {
        const settings = parsePlatformConfig(readStackConfig(PROJECT_DIR, "prod").config, "platform").observability;
        const r = layerRequests(settings);
        // 2 Prometheus (1 CPU, 4Gi) + 2 Alertmanager (20m, 128Mi) + operator (100m, 256Mi) + kube-state-metrics (10m, 256Mi)
        // + 19 Loki pods (250m, 1Gi) + Tempo (500m, 2Gi) + Grafana (100m, 256Mi) + events Alloy (100m, 256Mi)
        // + 2 collectors (200m, 512Mi); per node Alloy (100m, 256Mi) and node-exporter (10m, 32Mi).
        assert.deepStrictEqual(r.cluster, { cpuMillis: 2000 + 40 + 100 + 10 + 4750 + 500 + 100 + 100 + 400, memoryMiB: 8192 + 256 + 256 + 256 + 19456 + 2048 + 256 + 256 + 1024 });
        assert.deepStrictEqual(r.perNode, { cpuMillis: 110, memoryMiB: 288 });
        assert.deepStrictEqual([cpuMillis("1.5"), cpuMillis("250m"), memoryMiB("2Gi"), memoryMiB("512Mi")], [1500, 250, 2048, 512]);
    });
});
