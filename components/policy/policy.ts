import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { PolicyConfig } from "../../stacks/schema-tenants";
import type { ClusterRef } from "../cluster/cluster-ref";
import { NAMESPACE_ROLE_LABEL, platformNamespace } from "../shared/namespaces";
import { admissionPolicies, clusterPolicySpec } from "./admission-policies";

export const KYVERNO_REPOSITORY = "https://kyverno.github.io/kyverno/";

/** Kyverno's values: webhooks that only ever see tenant namespaces, HA by config, the chart's uninstall hooks kept. */
export function kyvernoValues(p: PolicyConfig) {
    const others = Math.min(2, p.replicas);
    const spread = (component: string) => [
        { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: p.zoneSpread, labelSelector: { matchLabels: { "app.kubernetes.io/component": component, "app.kubernetes.io/instance": "kyverno" } } },
    ];
    const controller = (component: string, replicas: number) => ({ replicas, topologySpreadConstraints: spread(component), podDisruptionBudget: { enabled: replicas > 1 } });
    return {
        admissionController: controller("admission-controller", p.replicas),
        backgroundController: controller("background-controller", others),
        cleanupController: controller("cleanup-controller", others),
        reportsController: controller("reports-controller", others),
        // The webhooks select tenant namespaces only: a Kyverno outage (or a webhook left behind) never blocks the platform.
        config: { webhooks: { namespaceSelector: { matchExpressions: [{ key: NAMESPACE_ROLE_LABEL, operator: "In", values: ["tenant"] }] } } },
    };
}

export interface PolicyArgs {
    readonly cluster: Pick<ClusterRef, "k8sProvider">;
    readonly namespace: string;
    readonly settings: PolicyConfig;
}

/** Kyverno (pinned, HA in production) and the tenant baseline policies as code, audited or enforced per stack. */
export class Policy extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;
    public readonly policies: k8s.apiextensions.CustomResource[];

    constructor(name: string, args: PolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:policy:Policy", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
        const namespace = platformNamespace(`${name}-namespace`, args.namespace, "baseline", k8sOpts);
        this.release = new k8s.helm.v3.Release(
            `${name}-kyverno`,
            {
                name: "kyverno",
                chart: "kyverno",
                version: args.settings.chartVersion,
                repositoryOpts: { repo: KYVERNO_REPOSITORY },
                namespace: args.namespace,
                maxHistory: 5,
                values: kyvernoValues(args.settings),
            },
            { ...k8sOpts, dependsOn: [namespace] },
        );
        // Deleted before Kyverno on destroy, so Kyverno removes their webhook rules while it still runs.
        this.policies = admissionPolicies(args.settings).map(
            (p) => new k8s.apiextensions.CustomResource(`${name}-${p.name}`, clusterPolicySpec(p, args.settings.action), { ...k8sOpts, dependsOn: [this.release] }),
        );
        this.registerOutputs({ policies: this.policies.map((p) => p.metadata.name) });
    }
}
