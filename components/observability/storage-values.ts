// Loki and Tempo values: object storage in the platform's buckets through workload identities, retention from config.
import type { ObservabilityConfig } from "../../stacks/schema-observability";
import { retentionHours } from "../../stacks/schema-observability";
import { LOKI_SERVICE_ACCOUNT, TEMPO_SERVICE_ACCOUNT } from "./constants";
import { requests, zoneSpread } from "./metrics-values";

/** Loki's components in Distributed mode that scale with `loki.replicas` (the compactor runs once). */
export const LOKI_DISTRIBUTED_COMPONENTS = ["ingester", "distributor", "querier", "queryFrontend", "queryScheduler", "indexGateway"] as const;
/** Loki's other components, off in both modes: Simple Scalable targets, bloom filters, the pattern ingester. */
const LOKI_UNUSED = ["read", "write", "backend", "bloomPlanner", "bloomGateway", "bloomBuilder", "patternIngester"] as const;

export interface LokiValuesArgs {
    readonly settings: ObservabilityConfig["loki"];
    readonly zoneSpread: ObservabilityConfig["zoneSpread"];
    readonly bucket: string;
    readonly region: string;
    readonly storageClass: string;
    /** The stack's zones: Loki's three ingester zone groups are pinned to the first three. */
    readonly zones: readonly string[];
}

export function lokiValues(a: LokiValuesArgs) {
    const s = a.settings;
    const distributed = s.mode === "Distributed";
    const off = Object.fromEntries(LOKI_UNUSED.map((c) => [c, { replicas: 0 }]));
    const scaled = (component: string) => ({
        replicas: distributed ? s.replicas : 0,
        resources: requests(s.requests),
        topologySpreadConstraints: zoneSpread(a.zoneSpread, { "app.kubernetes.io/name": "loki", "app.kubernetes.io/component": component }),
    });
    const volume = { enabled: true, size: s.storageSize, storageClass: a.storageClass };
    return {
        deploymentMode: s.mode,
        loki: {
            // One tenant: the platform's (tenants are told apart by namespace labels, not by Loki tenants).
            auth_enabled: false,
            commonConfig: { replication_factor: distributed ? 3 : 1 },
            storage: { type: "s3", bucketNames: { chunks: a.bucket, ruler: a.bucket, admin: a.bucket }, s3: { region: a.region } },
            schemaConfig: { configs: [{ from: "2026-01-01", store: "tsdb", object_store: "s3", schema: "v13", index: { prefix: "loki_index_", period: "24h" } }] },
            limits_config: { retention_period: `${retentionHours(s.retention)}h` },
            // The compactor applies retention (and deletes); deletion requests are kept in the same bucket.
            compactor: { retention_enabled: true, delete_request_store: "s3" },
        },
        serviceAccount: { create: true, name: LOKI_SERVICE_ACCOUNT },
        singleBinary: { replicas: distributed ? 0 : 1, resources: requests(s.requests), persistence: volume },
        ...off,
        ...Object.fromEntries(LOKI_DISTRIBUTED_COMPONENTS.map((c) => [c, scaled(c.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`))])),
        ingester: {
            ...scaled("ingester"),
            // One ingester per zone group: a zone's loss keeps two copies of every stream.
            zoneAwareReplication: {
                enabled: distributed,
                ...(distributed
                    ? Object.fromEntries(["zoneA", "zoneB", "zoneC"].map((z, i) => [z, { nodeSelector: { "topology.kubernetes.io/zone": a.zones[i % a.zones.length] } }]))
                    : {}),
            },
            // Helm replaces a list whole, so this claim is all the chart sees: loki 18.11.0's _workload.tpl renders
            // `accessModes: {{ toYaml .accessModes }}` from it, and a claim without one is refused by the API server.
            persistence: { enabled: distributed, claims: [{ name: "data", accessModes: ["ReadWriteOnce"], size: s.storageSize, storageClass: a.storageClass }] },
        },
        compactor: { replicas: distributed ? 1 : 0, resources: requests(s.requests) },
        ruler: { enabled: false }, // alerts live in Prometheus
        gateway: { replicas: distributed ? s.replicas : 1 },
        // memcached caches want ~10 GiB by default: off; the compactor and queriers read S3 directly.
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        lokiCanary: { enabled: false },
        test: { enabled: false },
        monitoring: { serviceMonitor: { enabled: true } },
    };
}

export interface TempoValuesArgs {
    readonly settings: ObservabilityConfig["tempo"];
    readonly bucket: string;
    readonly region: string;
    /** The IRSA role of Tempo's service account (Tempo's S3 client reads web-identity credentials). */
    readonly roleArn: string;
    readonly monitoringNamespace: string;
    readonly storageClass: string;
    /** Remote-write URL of each Prometheus replica: an HA pair must each receive everything. */
    readonly remoteWriteUrls: readonly string[];
}

export function tempoValues(a: TempoValuesArgs) {
    const s = a.settings;
    return {
        replicas: 1,
        tempo: {
            retention: `${retentionHours(s.retention)}h`,
            reportingEnabled: false,
            resources: requests(s.requests),
            storage: { trace: { backend: "s3", s3: { bucket: a.bucket, endpoint: `s3.${a.region}.amazonaws.com`, region: a.region }, wal: { path: "/var/tempo/wal" } } },
            // OTLP from the gateway; the chart's Jaeger receivers stay (its Service template reads them unguarded).
            receivers: { otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } } } },
            // Service graphs and span metrics into Prometheus: Grafana's service map and trace-to-metrics jumps.
            metricsGenerator: { enabled: true, storage: { remote_write: a.remoteWriteUrls.map((url) => ({ url })) } },
            overrides: { defaults: { metrics_generator: { processors: ["service-graphs", "span-metrics"] } } },
        },
        persistence: { enabled: true, size: s.storageSize, storageClassName: a.storageClass },
        serviceAccount: { create: true, name: TEMPO_SERVICE_ACCOUNT, annotations: { "eks.amazonaws.com/role-arn": a.roleArn } },
        // The Jaeger query API and UI over Tempo, for tools that speak Jaeger.
        tempoQuery: { enabled: true },
        serviceMonitor: { enabled: true },
    };
}
