// Schema of `platform:observability`: chart pins, Prometheus/Alertmanager with the alert receiver, Loki, Tempo,
// Grafana, the collectors, and every replica count, volume and request per stack.
import { z } from "zod";
import { chartVersion, cpuQuantity, Issue, memoryQuantity, oneOf } from "./schema-common";

export const ALERT_RECEIVER_TYPES = ["None", "Webhook", "Slack", "Email"] as const;
/** Monolithic: Loki's single binary. Distributed: every Loki component scaled on its own (Simple Scalable is deprecated). */
export const LOKI_MODES = ["Monolithic", "Distributed"] as const;
export const ZONE_SPREADS = ["DoNotSchedule", "ScheduleAnyway"] as const;

/** A Kubernetes quantity as requests take it: CPU in cores or millicores, memory and volumes in binary units. */
const cpu = cpuQuantity;
const memory = memoryQuantity;
const volume = z.string().regex(/^[1-9]\d{0,4}Gi$/, "expected a volume size in Gi, like 20Gi");
const replicas = (max: number) => z.number().int("expected a whole number").min(1, "expected at least 1 replica").max(max, `expected at most ${max} replicas`);
/** Prometheus/Loki/Tempo durations: whole numbers of h or d (what every one of them parses the same way). */
const retention = z.string().regex(/^[1-9]\d*(h|d)$/, "expected a retention like 72h or 15d (whole hours or days)");
const requests = (c: string, m: string) =>
    z
        .strictObject({
            cpu: cpu.default(c).describe("CPU request of each pod, in cores or millicores."),
            memory: memory.default(m).describe("Memory request of each pod, also its memory limit."),
        })
        .prefault({})
        .describe("What each pod reserves on its node.");

/** Hours in a retention like "15d" or "72h". */
export function retentionHours(value: string): number {
    const n = Number(value.slice(0, -1));
    return value.endsWith("d") ? n * 24 : n;
}

const receiver = z
    .strictObject({
        type: z
            .enum(ALERT_RECEIVER_TYPES, oneOf(ALERT_RECEIVER_TYPES))
            .default("None")
            .describe("Kind of receiver: None sends alerts nowhere; Webhook and Slack post to the URL in alertReceiverSecret; Email mails through smtpHost."),
        slackChannel: z.string().regex(/^#[a-z0-9._-]{1,80}$/, "expected a Slack channel like #platform-alerts").optional().describe("Type Slack: the channel alerts are posted to."),
        emailTo: z.email("expected an email address").optional().describe("Type Email: the address alerts are sent to."),
        emailFrom: z.email("expected an email address").optional().describe("Type Email: the sender address of alert mails."),
        smtpHost: z
            .string()
            .regex(/^[a-z0-9.-]+:\d{2,5}$/, "expected host:port of the SMTP server, like email-smtp.eu-west-1.amazonaws.com:587")
            .optional()
            .describe("Type Email: the SMTP server, host:port."),
        smtpUsername: z.string().min(1, "expected the SMTP username").optional().describe("Type Email: the SMTP login; its password is the secret key alertReceiverSecret."),
    })
    .prefault({})
    .describe("Where alerts go. The secret part (webhook or Slack URL, SMTP password) is the secret key alertReceiverSecret.");

export const observabilitySchema = z.strictObject({
    zoneSpread: z.enum(ZONE_SPREADS, oneOf(ZONE_SPREADS)).default("ScheduleAnyway").describe("How replicated components spread over zones (production: DoNotSchedule)."),
    charts: z
        .strictObject({
        kubePrometheusStack: chartVersion().describe("prometheus-community/kube-prometheus-stack (Prometheus Operator, Prometheus, Alertmanager, node-exporter, kube-state-metrics)."),
        loki: chartVersion().describe("grafana-community/loki."),
        tempo: chartVersion().describe("grafana-community/tempo (single binary on S3)."),
        grafana: chartVersion().describe("grafana-community/grafana."),
        alloy: chartVersion().describe("grafana/alloy."),
        otelCollector: chartVersion().describe("open-telemetry/opentelemetry-collector."),
    })
        .describe("Chart versions of the observability layer, pinned exactly."),
    otelCollectorImage: z
        .string()
        .regex(/^[a-z0-9.-]+(\/[a-z0-9._-]+)+:\d+\.\d+\.\d+$/, "expected an image pinned to a release, like otel/opentelemetry-collector-k8s:0.158.0")
        .describe("The collector distribution the gateway runs (the chart names none)."),
    prometheus: z
        .strictObject({
            replicas: replicas(3).default(1).describe("Prometheus servers, each a full copy (every target scraped, every remote write received): more than one survives a node loss."),
            retention: retention.default("7d").describe("How long Prometheus keeps its samples."),
            storageSize: volume.default("20Gi").describe("Volume per Prometheus server (on the stateful class) holding its samples for the retention."),
            requests: requests("250m", "1Gi"),
            operatorRequests: requests("50m", "128Mi").describe("The Prometheus Operator's."),
        })
        .prefault({})
        .describe("Prometheus (from kube-prometheus-stack): servers, retention, volume and requests."),
    alertmanager: z
        .strictObject({
            replicas: replicas(3).default(1).describe("Alertmanager replicas: more than one keeps alerts flowing through a node loss."),
            storageSize: volume.default("1Gi").describe("Alertmanager's volume per replica (its silences and notification state)."),
            requests: requests("10m", "64Mi"),
            receiver,
        })
        .prefault({})
        .describe("Alertmanager: replicas, volume, requests and the one receiver alerts go to."),
    loki: z
        .strictObject({
            mode: z
                .enum(LOKI_MODES, oneOf(LOKI_MODES))
                .default("Monolithic")
                .describe("Monolithic: Loki's single binary; Distributed: each component scaled on its own, ingesters zone-aware with three copies of each stream."),
            replicas: replicas(5).default(1).describe("Monolithic: the single binary; Distributed: each of ingester, distributor, querier, query frontend, index gateway."),
            retention: retention.default("168h").describe("How long logs are kept: Loki's compactor deletes older ones (the bucket expires objects a week later as a backstop)."),
            storageSize: volume.default("10Gi").describe("Write-ahead log volume per ingesting pod (chunks and index live in S3)."),
            requests: requests("100m", "256Mi"),
        })
        .prefault({})
        .describe("Loki (logs, in an S3 bucket): mode, replicas, retention, volume and requests."),
    tempo: z
        .strictObject({
            retention: retention.default("72h").describe("How long traces are kept (the bucket expires objects a week later as a backstop)."),
            storageSize: volume.default("10Gi").describe("Write-ahead log volume of the single Tempo pod (flushed traces live in S3)."),
            requests: requests("100m", "256Mi"),
        })
        .prefault({})
        .describe("Tempo (traces, single binary on S3): retention, volume and requests."),
    grafana: z
        .strictObject({
            storageSize: volume.default("5Gi").describe("Grafana's volume: its database of users, preferences and UI-made dashboards."),
            requests: requests("50m", "128Mi"),
        })
        .prefault({})
        .describe("One replica on a volume (its database: users, preferences, UI-made dashboards); several would need a shared database."),
    alloy: z.strictObject({ requests: requests("50m", "128Mi") }).prefault({}).describe("Per node (DaemonSet)."),
    exporters: z
        .strictObject({
            kubeStateMetrics: requests("10m", "64Mi").describe("kube-state-metrics' requests (one pod)."),
            nodeExporter: requests("10m", "32Mi").describe("node-exporter's requests (one pod per node)."),
        })
        .prefault({})
        .describe("kube-state-metrics (once) and node-exporter (per node)."),
    otelCollector: z
        .strictObject({
            replicas: replicas(5).default(1).describe("Replicas of the OTLP gateway; from 2 on, a PodDisruptionBudget keeps one up."),
            requests: requests("50m", "128Mi"),
        })
        .prefault({})
        .describe("The OTLP gateway (OpenTelemetry Collector Deployment) applications send telemetry to."),
});
export type ObservabilityConfig = z.infer<typeof observabilitySchema>;

/** The secret half of the alert receiver: the webhook or Slack URL, or the SMTP password. */
export const alertReceiverSecretSchema = z.string().min(1, "expected the receiver's URL or password");

export function checkObservability(o: ObservabilityConfig, ctx: { production: boolean; receiverSecret: boolean }, issue: Issue) {
    const at = (...p: (string | number)[]) => ["observability", ...p];
    const r = o.alertmanager.receiver;
    const needs: Record<(typeof ALERT_RECEIVER_TYPES)[number], (keyof typeof r)[]> = {
        None: [],
        Webhook: [],
        Slack: ["slackChannel"],
        Email: ["emailTo", "emailFrom", "smtpHost", "smtpUsername"],
    };
    for (const key of needs[r.type]) if (r[key] === undefined) issue(at("alertmanager", "receiver", key), `required with type ${r.type}`, undefined);
    for (const key of ["slackChannel", "emailTo", "emailFrom", "smtpHost", "smtpUsername"] as const) {
        if (r[key] !== undefined && !needs[r.type].includes(key)) issue(at("alertmanager", "receiver", key), `expected only with type ${key === "slackChannel" ? "Slack" : "Email"}`, r[key]);
    }
    if (r.type !== "None" && !ctx.receiverSecret) {
        issue(["alertReceiverSecret"], `required with receiver type ${r.type}: pulumi config set --secret alertReceiverSecret <${r.type === "Email" ? "SMTP password" : "URL"}>`, undefined);
    }
    if (r.type === "None" && ctx.receiverSecret) issue(["alertReceiverSecret"], "expected no receiver secret with receiver type None", "[secret]");
    if (o.loki.mode === "Distributed" && o.loki.replicas < 3) issue(at("loki", "replicas"), "expected at least 3 with mode Distributed (three copies of every stream, one ingester per zone)", o.loki.replicas);
    if (!ctx.production) return;
    if (r.type === "None") issue(at("alertmanager", "receiver", "type"), "expected a receiver in production (alerts nobody receives are not alerts)", r.type);
    if (retentionHours(o.prometheus.retention) < 15 * 24) issue(at("prometheus", "retention"), "expected at least 15d in production", o.prometheus.retention);
    if (o.prometheus.replicas < 2) issue(at("prometheus", "replicas"), "expected at least 2 in production", o.prometheus.replicas);
    if (o.alertmanager.replicas < 2) issue(at("alertmanager", "replicas"), "expected at least 2 in production", o.alertmanager.replicas);
    if (o.loki.mode !== "Distributed") issue(at("loki", "mode"), "expected Distributed in production (the single binary cannot scale or survive a zone)", o.loki.mode);
    if (retentionHours(o.loki.retention) < 30 * 24) issue(at("loki", "retention"), "expected at least 30d in production", o.loki.retention);
    if (o.zoneSpread !== "DoNotSchedule") issue(at("zoneSpread"), "expected DoNotSchedule in production", o.zoneSpread);
}
