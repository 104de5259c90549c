// Names the secrets layer fixes, in one place (the chart derives its objects from the release name).

export const VAULT_CHART_REPOSITORY = "https://helm.releases.hashicorp.com";
/** Release name: the chart names its StatefulSet, Services and ServiceAccount after it. */
export const VAULT_RELEASE = "vault";
export const VAULT_SERVICE_ACCOUNT = "vault";
/** The chart's Service of the active (leader) server only (HA mode; the `vault` Service includes sealed pods). */
export const VAULT_ACTIVE_SERVICE = `${VAULT_RELEASE}-active`;
export const VAULT_API_PORT = 8200;
/**
 * Paths of the API listener the gateway never publishes: metrics (scraped in the cluster on the metrics listener),
 * and what Vault answers without a token (http/handler.go): root generation, rekeying, initialisation. Break-glass
 * runs them through `kubectl port-forward` (docs/operations.md, Key custody).
 */
export const VAULT_UNPUBLISHED_PATHS = ["/v1/sys/metrics", "/v1/sys/generate-root", "/v1/sys/rekey", "/v1/sys/rekey-recovery-key", "/v1/sys/init"];
/** Secret of the server certificate (with the CA's ca.crt), mounted by the chart at /vault/userconfig/<name>. */
export const VAULT_TLS_SECRET = "vault-server-tls";
export const VAULT_TLS_DIR = `/vault/userconfig/${VAULT_TLS_SECRET}`;
/** The file audit device writes here, on the chart's audit volume. */
export const VAULT_AUDIT_LOG = "/vault/audit/audit.log";
/** The private CA of the layer: a self-signed root issuer signs only the CA certificate, the CA issuer signs servers. */
export const VAULT_ROOT_ISSUER = "vault-root";
export const VAULT_CA_ISSUER = "vault-ca";
export const VAULT_CA_SECRET = "vault-ca";
export const VAULT_CA_COMMON_NAME = "Vault internal CA";
