import * as assert from "assert";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { ConfigError, parsePlatformConfig } from "../stacks/config";
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
const O = "platform:observability";
const R = `${O}.alertmanager.receiver`;
const VOLUME = "expected a volume size in Gi, like 20Gi";
const RETENTION = "expected a retention like 72h or 15d (whole hours or days)";
const EMAIL = { type: "Email", emailTo: "ops@acme.example", emailFrom: "alerts@acme.example", smtpHost: "smtp.acme.example:587", smtpUsername: "alerts" };

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

// Every message of the observability section, written out in full: the key, the value and what is expected.
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
    [
        "a Slack receiver without its URL",
        receiver(dev, { type: "Slack", slackChannel: "#alerts" }),
        ["platform:alertReceiverSecret: required with receiver type Slack: pulumi config set --secret alertReceiverSecret <URL>; got undefined"],
    ],
    ["a receiver secret with no receiver", withSecret(dev), [`platform:alertReceiverSecret: expected no receiver secret with receiver type None; got "[secret]"`]],
    ["an alert receiver of unknown type", receiver(dev, { type: "PagerDuty" }), [`${R}.type: expected None | Webhook | Slack | Email; got "PagerDuty"`]],
    ["a Slack receiver without its channel", withSecret(receiver(dev, { type: "Slack" })), [`${R}.slackChannel: required with type Slack; got undefined`]],
    [
        "an email receiver without its fields",
        withSecret(receiver(dev, { type: "Email" })),
        ["emailTo", "emailFrom", "smtpHost", "smtpUsername"].map((key) => `${R}.${key}: required with type Email; got undefined`),
    ],
    [
        "every receiver field without a receiver",
        receiver(dev, { ...EMAIL, type: "None", slackChannel: "#alerts" }),
        [
            `${R}.slackChannel: expected only with type Slack; got "#alerts"`,
            `${R}.emailTo: expected only with type Email; got "ops@acme.example"`,
            `${R}.emailFrom: expected only with type Email; got "alerts@acme.example"`,
            `${R}.smtpHost: expected only with type Email; got "smtp.acme.example:587"`,
            `${R}.smtpUsername: expected only with type Email; got "alerts"`,
        ],
    ],
    ["a Slack channel on an email receiver", withSecret(receiver(dev, { ...EMAIL, slackChannel: "#alerts" })), [`${R}.slackChannel: expected only with type Slack; got "#alerts"`]],
    ["a Slack channel without #", withSecret(receiver(dev, { type: "Slack", slackChannel: "alerts" })), [`${R}.slackChannel: expected a Slack channel like #platform-alerts; got "alerts"`]],
    ["a Slack channel with capitals", withSecret(receiver(dev, { type: "Slack", slackChannel: "#Alerts" })), [`${R}.slackChannel: expected a Slack channel like #platform-alerts; got "#Alerts"`]],
    ["a recipient that is no address", withSecret(receiver(dev, { ...EMAIL, emailTo: "ops" })), [`${R}.emailTo: expected an email address; got "ops"`]],
    ["a sender that is no address", withSecret(receiver(dev, { ...EMAIL, emailFrom: "alerts@" })), [`${R}.emailFrom: expected an email address; got "alerts@"`]],
    [
        "an SMTP host without its port",
        withSecret(receiver(dev, { ...EMAIL, smtpHost: "smtp.acme.example" })),
        [`${R}.smtpHost: expected host:port of the SMTP server, like email-smtp.eu-west-1.amazonaws.com:587; got "smtp.acme.example"`],
    ],
    [
        "an SMTP port of one digit",
        withSecret(receiver(dev, { ...EMAIL, smtpHost: "smtp.acme.example:5" })),
        [`${R}.smtpHost: expected host:port of the SMTP server, like email-smtp.eu-west-1.amazonaws.com:587; got "smtp.acme.example:5"`],
    ],
    ["an unknown zone spread", obs(dev, (o) => ({ ...o, zoneSpread: "Anywhere" })), [`${O}.zoneSpread: expected DoNotSchedule | ScheduleAnyway; got "Anywhere"`]],
    ["an unknown Loki mode", part(dev, "loki", { mode: "SimpleScalable" }), [`${O}.loki.mode: expected Monolithic | Distributed; got "SimpleScalable"`]],
    ["a chart version not pinned", obs(dev, (o) => ({ ...o, charts: { ...o.charts, loki: "^18.11.0" } })), [`${O}.charts.loki: expected a pinned chart version like 1.8.1; got "^18.11.0"`]],
    [
        "a collector image not pinned",
        obs(dev, (o) => ({ ...o, otelCollectorImage: "otel/opentelemetry-collector-k8s:latest" })),
        [`${O}.otelCollectorImage: expected an image pinned to a release, like otel/opentelemetry-collector-k8s:0.158.0; got "otel/opentelemetry-collector-k8s:latest"`],
    ],
    [
        "a collector image without a repository path",
        obs(dev, (o) => ({ ...o, otelCollectorImage: "opentelemetry-collector-k8s:0.158.0" })),
        [`${O}.otelCollectorImage: expected an image pinned to a release, like otel/opentelemetry-collector-k8s:0.158.0; got "opentelemetry-collector-k8s:0.158.0"`],
    ],
    ["a storage size in GB", part(dev, "prometheus", { storageSize: "20GB" }), [`${O}.prometheus.storageSize: ${VOLUME}; got "20GB"`]],
    ["a volume of 0Gi", part(dev, "grafana", { storageSize: "0Gi" }), [`${O}.grafana.storageSize: ${VOLUME}; got "0Gi"`]],
    ["a volume of six digits", part(dev, "tempo", { storageSize: "100000Gi" }), [`${O}.tempo.storageSize: ${VOLUME}; got "100000Gi"`]],
    ["a memory request in MB", part(dev, "loki", { requests: { cpu: "100m", memory: "256MB" } }), [`${O}.loki.requests.memory: expected a memory quantity like 512Mi, 2Gi or 1Ti; got "256MB"`]],
    ["a CPU request in words", part(dev, "grafana", { requests: { cpu: "half", memory: "128Mi" } }), [`${O}.grafana.requests.cpu: expected a CPU quantity like 250m or 1; got "half"`]],
    ["a retention in words", part(dev, "prometheus", { retention: "two weeks" }), [`${O}.prometheus.retention: ${RETENTION}; got "two weeks"`]],
    ["a retention in minutes", part(dev, "loki", { retention: "90m" }), [`${O}.loki.retention: ${RETENTION}; got "90m"`]],
    ["a retention of no days", part(dev, "tempo", { retention: "0d" }), [`${O}.tempo.retention: ${RETENTION}; got "0d"`]],
    ["no Prometheus", part(dev, "prometheus", { replicas: 0 }), [`${O}.prometheus.replicas: expected at least 1 replica; got 0`]],
    ["half a Prometheus", part(dev, "prometheus", { replicas: 1.5 }), [`${O}.prometheus.replicas: expected a whole number; got 1.5`]],
    ["four Prometheus replicas", part(dev, "prometheus", { replicas: 4 }), [`${O}.prometheus.replicas: expected at most 3 replicas; got 4`]],
    ["four Alertmanagers", part(dev, "alertmanager", { replicas: 4 }), [`${O}.alertmanager.replicas: expected at most 3 replicas; got 4`]],
    ["six Loki replicas", part(dev, "loki", { replicas: 6 }), [`${O}.loki.replicas: expected at most 5 replicas; got 6`]],
    ["six collectors", part(dev, "otelCollector", { replicas: 6 }), [`${O}.otelCollector.replicas: expected at most 5 replicas; got 6`]],
    [
        "Distributed Loki with 2 replicas",
        part(dev, "loki", { mode: "Distributed", replicas: 2 }),
        [`${O}.loki.replicas: expected at least 3 with mode Distributed (three copies of every stream, one ingester per zone); got 2`],
    ],
    ["no receiver in production", noSecret(receiver(prod, { type: "None" })), [`${R}.type: expected a receiver in production (alerts nobody receives are not alerts); got "None"`]],
    ["Prometheus retention of 14 days in production", part(prod, "prometheus", { retention: "14d" }), [`${O}.prometheus.retention: expected at least 15d in production; got "14d"`]],
    ["Prometheus retention of 359 hours in production", part(prod, "prometheus", { retention: "359h" }), [`${O}.prometheus.retention: expected at least 15d in production; got "359h"`]],
    ["one Prometheus in production", part(prod, "prometheus", { replicas: 1 }), [`${O}.prometheus.replicas: expected at least 2 in production; got 1`]],
    ["one Alertmanager in production", part(prod, "alertmanager", { replicas: 1 }), [`${O}.alertmanager.replicas: expected at least 2 in production; got 1`]],
    [
        "Loki's single binary in production",
        part(prod, "loki", { mode: "Monolithic" }),
        [`${O}.loki.mode: expected Distributed in production (the single binary cannot scale or survive a zone); got "Monolithic"`],
    ],
    ["Loki retention of 29 days in production", part(prod, "loki", { retention: "29d" }), [`${O}.loki.retention: expected at least 30d in production; got "29d"`]],
    ["Loki retention of 719 hours in production", part(prod, "loki", { retention: "719h" }), [`${O}.loki.retention: expected at least 30d in production; got "719h"`]],
    ["best-effort spread in production", obs(prod, (o) => ({ ...o, zoneSpread: "ScheduleAnyway" })), [`${O}.zoneSpread: expected DoNotSchedule in production; got "ScheduleAnyway"`]],
    ["an empty SMTP username", withSecret(receiver(dev, { ...EMAIL, smtpUsername: "" })), [`${R}.smtpUsername: expected the SMTP username; got ""`]],
];

describe("config: bad observability input is rejected with key, value and expectation", () => {
    itRejects(cases, (raw) => parsePlatformConfig(raw, "platform"));
    describe("every message in full", () => itRejectsExactly(exactProblems, (raw) => parsePlatformConfig(raw, "platform")));

    it("refuses an empty receiver secret, without printing it", () => {
        assert.throws(
            () => parsePlatformConfig({ ...receiver(dev, { type: "Webhook" }), "platform:alertReceiverSecret": "" }, "platform", (key) => key === "platform:alertReceiverSecret"),
            (e: ConfigError) => {
                // Empty ciphertext is a value that was set (only the CLI's plaintext default means unset): refused, masked.
                assert.deepStrictEqual(e.problems, [`platform:alertReceiverSecret: expected the receiver's URL or password; got "[secret]"`]);
                return true;
            },
        );
    });

    it("accepts every replica count at its maximum, 99999Gi volumes, a one-hour retention and Distributed Loki with 3 replicas", () => {
        const raw = obs(dev, (o) => ({
            ...o,
            prometheus: { ...o.prometheus, replicas: 3 },
            alertmanager: { ...o.alertmanager, replicas: 3 },
            loki: { ...o.loki, mode: "Distributed", replicas: 3 },
            otelCollector: { ...o.otelCollector, replicas: 5 },
            tempo: { ...o.tempo, retention: "1h", storageSize: "99999Gi" },
        }));
        const cfg = parsePlatformConfig(raw, "platform").observability;
        const seen = [cfg.prometheus.replicas, cfg.alertmanager.replicas, cfg.loki.replicas, cfg.otelCollector.replicas, cfg.tempo.retention, cfg.tempo.storageSize];
        assert.deepStrictEqual(seen, [3, 3, 3, 5, "1h", "99999Gi"]);
        assert.strictEqual(parsePlatformConfig(part(dev, "loki", { replicas: 5 }), "platform").observability.loki.replicas, 5);
    });

    it("accepts 15 days of Prometheus metrics in production, in days or hours", () => {
        for (const retention of ["15d", "360h"]) assert.strictEqual(parsePlatformConfig(part(prod, "prometheus", { retention }), "platform").observability.prometheus.retention, retention);
    });

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
