// The Vault chart's values and server configuration, as pure functions (checked against the pinned chart's
// values.yaml by the chart contract test).
import { VAULT_RELEASE, VAULT_SERVICE_ACCOUNT, VAULT_TLS_DIR, VAULT_TLS_SECRET } from "./constants";

/** Names the server certificate carries: the Services, every pod behind the headless Service, in short and full form. */
export function vaultServerDnsNames(namespace: string): string[] {
    const services = [VAULT_RELEASE, `${VAULT_RELEASE}-active`, `${VAULT_RELEASE}-standby`];
    return [
        ...services.flatMap((s) => [s, `${s}.${namespace}`, `${s}.${namespace}.svc`, `${s}.${namespace}.svc.cluster.local`]),
        `*.${VAULT_RELEASE}-internal`,
        `*.${VAULT_RELEASE}-internal.${namespace}.svc`,
        `*.${VAULT_RELEASE}-internal.${namespace}.svc.cluster.local`,
    ];
}

/**
 * Vault's metrics listener: a port of the server pods only. vault-helm 0.34.1's Services carry server.service.targetPort
 * (8200) and 8201, nothing else (templates/server-service.yaml, server-ha-active-service.yaml,
 * server-ha-standby-service.yaml, server-headless-service.yaml; ui-service.yaml is off), so no route can reach this
 * one; 8202 is taken by the chart's replication container port (server-statefulset.yaml). Vault also opens a cluster
 * listener at this port + 1 (8211) for a tcp listener without `cluster_address` (command/server.go): mutual TLS with
 * the cluster's own certificates, unpublished like this one.
 */
/** The Vault image the servers and the init Job run (Docker Hub); its tag is `secrets.vault.version`. */
export const VAULT_IMAGE_REPOSITORY = "hashicorp/vault";

export const VAULT_METRICS_PORT = 8210;
/** The container port's name (server.extraPorts), which the observability layer's PodMonitor scrapes. */
export const VAULT_METRICS_PORT_NAME = "metrics";

export interface RaftConfigArgs {
    readonly replicas: number;
    readonly region: string;
    /** The KMS key that seals Vault's root key (auto-unseal). */
    readonly kmsKeyId: string;
}

/**
 * Vault's server configuration (HCL): TLS listener with the layer's certificate, integrated storage with a
 * `retry_join` per pod (the chart's default has none, so followers would never join), AWS KMS auto-unseal,
 * Kubernetes service registration. mlock is off: integrated storage keeps data on disk, and the pod runs without
 * IPC_LOCK under the restricted Pod Security level.
 */
export function raftConfig(a: RaftConfigArgs): string {
    const joins = Array.from(
        { length: a.replicas },
        (_, i) => `  retry_join {
    leader_api_addr         = "https://${VAULT_RELEASE}-${i}.${VAULT_RELEASE}-internal:8200"
    leader_ca_cert_file     = "${VAULT_TLS_DIR}/ca.crt"
    leader_tls_servername   = "${VAULT_RELEASE}-${i}.${VAULT_RELEASE}-internal"
  }`,
    ).join("\n");
    return `ui = true
disable_mlock = true

# The API: what the Services (and so the gateway's vault.<domain>) reach. /v1/sys/metrics needs a token here.
listener "tcp" {
  address         = "[::]:8200"
  cluster_address = "[::]:8201"
  tls_cert_file   = "${VAULT_TLS_DIR}/tls.crt"
  tls_key_file    = "${VAULT_TLS_DIR}/tls.key"
  tls_min_version = "tls12"
}

# In-cluster metrics: on no Service (the chart's Services carry 8200 and 8201 only), scraped on the pods by Prometheus
# without a token (metrics only; every other path still needs one).
listener "tcp" {
  address         = "[::]:${VAULT_METRICS_PORT}"
  tls_cert_file   = "${VAULT_TLS_DIR}/tls.crt"
  tls_key_file    = "${VAULT_TLS_DIR}/tls.key"
  tls_min_version = "tls12"
  telemetry {
    unauthenticated_metrics_access = true
  }
}

telemetry {
  prometheus_retention_time = "30s"
  disable_hostname          = true
}

storage "raft" {
  path = "/vault/data"
${joins}
}

seal "awskms" {
  region     = "${a.region}"
  kms_key_id = "${a.kmsKeyId}"
}

service_registration "kubernetes" {}
`;
}

export interface VaultValuesArgs extends RaftConfigArgs {
    /** hashicorp/vault image tag. */
    readonly version: string;
    /** The IRSA role the seal uses (the service account's annotation). */
    readonly unsealRoleArn: string;
    readonly injector: boolean;
    readonly storageClass: string;
    readonly storageSize: string;
    readonly auditStorageSize: string;
    /** Keep the volumes when the StatefulSet is deleted or scaled down (production). */
    readonly retainVolumes: boolean;
    /** Zone spread: hard in production (a zone's loss must not take the quorum), best effort elsewhere. */
    readonly zoneSpread: "DoNotSchedule" | "ScheduleAnyway";
}

const SERVER_SELECTOR = { "app.kubernetes.io/name": "vault", "app.kubernetes.io/instance": VAULT_RELEASE, component: "server" };

export function vaultValues(a: VaultValuesArgs) {
    const volume = (size: string) => ({ enabled: true, size, storageClass: a.storageClass, accessMode: "ReadWriteOnce" });
    return {
        global: { enabled: true, tlsDisable: false },
        injector: { enabled: a.injector },
        server: {
            statefulSet: {
                securityContext: {
                    pod: { runAsNonRoot: true, runAsUser: 100, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
                    container: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                },
            },
            image: { repository: VAULT_IMAGE_REPOSITORY, tag: a.version },
            resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
            extraVolumes: [{ type: "secret", name: VAULT_TLS_SECRET }],
            extraEnvironmentVars: { VAULT_CACERT: `${VAULT_TLS_DIR}/ca.crt` },
            extraPorts: [{ containerPort: VAULT_METRICS_PORT, name: VAULT_METRICS_PORT_NAME }],
            topologySpreadConstraints: [
                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: a.zoneSpread, labelSelector: { matchLabels: SERVER_SELECTOR } },
            ],
            dataStorage: volume(a.storageSize),
            auditStorage: volume(a.auditStorageSize),
            persistentVolumeClaimRetentionPolicy: a.retainVolumes ? { whenDeleted: "Retain", whenScaled: "Retain" } : { whenDeleted: "Delete", whenScaled: "Delete" },
            standalone: { enabled: false },
            ha: {
                enabled: true,
                replicas: a.replicas,
                raft: { enabled: true, setNodeId: true, config: raftConfig(a) },
                // One server at a time may go; with a single server a budget would only block node drains.
                disruptionBudget: { enabled: a.replicas > 1, maxUnavailable: 1 },
            },
            serviceAccount: { create: true, name: VAULT_SERVICE_ACCOUNT, annotations: { "eks.amazonaws.com/role-arn": a.unsealRoleArn } },
        },
        ui: { enabled: false },
    };
}

