// Human-readable plan: a tree of components with resource counts per type, then the stack outputs.
import type { Plan, PlannedResource } from "./engine";

function countByType(resources: readonly PlannedResource[]): string {
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    return [...counts.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([type, n]) => `${n} x ${type}`)
        .join(", ");
}

function flags(r: PlannedResource): string {
    const f = [r.protect && "protected", r.retainOnDelete && "retained"].filter(Boolean);
    return f.length ? ` [${f.join(", ")}]` : "";
}

export function renderTree(plan: Plan): string {
    const children = new Map<string | undefined, PlannedResource[]>();
    const urns = new Set(plan.resources.map((r) => r.urn));
    for (const r of plan.resources) {
        const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
        children.set(parent, [...(children.get(parent) ?? []), r]);
    }
    const lines: string[] = [];
    const walk = (parent: string | undefined, indent: string) => {
        const kids = children.get(parent) ?? [];
        const components = kids.filter((k) => !k.custom);
        const custom = kids.filter((k) => k.custom);
        if (custom.length) lines.push(`${indent}${custom.length} resource${custom.length === 1 ? "" : "s"}: ${countByType(custom)}`);
        for (const r of custom.filter((c) => c.protect || c.retainOnDelete)) lines.push(`${indent}  ${r.name}${flags(r)}`);
        for (const c of components) {
            lines.push(`${indent}${c.type} ${c.name}`);
            walk(c.urn, `${indent}  `);
        }
    };
    walk(undefined, "  ");
    const total = plan.resources.filter((r) => r.custom).length;
    const comps = plan.resources.length - total;
    return [`Stack ${plan.project}/${plan.stack}: ${total} resources in ${comps} components (evaluated in ${plan.elapsedMs} ms)`, ...lines].join("\n");
}

export function renderOutputs(plan: Plan): string {
    const keys = Object.keys(plan.outputs).sort();
    const lines = keys.map((k) => `  ${k}: ${JSON.stringify(plan.outputs[k])}${plan.secretOutputs.some((p) => p === k || p.startsWith(`${k}.`) || p.startsWith(`${k}[`)) ? " (secret)" : ""}`);
    return ["Outputs:", ...lines].join("\n");
}

/** Every version the plan pins: charts, EKS add-ons, Kubernetes, and the node AMI release Karpenter follows. */
export function pinnedVersions(plan: Pick<Plan, "resources">): string[] {
    const lines: string[] = [];
    for (const r of plan.resources) {
        const i = r.inputs as Record<string, any>;
        if (r.type === "aws:eks/cluster:Cluster") lines.push(`Kubernetes ${i.version} (${i.name})`);
        if (r.type === "aws:eks/addon:Addon") lines.push(`add-on ${i.addonName} ${i.addonVersion}`);
        if ((r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart") && i.version) lines.push(`chart ${String(i.chart).split("/").pop()} ${i.version}`);
        // A kustomization pinned by its Git ref: github.com/<owner>/<repo>/tree/<ref>/<path>.
        const kustomization = r.type === "kubernetes:kustomize/v2:Directory" ? /github\.com\/[^/]+\/([^/]+)\/tree\/([^/]+)/.exec(String(i.directory)) : null;
        if (kustomization) lines.push(`kustomization ${kustomization[1]} ${kustomization[2]}`);
        if (r.type === "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass") {
            for (const term of i.spec?.amiSelectorTerms ?? []) if (term.alias) lines.push(`Karpenter node AMI ${term.alias}`);
        }
    }
    return [...new Set(lines)].sort();
}

export function renderVersions(plan: Pick<Plan, "resources">): string {
    return ["Pinned versions:", ...pinnedVersions(plan).map((l) => `  ${l}`)].join("\n");
}
