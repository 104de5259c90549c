// An application on the platform: a Deployment, its Service, an HTTPRoute on the shared Gateway (TLS and DNS come
// with it) and an ExternalSecret from the tenant's store, on the platform's cluster through PlatformReference.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { PlatformReference } from "../../packages/platform-reference";

export interface AppArgs {
    readonly platformStack: string;
    readonly namespace: string;
    readonly hostname: string;
    readonly image: string;
    readonly secretStore: string;
}

export function deployApp(name: string, a: AppArgs) {
    const platform = new PlatformReference("platform", { stack: a.platformStack });
    const provider = platform.kubernetesProvider();
    const opts = { provider };
    const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/version": a.image.split(":").pop() ?? "unknown" };

    const secret = new k8s.apiextensions.CustomResource(
        `${name}-secret`,
        {
            apiVersion: "external-secrets.io/v1",
            kind: "ExternalSecret",
            metadata: { name: `${name}-config`, namespace: a.namespace, annotations: { "pulumi.com/waitFor": "condition=Ready" } },
            spec: {
                secretStoreRef: { kind: "ClusterSecretStore", name: a.secretStore },
                refreshInterval: "1h",
                target: { name: `${name}-config` },
                // The tenant's store reads tenants/<tenant>/... only.
                dataFrom: [{ extract: { key: `tenants/${a.secretStore.replace(/^tenant-/, "")}/${name}` } }],
            },
        },
        opts,
    );
    const deployment = new k8s.apps.v1.Deployment(
        name,
        {
            metadata: { name, namespace: a.namespace, labels },
            spec: {
                replicas: 2,
                selector: { matchLabels: { "app.kubernetes.io/name": name } },
                template: {
                    metadata: { labels },
                    spec: {
                        securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [
                            {
                                name,
                                image: a.image,
                                ports: [{ name: "http", containerPort: 8080 }],
                                envFrom: [{ secretRef: { name: `${name}-config` } }],
                                env: [
                                    { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: platform.output("otlpHttpEndpoint") },
                                    { name: "OTEL_SERVICE_NAME", value: name },
                                ],
                                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                            },
                        ],
                    },
                },
            },
        },
        { ...opts, dependsOn: [secret] },
    );
    const service = new k8s.core.v1.Service(
        name,
        { metadata: { name, namespace: a.namespace, labels }, spec: { selector: { "app.kubernetes.io/name": name }, ports: [{ name: "http", port: 80, targetPort: "http" }] } },
        opts,
    );
    const host = pulumi.interpolate`${a.hostname}.${platform.output("domain")}`;
    const route = new k8s.apiextensions.CustomResource(
        `${name}-route`,
        {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: { name, namespace: a.namespace, annotations: { "pulumi.com/waitFor": "jsonpath={.status.parents[0].conditions[?(@.type==\"Accepted\")].status}=True" } },
            spec: {
                parentRefs: [{ name: platform.output("gatewayName"), namespace: platform.output("gatewayNamespace"), sectionName: "https" }],
                hostnames: [host],
                rules: [{ backendRefs: [{ name, port: 80 }] }],
            },
        },
        { ...opts, dependsOn: [service] },
    );
    return { url: pulumi.interpolate`https://${host}`, deployment, route, contractVersion: platform.contractVersion };
}
