// The platform's layers and how they depend on each other, from a recorded plan, as a Mermaid flowchart or an SVG
// picture (Graphviz, compiled to WebAssembly by @hpcc-js/wasm-graphviz: no browser, no native binary).
import type { Plan, PlannedResource } from "./engine";

/** The layer a resource belongs to: its ancestor right below the Platform component (itself if it is one). */
export function layerOf(r: PlannedResource, byUrn: ReadonlyMap<string, PlannedResource>): PlannedResource | undefined {
    let x: PlannedResource | undefined = r;
    while (x?.parent) {
        const parent = byUrn.get(x.parent);
        if (parent?.type === "platform:platform:Platform") return x;
        x = parent;
    }
    return undefined;
}

/** Edges between layers: A → B when something in A waits for something in B (what a destroy removes first). */
export function layerGraph(plan: Pick<Plan, "resources">): { layers: PlannedResource[]; edges: [string, string][]; sizes: Map<string, number> } {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const layer = new Map<string, PlannedResource | undefined>();
    const of = (r: PlannedResource) => (layer.has(r.urn) ? layer.get(r.urn) : layer.set(r.urn, layerOf(r, byUrn)).get(r.urn));
    const layers = plan.resources.filter((r) => r.parent && byUrn.get(r.parent)?.type === "platform:platform:Platform" && !r.custom);
    const edges = new Set<string>();
    const sizes = new Map<string, number>();
    for (const r of plan.resources) {
        const from = of(r);
        if (!from) continue;
        if (r.custom) sizes.set(from.urn, (sizes.get(from.urn) ?? 0) + 1);
        for (const d of r.dependencies) {
            const dep = byUrn.get(d);
            const to = dep && of(dep);
            if (to && to !== from) edges.add(`${from.urn}\u0000${to.urn}`);
        }
    }
    return { layers, edges: [...edges].map((e) => e.split("\u0000") as [string, string]).sort(), sizes };
}

const id = (urn: string) => urn.split("::").pop()!.replace(/[^A-Za-z0-9_]/g, "_");

/** Mermaid flowchart text: one node per layer (its component type), an arrow to each layer it waits for. */
export function renderMermaid(plan: Pick<Plan, "resources">): string {
    const { layers, edges, sizes } = layerGraph(plan);
    return [
        "flowchart LR",
        ...layers.map((l) => `  ${id(l.urn)}["${l.type.replace(/^platform:/, "")}<br/>${sizes.get(l.urn) ?? 0} resources"]`),
        ...edges.map(([a, b]) => `  ${id(a)} --> ${id(b)}`),
        "",
    ].join("\n");
}

/** Graphviz DOT text of the same graph: what the SVG is laid out from. */
export function renderDot(plan: Pick<Plan, "resources">): string {
    const { layers, edges, sizes } = layerGraph(plan);
    const label = (l: PlannedResource) => `${l.type.replace(/^platform:/, "")}\\n${sizes.get(l.urn) ?? 0} resources`;
    return [
        "digraph platform {",
        '  rankdir=LR; node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica"]; edge [color="#557799"];',
        ...layers.map((l) => `  ${id(l.urn)} [label="${label(l)}"];`),
        ...edges.map(([a, b]) => `  ${id(a)} -> ${id(b)};`),
        "}",
        "",
    ].join("\n");
}

/** The graph as an SVG document. */
export async function renderSvg(plan: Pick<Plan, "resources">): Promise<string> {
    const { Graphviz } = await import("@hpcc-js/wasm-graphviz");
    const graphviz = await Graphviz.load();
    return graphviz.dot(renderDot(plan), "svg");
}
