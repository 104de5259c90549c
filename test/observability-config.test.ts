import * as assert from "assert";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";
import { retentionHours } from "../stacks/schema-observability";
import { BadInput, ExactBadInput, itRejects, itRejectsExactly } from "./helpers";

type Raw = Record<string, string>;
const dev = readStackConfig(PROJECT_DIR, "dev").config;
const prod = readStackConfig(PROJECT_DIR, "prod").config;
const obs = (raw: Raw, patch: (o: any) => any): Raw => ({ ...raw, "platform:observability": JSON.stringify(patch(JSON.parse(raw["platform:observability"]))) });
const part = (raw: Raw, key: string, value: Record<string, unknown>) => obs(raw, (o) => ({ ...o, [key]: { ...o[key], ...value } }));
const receiver = (raw: Raw, value: Record<string, unknown>) => obs(raw, (o) => ({ ...o, alertmanager: { ...o.alertmanager, receiver: value } }));
const withSecret = (raw: Raw): Raw => ({ ...raw, "platform:alertReceiverSecret": "[secret]" });
const noSecret = (raw: Raw): Raw => Object.fromEntries(Object.entries(raw).filter(([k]) => k !== "platform:alertReceiverSecret"));

const cases: BadInput[] = [
    ["no observability section", Object.fromEntries(Object.entries(dev).filter(([k]) => k !== "platform:observability")), ["platform:observability", "expected a mapping"]],
    ["a retention that is not a duration", part(dev, "prometheus", { retention: "two weeks" }), ["platform:observability.prometheus.retention", '"two weeks"', "72h or 15d"]],
    ["a retention in minutes", part(dev, "loki", { retention: "90m" }), ["platform:observability.loki.retention", '"90m"']],
    ["Prometheus retention below 15 days in production", part(prod, "prometheus", { retention: "14d" }), ["platform:observability.prometheus.retention", "at least 15d in production"]],
    ["Loki retention of 29 days in production", part(prod, "loki", { retention: "29d" }), ["platform:observability.loki.retention", "at least 30d in production"]],
    ["zero Prometheus replicas", part(dev, "prometheus", { replicas: 0 }), ["platform:observability.prometheus.replicas", "at least 1 replica"]],
    ["one Prometheus in production", part(prod, "prometheus", { replicas: 1 }), ["platform:observability.prometheus.replicas", "at least 2 in production"]],
    ["one Alertmanager in production", part(prod, "alertmanager", { replicas: 1 }), ["platform:observability.alertmanager.replicas", "at least 2 in production"]],
    ["zero collector replicas", part(dev, "otelCollector", { replicas: 0 }), ["platform:observability.otelCollector.replicas", "at least 1 replica"]],
    ["a storage size that is not a quantity", part(dev, "prometheus", { storageSize: "20GB" }), ["platform:observability.prometheus.storageSize", '"20GB"', "size in Gi"]],
    ["a memory request that is not a quantity", part(dev, "loki", { requests: { cpu: "100m", memory: "256MB" } }), ["platform:observability.loki.requests.memory", '"256MB"', "512Mi, 2Gi or 1Ti"]],
    ["an Alertmanager volume that is not a size", part(dev, "alertmanager", { storageSize: "1GB" }), ["platform:observability.alertmanager.storageSize", '"1GB"', "size in Gi"]],
    ["a Grafana volume that is not a size", part(dev, "grafana", { storageSize: "0Gi" }), ["platform:observability.grafana.storageSize", '"0Gi"']],
    ["an operator request that is not a quantity", part(dev, "prometheus", { operatorRequests: { cpu: "0.05cores", memory: "128Mi" } }), ["platform:observability.prometheus.operatorRequests.cpu", '"0.05cores"']],
    ["an exporter request that is not a quantity", part(dev, "exporters", { nodeExporter: { cpu: "10m", memory: "32MB" } }), ["platform:observability.exporters.nodeExporter.memory", '"32MB"']],
    ["a CPU request that is not a quantity", part(dev, "grafana", { requests: { cpu: "half", memory: "128Mi" } }), ["platform:observability.grafana.requests.cpu", '"half"', "250m or 1"]],
    ["an unknown Loki mode", part(dev, "loki", { mode: "SimpleScalable" }), ["platform:observability.loki.mode", '"SimpleScalable"', "Monolithic | Distributed"]],
    ["Loki's single binary in production", part(prod, "loki", { mode: "Monolithic" }), ["platform:observability.loki.mode", "Distributed in production"]],
    ["Distributed Loki with fewer than 3 replicas", part(dev, "loki", { mode: "Distributed", replicas: 2 }), ["platform:observability.loki.replicas", "at least 3 with mode Distributed"]],
    ["best-effort spread in production", obs(prod, (o) => ({ ...o, zoneSpread: "ScheduleAnyway" })), ["platform:observability.zoneSpread", "DoNotSchedule in production"]],
    ["a chart version not pinned", obs(dev, (o) => ({ ...o, charts: { ...o.charts, loki: "^18.11.0" } })), ["platform:observability.charts.loki", '"^18.11.0"', "pinned chart version"]],
    ["a chart version missing", obs(dev, (o) => ({ ...o, charts: { ...o.charts, tempo: undefined } })), ["platform:observability.charts.tempo", "required key is missing"]],
    ["a collector image not pinned", obs(dev, (o) => ({ ...o, otelCollectorImage: "otel/opentelemetry-collector-k8s:latest" })), ["platform:observability.otelCollectorImage", "pinned to a release"]],
    ["an alert receiver of unknown type", receiver(dev, { type: "PagerDuty" }), ["platform:observability.alertmanager.receiver.type", '"PagerDuty"', "None | Webhook | Slack | Email"]],
    ["a Slack receiver without its channel", withSecret(receiver(dev, { type: "Slack" })), ["platform:observability.alertmanager.receiver.slackChannel", "required with type Slack"]],
    ["a Slack channel without #", withSecret(receiver(dev, { type: "Slack", slackChannel: "alerts" })), ["platform:observability.alertmanager.receiver.slackChannel", "#platform-alerts"]],
    [
        "an email receiver without its SMTP fields",
        withSecret(receiver(dev, { type: "Email", emailTo: "ops@acme.example" })),
        ["receiver.emailFrom", "receiver.smtpHost", "receiver.smtpUsername", "required with type Email"],
    ],
    ["an SMTP host without its port", withSecret(receiver(dev, { type: "Email", emailTo: "a@b.example", emailFrom: "c@b.example", smtpHost: "smtp.b.example", smtpUsername: "u" })), ["platform:observability.alertmanager.receiver.smtpHost", "host:port"]],
    ["a Slack channel on a webhook receiver", withSecret(receiver(dev, { type: "Webhook", slackChannel: "#x" })), ["platform:observability.alertmanager.receiver.slackChannel", "only with type Slack"]],
    ["a receiver without its secret", receiver(dev, { type: "Webhook" }), ["platform:alertReceiverSecret", "required with receiver type Webhook", "--secret"]],
    ["a receiver secret with no receiver", withSecret(dev), ["platform:alertReceiverSecret", "no receiver secret with receiver type None"]],
    ["no receiver in production", noSecret(receiver(prod, { type: "None" })), ["platform:observability.alertmanager.receiver.type", "a receiver in production"]],
];

// The receiver's messages in full: which type a stray field belongs to, and what the secret should hold.
const exactProblems: ExactBadInput[] = [
    [
        "email fields on a Slack receiver",
        withSecret(receiver(dev, { type: "Slack", slackChannel: "#alerts", emailTo: "ops@acme.example" })),
        ['platform:observability.alertmanager.receiver.emailTo: expected only with type Email; got "ops@acme.example"'],
    ],
    [
        "an email receiver without its password",
        receiver(dev, { type: "Email", emailTo: "ops@acme.example", emailFrom: "alerts@acme.example", smtpHost: "smtp.acme.example:587", smtpUsername: "alerts" }),
        ["platform:alertReceiverSecret: required with receiver type Email: pulumi config set --secret alertReceiverSecret <SMTP password>; got undefined"],
    ],
    ["a webhook receiver without its URL", receiver(dev, { type: "Webhook" }), ["platform:alertReceiverSecret: required with receiver type Webhook: pulumi config set --secret alertReceiverSecret <URL>; got undefined"]],
];

describe("config: bad observability input is rejected with key, value and expectation", () => {
    itRejects(cases, (raw) => parsePlatformConfig(raw, "platform"));
    describe("the receiver's messages in full", () => itRejectsExactly(exactProblems, (raw) => parsePlatformConfig(raw, "platform")));

    it("accepts 30 days of Loki logs in production written in hours", () => {
        assert.strictEqual(parsePlatformConfig(part(prod, "loki", { retention: "720h" }), "platform").observability.loki.retention, "720h");
    });

    it("refuses a receiver secret stored in plaintext, without printing it", () => {
        assert.throws(
            () => parsePlatformConfig({ ...receiver(dev, { type: "Webhook" }), "platform:alertReceiverSecret": "https://hooks.example/T0KEN" }, "platform"),
            (e: Error) => e.message.includes("platform:alertReceiverSecret: expected a secret value") && !e.message.includes("T0KEN"),
        );
    });

    it("reads retention in hours from days or hours", () => {
        assert.deepStrictEqual(["15d", "72h", "1d"].map(retentionHours), [360, 72, 24]);
    });
});
