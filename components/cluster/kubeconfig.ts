// A kubeconfig that authenticates with `aws eks get-token`: no static credentials, nothing to rotate.
export interface KubeconfigArgs {
    readonly clusterName: string;
    readonly endpoint: string;
    /** Base64 certificate authority data. */
    readonly certificateAuthority: string;
    readonly region: string;
}

export function kubeconfig(a: KubeconfigArgs): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: a.clusterName, cluster: { server: a.endpoint, "certificate-authority-data": a.certificateAuthority } }],
        contexts: [{ name: a.clusterName, context: { cluster: a.clusterName, user: a.clusterName } }],
        "current-context": a.clusterName,
        users: [
            {
                name: a.clusterName,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", a.clusterName, "--region", a.region, "--output", "json"],
                        interactiveMode: "Never",
                    },
                },
            },
        ],
    };
}
