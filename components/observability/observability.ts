import * as pulumi from "@pulumi/pulumi";
import { placeChart, placeChartValues } from "../shared/placement";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import type { ObservabilityConfig } from "../../stacks/schema-observability";
import { retentionHours } from "../../stacks/schema-observability";
import type { ClusterRef } from "../cluster/cluster-ref";
import type { IngressRef } from "../ingress/ingress";
import type { StorageRef } from "../storage/storage-ref";
import type { Bucket } from "../storage/bucket";
import { bucketObjectAccess } from "../storage/bucket-policies";
import { policyDocument } from "../shared/iam";
import { platformNamespace } from "../shared/namespaces";
import { NetworkContext, platformNetworkPolicies } from "../shared/network-policies";
import {
    ALERT_RECEIVER_SECRET,
    GRAFANA_ADMIN_SECRET,
    GRAFANA_COMMUNITY_REPOSITORY,
    GRAFANA_OAUTH_SECRET,
    GRAFANA_REPOSITORY,
    GRAFANA_SERVICE,
    LOKI_SERVICE_ACCOUNT,
    OTEL_REPOSITORY,
    OTEL_SERVICE,
    PROMETHEUS_SERVICE,
    PROMETHEUS_STACK_REPOSITORY,
    RELEASES,
    TEMPO_SERVICE_ACCOUNT,
} from "./constants";
import { alloyValues, eventsConfig, lokiPushUrl, otelValues, podLogsConfig } from "./collector-values";
import { dashboardJson, PLATFORM_DASHBOARDS } from "./dashboards";
import { DASHBOARD_LABEL, grafanaValues } from "./grafana-values";
import { prometheusReplicaUrls, prometheusStackValues } from "./metrics-values";
import { platformRuleSpec } from "./rules";
import { monitorSpec, RunningComponents, scrapeTargetsFor } from "./scrape-targets";
import { lokiValues, tempoValues } from "./storage-values";

export interface ObservabilityArgs {
    /** What the platform namespaces' NetworkPolicies admit by address (the control plane, the NLB). */
    readonly network: NetworkContext;
    readonly cluster: Pick<ClusterRef, "k8sProvider" | "workloadIdentity" | "platformPods">;
    readonly storage: Pick<StorageRef, "createBucket" | "objectsKmsKeyArn" | "statefulStorageClass">;
    readonly ingress: Pick<IngressRef, "domain" | "publishService">;
    /** Grafana's OIDC client of the SSO layer (its secret is a Pulumi secret). */
    readonly grafanaClient: { readonly clientId: string; readonly issuerUrl: string; readonly clientSecret: pulumi.Output<string> };
    readonly region: string;
    /** The stack's zones (Loki pins its ingester zone groups to them). */
    readonly zones: readonly string[];
    readonly namespace: string;
    readonly settings: ObservabilityConfig;
    /** The alert receiver's URL or SMTP password (secret config); undefined with receiver type None. */
    readonly receiverSecret?: string;
    /** Which optional components run (what is scraped and shown), and the layers that create their namespaces. */
    readonly runs: RunningComponents;
    readonly scrapedLayers: pulumi.Resource[];
}

type K8sOpts = { parent: pulumi.Resource; provider: k8s.Provider };

/**
 * Metrics (kube-prometheus-stack), logs (Loki on S3, collected by Grafana Alloy), traces (Tempo on S3, OTLP through an
 * OpenTelemetry gateway), Grafana on SSO with datasources and dashboards as code, and alerts for the platform itself.
 */
export class Observability extends pulumi.ComponentResource {
    public readonly grafanaUrl: string;
    public readonly otlpGrpcEndpoint: string;
    public readonly otlpHttpEndpoint: string;
    public readonly prometheusRemoteWriteUrl: string;
    public readonly lokiPushUrl: string;
    public readonly lokiBucket: Bucket;
    /** Grafana's local (break-glass) administrator `admin`: its generated password. Secret. */
    public readonly grafanaAdminPassword: pulumi.Output<string>;
    public readonly tempoBucket: Bucket;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:observability:Observability", name, {}, opts);
        const ns = args.namespace;
        const s = args.settings;
        const k8sOpts: K8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        const svc = (service: string, port: number, scheme = "http") => `${scheme}://${service}.${ns}.svc:${port}`;
        this.grafanaUrl = `https://grafana.${args.ingress.domain}`;
        this.otlpGrpcEndpoint = svc(OTEL_SERVICE, 4317);
        this.otlpHttpEndpoint = svc(OTEL_SERVICE, 4318);
        this.prometheusRemoteWriteUrl = `${svc(PROMETHEUS_SERVICE, 9090)}/api/v1/write`;
        this.lokiPushUrl = lokiPushUrl(ns);

        // node-exporter (host network, PID and paths) and the log agents (host /var/log) need it.
        const namespace = platformNamespace(`${name}-namespace`, ns, "privileged", k8sOpts);
        platformNetworkPolicies(name, ns, args.network, { ...k8sOpts, dependsOn: [namespace] });
        const release = (role: string, chart: string, version: string, repo: string, values: pulumi.Input<object>, dependsOn: pulumi.Resource[]) =>
            new k8s.helm.v3.Release(
                `${name}-${role}`,
                { name: role, chart: repo.startsWith("oci://") ? `${repo}/${chart}` : chart, version, ...(repo.startsWith("oci://") ? {} : { repositoryOpts: { repo } }), namespace: ns, maxHistory: 5, values: placeChartValues(chart, values, args.cluster.platformPods) },
                { ...k8sOpts, dependsOn: [namespace, ...dependsOn] },
            );

        const receiver = args.receiverSecret
            ? [new k8s.core.v1.Secret(`${name}-alert-receiver`, { metadata: { name: ALERT_RECEIVER_SECRET, namespace: ns }, stringData: { secret: pulumi.secret(args.receiverSecret) } }, { ...k8sOpts, dependsOn: [namespace] })]
            : [];
        const stack = new k8s.helm.v3.Release(
            `${name}-prometheus-stack`,
            {
                name: RELEASES.prometheusStack,
                chart: PROMETHEUS_STACK_REPOSITORY,
                version: s.charts.kubePrometheusStack,
                namespace: ns,
                maxHistory: 5,
                values: placeChart("kube-prometheus-stack", prometheusStackValues({ settings: s, storageClass: args.storage.statefulStorageClass }), args.cluster.platformPods),
            },
            { ...k8sOpts, dependsOn: [namespace, ...receiver] },
        );

        const { loki, tempo } = this.objectStorage(name, args);
        this.lokiBucket = loki.bucket;
        this.tempoBucket = tempo.bucket;
        release(
            RELEASES.loki,
            "loki",
            s.charts.loki,
            GRAFANA_COMMUNITY_REPOSITORY,
            loki.bucket.bucketName.apply((bucket) => lokiValues({ settings: s.loki, zoneSpread: s.zoneSpread, bucket, region: args.region, storageClass: args.storage.statefulStorageClass, zones: args.zones })),
            [stack, loki.identity],
        );
        release(
            RELEASES.tempo,
            "tempo",
            s.charts.tempo,
            GRAFANA_COMMUNITY_REPOSITORY,
            pulumi.all([tempo.bucket.bucketName, tempo.identity.roleArn]).apply(([bucket, roleArn]) => tempoValues({
                    settings: s.tempo,
                    bucket,
                    region: args.region,
                    roleArn,
                    monitoringNamespace: ns,
                    storageClass: args.storage.statefulStorageClass,
                    remoteWriteUrls: prometheusReplicaUrls(ns, s.prometheus.replicas, "/api/v1/write"),
                }),),
            [stack, tempo.identity],
        );
        const grafana = this.grafana(name, args, namespace, k8sOpts, (values, deps) => release(RELEASES.grafana, "grafana", s.charts.grafana, GRAFANA_COMMUNITY_REPOSITORY, values, [stack, ...deps]));
        this.grafanaAdminPassword = grafana.adminPassword;
        release(RELEASES.alloy, "alloy", s.charts.alloy, GRAFANA_REPOSITORY, alloyValues({ settings: s.alloy, config: podLogsConfig(this.lokiPushUrl), kind: "daemonset" }), [stack]);
        release(RELEASES.alloyEvents, "alloy", s.charts.alloy, GRAFANA_REPOSITORY, alloyValues({ settings: s.alloy, config: eventsConfig(this.lokiPushUrl), kind: "deployment" }), [stack]);
        release(RELEASES.otelCollector, "opentelemetry-collector", s.charts.otelCollector, OTEL_REPOSITORY, otelValues({ settings: s.otelCollector, image: s.otelCollectorImage, zoneSpread: s.zoneSpread, namespace: ns, prometheusReplicas: s.prometheus.replicas }), [stack]);

        for (const t of scrapeTargetsFor(args.runs)) {
            new k8s.apiextensions.CustomResource(`${name}-monitor-${t.name}`, monitorSpec(t), { ...k8sOpts, dependsOn: [stack, ...args.scrapedLayers] });
        }
        new k8s.apiextensions.CustomResource(`${name}-platform-alerts`, platformRuleSpec(ns), { ...k8sOpts, dependsOn: [stack] });
        for (const d of PLATFORM_DASHBOARDS.filter((x) => x.requires === undefined || args.runs[x.requires])) {
            new k8s.core.v1.ConfigMap(
                `${name}-dashboard-${d.uid}`,
                { metadata: { name: d.uid, namespace: ns, labels: { [DASHBOARD_LABEL]: "1" } }, data: { [`${d.uid}.json`]: dashboardJson(d) } },
                { ...k8sOpts, dependsOn: [namespace] },
            );
        }
        // Grafana answers /metrics on this port without a login (its ServiceMonitor scrapes it there): in the cluster only.
        args.ingress.publishService(
            { name: "grafana", namespace: ns, serviceName: GRAFANA_SERVICE, servicePort: 80, blockedPaths: ["/metrics"] },
            { parent: this, dependsOn: [grafana.release] },
        );
        this.registerOutputs({ grafanaUrl: this.grafanaUrl, lokiPushUrl: this.lokiPushUrl, otlpGrpcEndpoint: this.otlpGrpcEndpoint });
    }

    /** Loki's and Tempo's buckets (objects expire a week after retention: the compactors delete first), and their identities. */
    private objectStorage(name: string, args: ObservabilityArgs) {
        const s = args.settings;
        const store = (purpose: "loki" | "tempo", retention: string, serviceAccount: string, mode: "PodIdentity" | "Irsa") => {
            const bucket = args.storage.createBucket(
                `${name}-${purpose}-bucket`,
                { purpose, lifecycleRules: [{ id: `${purpose}-retention`, expirationDays: Math.ceil(retentionHours(retention) / 24) + 7, noncurrentVersionExpirationDays: 1 }] },
                { parent: this },
            );
            const identity = args.cluster.workloadIdentity(
                `${name}-${purpose}-identity`,
                {
                    namespace: args.namespace,
                    serviceAccount,
                    mode,
                    policy: pulumi.all([bucket.arn, args.storage.objectsKmsKeyArn]).apply(([arn, key]) => policyDocument(...bucketObjectAccess(arn, key, args.region))),
                },
                { parent: this },
            );
            return { bucket, identity };
        };
        return {
            loki: store("loki", s.loki.retention, LOKI_SERVICE_ACCOUNT, "PodIdentity"),
            // IRSA: Tempo's S3 client (minio-go) reads web-identity credentials; Pod Identity support there is unconfirmed.
            tempo: store("tempo", s.tempo.retention, TEMPO_SERVICE_ACCOUNT, "Irsa"),
        };
    }

    /** The admin and OAuth Secrets Grafana mounts (both generated or handed over as Pulumi secrets), then Grafana. */
    private grafana(
        name: string,
        args: ObservabilityArgs,
        namespace: k8s.core.v1.Namespace,
        k8sOpts: K8sOpts,
        install: (values: object, dependsOn: pulumi.Resource[]) => k8s.helm.v3.Release,
    ): { release: k8s.helm.v3.Release; adminPassword: pulumi.Output<string> } {
        const ns = args.namespace;
        const admin = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 32, special: false }, { parent: this });
        const secret = (role: string, secretName: string, data: Record<string, pulumi.Input<string>>) =>
            new k8s.core.v1.Secret(`${name}-${role}`, { metadata: { name: secretName, namespace: ns }, stringData: data }, { ...k8sOpts, dependsOn: [namespace] });
        const secrets = [
            secret("grafana-admin", GRAFANA_ADMIN_SECRET, { "admin-user": "admin", "admin-password": pulumi.secret(admin.result) }),
            secret("grafana-oauth", GRAFANA_OAUTH_SECRET, { "client-secret": pulumi.secret(args.grafanaClient.clientSecret) }),
        ];
        const release = install(grafanaValues({ settings: args.settings.grafana, url: this.grafanaUrl, oidc: args.grafanaClient, namespace: ns, storageClass: args.storage.statefulStorageClass }), secrets);
        return { release, adminPassword: pulumi.secret(admin.result) };
    }
}
