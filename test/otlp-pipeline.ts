// What an OpenTelemetry Collector pipeline does to the attributes of one record, for the processors the OTLP gateway
// uses, as the pinned collector (v0.158.0, opentelemetry-collector-contrib) documents and implements them:
// - k8s_attributes (processor/k8sattributesprocessor): associations tried in order, the first whose sources all have a
//   value decides (pod_association.go extractPodID); none configured: a claimed `k8s.pod.ip`, then `ip`, then the
//   connection (extractPodIDNoAssociations); host-network pods are never matched by address (internal/kube/client.go
//   getIdentifiersFromAssoc); a found pod's attributes are set only where the record has none or an empty one
//   (processor.go setResourceAttribute, PR #36466); `service.namespace` comes from the pod's namespace, else from a
//   `k8s.namespace.name` the record carries (processor.go processResource, getNamespace);
// - batch drops the connection's address (README: "the processor must appear before any batching");
// - resource / attributes: the attraction actions insert, update, upsert, delete (by key or by `pattern`).
// Any other processor, or an option these models do not cover, throws: the evaluator never guesses.

export type Attributes = Record<string, string>;
/** A record as a sender submits it: its resource's attributes and the span's, log record's or data point's own. */
export interface OtlpRecord {
    readonly resource: Attributes;
    readonly record: Attributes;
}
/** A pod the collector's informer knows. */
export interface KnownPod {
    readonly namespace: string;
    readonly name: string;
    readonly uid: string;
    readonly ip: string;
    readonly nodeName: string;
    readonly hostNetwork?: boolean;
}
/** The collector's configuration (the chart's `config` value, as the plan holds it). */
export interface CollectorConfig {
    readonly processors?: Record<string, any>;
    readonly service: { readonly pipelines: Record<string, { readonly processors?: readonly string[] }> };
}

const DEFAULT_METADATA = ["k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.pod.start_time", "k8s.deployment.name", "k8s.node.name"];
const setIfUnset = (attrs: Attributes, key: string, value: string) => {
    if (attrs[key] === undefined || attrs[key] === "") attrs[key] = value;
};

function podValue(pod: KnownPod, key: string): string | undefined {
    const values: Attributes = { "k8s.namespace.name": pod.namespace, "k8s.pod.name": pod.name, "k8s.pod.uid": pod.uid, "k8s.pod.ip": pod.ip, "k8s.node.name": pod.nodeName };
    return values[key];
}

/** The attraction actions of the resource and attributes processors. */
function applyActions(attrs: Attributes, actions: readonly any[], where: string): void {
    for (const a of actions) {
        const known = new Set(["key", "pattern", "action", "value"]);
        const extra = Object.keys(a).filter((k) => !known.has(k));
        if (extra.length > 0) throw new Error(`${where}: action option(s) ${extra.join(", ")} not modelled`);
        const matches = (k: string) => k === a.key || (a.pattern !== undefined && new RegExp(a.pattern).test(k));
        switch (a.action) {
            case "delete":
                for (const k of Object.keys(attrs)) if (matches(k)) delete attrs[k];
                break;
            case "insert":
                if (!(a.key in attrs)) attrs[a.key] = String(a.value);
                break;
            case "update":
                if (a.key in attrs) attrs[a.key] = String(a.value);
                break;
            case "upsert":
                attrs[a.key] = String(a.value);
                break;
            default:
                throw new Error(`${where}: action ${a.action} not modelled`);
        }
    }
}

/** Which pod the k8s_attributes processor associates the record with (undefined: none). */
function associate(cfg: any, resource: Attributes, connection: string | undefined, pods: readonly KnownPod[]): KnownPod | undefined {
    const byIp = (ip: string) => pods.find((p) => !p.hostNetwork && p.ip === ip);
    const associations: readonly any[] = cfg.pod_association ?? [];
    if (associations.length === 0) {
        const ip = resource["k8s.pod.ip"] || resource["ip"] || connection;
        return ip ? byIp(ip) : undefined;
    }
    for (const association of associations) {
        const values = (association.sources as readonly any[]).map((s) => {
            if (s.from === "connection") return connection ? { key: "connection", value: connection } : undefined;
            if (s.from === "resource_attribute") return resource[s.name] ? { key: s.name as string, value: resource[s.name] } : undefined;
            throw new Error(`k8s_attributes: association source ${s.from} not modelled`);
        });
        if (values.some((v) => v === undefined)) continue;
        return pods.find((p) =>
            values.every((v) => (v!.key === "connection" || v!.key === "k8s.pod.ip" ? !p.hostNetwork && p.ip === v!.value : podValue(p, v!.key) === v!.value)),
        );
    }
    return undefined;
}

function k8sAttributes(cfg: any, resource: Attributes, connection: string | undefined, pods: readonly KnownPod[]): void {
    const known = new Set(["auth_type", "passthrough", "wait_for_metadata", "pod_association", "extract"]);
    const extra = Object.keys(cfg).filter((k) => !known.has(k));
    const extractExtra = Object.keys(cfg.extract ?? {}).filter((k) => k !== "metadata");
    if (extra.length > 0 || extractExtra.length > 0) throw new Error(`k8s_attributes: option(s) ${[...extra, ...extractExtra].join(", ")} not modelled`);
    const metadata: readonly string[] = cfg.extract?.metadata ?? DEFAULT_METADATA;
    if (cfg.passthrough) {
        if (connection) setIfUnset(resource, "k8s.pod.ip", connection);
        return;
    }
    const pod = associate(cfg, resource, connection, pods);
    if (pod) for (const key of metadata) {
        const value = podValue(pod, key);
        if (value !== undefined) setIfUnset(resource, key, value);
    }
    const namespace = pod?.namespace || resource["k8s.namespace.name"];
    if (namespace && metadata.includes("service.namespace")) setIfUnset(resource, "service.namespace", namespace);
}

/**
 * What reaches the exporters of `pipeline` when a sender at address `connection` (undefined: unknown) submits
 * `input`, with the informer knowing `pods`.
 */
export function throughPipeline(config: CollectorConfig, pipeline: string, input: OtlpRecord, connection: string | undefined, pods: readonly KnownPod[]): OtlpRecord {
    const p = config.service.pipelines[pipeline];
    if (p === undefined) throw new Error(`no pipeline ${pipeline}`);
    const resource = { ...input.resource };
    const record = { ...input.record };
    let address = connection;
    for (const id of p.processors ?? []) {
        const type = id.split("/")[0];
        const cfg = config.processors?.[id] ?? {};
        if (type === "memory_limiter") continue;
        else if (type === "batch") address = undefined;
        else if (type === "resource") applyActions(resource, cfg.attributes ?? [], id);
        else if (type === "attributes") {
            if (cfg.include !== undefined || cfg.exclude !== undefined) throw new Error(`${id}: include/exclude not modelled`);
            applyActions(record, cfg.actions ?? [], id);
        } else if (type === "k8s_attributes" || type === "k8sattributes") k8sAttributes(cfg, resource, address, pods);
        else throw new Error(`processor ${id} not modelled`);
    }
    return { resource, record };
}
