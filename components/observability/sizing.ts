// What the layer asks the scheduler for, per stack: docs/architecture.md states it, a test keeps the statement true.
import type { ObservabilityConfig } from "../../stacks/schema-observability";
import { LOKI_DISTRIBUTED_COMPONENTS } from "./storage-values";

/** CPU in millicores, memory in MiB. */
export interface Requests {
    readonly cpuMillis: number;
    readonly memoryMiB: number;
}

export function cpuMillis(q: string): number {
    return q.endsWith("m") ? Number(q.slice(0, -1)) : Math.round(Number(q) * 1000);
}

export function memoryMiB(q: string): number {
    return q.endsWith("Gi") ? Number(q.slice(0, -2)) * 1024 : Number(q.slice(0, -2));
}

const times = (r: { cpu: string; memory: string }, n: number): Requests => ({ cpuMillis: cpuMillis(r.cpu) * n, memoryMiB: memoryMiB(r.memory) * n });
const sum = (rs: Requests[]): Requests => rs.reduce((a, b) => ({ cpuMillis: a.cpuMillis + b.cpuMillis, memoryMiB: a.memoryMiB + b.memoryMiB }), { cpuMillis: 0, memoryMiB: 0 });

/**
 * Requests of the layer's pods the program sizes: cluster-wide ones, and per node (Alloy, node-exporter). Loki's
 * gateway, tempo-query, Grafana's sidecar and the operator's config reloaders run with their charts' defaults.
 */
export function layerRequests(s: ObservabilityConfig): { cluster: Requests; perNode: Requests } {
    const lokiPods = s.loki.mode === "Distributed" ? s.loki.replicas * LOKI_DISTRIBUTED_COMPONENTS.length + 1 : 1;
    return {
        cluster: sum([
            times(s.prometheus.requests, s.prometheus.replicas),
            times(s.alertmanager.requests, s.alertmanager.replicas),
            times(s.prometheus.operatorRequests, 1),
            times(s.exporters.kubeStateMetrics, 1),
            times(s.loki.requests, lokiPods),
            times(s.tempo.requests, 1),
            times(s.grafana.requests, 1),
            times(s.alloy.requests, 1), // the events collector
            times(s.otelCollector.requests, s.otelCollector.replicas),
        ]),
        perNode: sum([times(s.alloy.requests, 1), times(s.exporters.nodeExporter, 1)]),
    };
}

export function describeRequests(r: { cluster: Requests; perNode: Requests }): string {
    const cpu = (m: number) => `${(m / 1000).toFixed(2)} CPU`;
    const mem = (m: number) => `${(m / 1024).toFixed(2)} GiB`;
    return `${cpu(r.cluster.cpuMillis)} and ${mem(r.cluster.memoryMiB)}, plus ${cpu(r.perNode.cpuMillis)} and ${mem(r.perNode.memoryMiB)} per node`;
}
