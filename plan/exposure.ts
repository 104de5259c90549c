// The exposure table (`npm run plan -- --stack <name> --exposure`): every hostname and path the internet-facing
// gateway publishes, what it reaches and what authenticates it, from the same analysis the public-gateway-exposure
// policy judges (policy/rules/exposure.ts).
import type { Plan } from "./engine";
import { policyResources } from "./policy-runner";
import { exposureProblems, PublicPath, publicPaths, restricted } from "../policy/rules/exposure";

export interface ExposureRow {
    readonly listener: string;
    readonly hostname: string;
    readonly path: string;
    readonly reaches: string;
    readonly authenticatedBy: string;
}

function reaches(p: PublicPath): string {
    switch (p.action.kind) {
        case "backend":
            return `${p.action.service}:${p.action.port}${p.app ? ` (${p.app.app})` : ""}`;
        case "respond":
            return `${p.action.status} from the gateway`;
        case "redirect":
            return `redirect to ${p.action.to}`;
    }
}

function authenticatedBy(p: PublicPath): string {
    if (p.action.kind !== "backend") return "-";
    const app = p.app?.authentication ?? "none";
    if (!p.clientCidrs) return app;
    const policy = restricted(p) ? `client CIDRs ${p.clientCidrs.join(", ")}` : `client CIDRs ${p.clientCidrs.join(", ")} (not holding: ${p.cidrsIneffective ?? (p.clientCidrs.some((c) => c.endsWith("/0")) ? "open to all" : "more than a /8")})`;
    return `${policy} + ${app}`;
}

/** One row per public hostname and path, sorted by listener, hostname and path. */
export function exposureRows(plan: Pick<Plan, "resources">): ExposureRow[] {
    return publicPaths(policyResources(plan))
        .map((p) => ({
            // <Gateway name>/<listener> :port (the title names the Gateways with their namespaces).
            listener: `${p.gateway.split("/").pop()}/${p.listener} :${p.port}`,
            hostname: p.hostname,
            path: `${p.match.type === "Exact" ? "= " : ""}${p.match.value}`,
            reaches: reaches(p),
            authenticatedBy: authenticatedBy(p),
        }))
        .sort((a, b) => a.listener.localeCompare(b.listener) || a.hostname.localeCompare(b.hostname) || a.path.localeCompare(b.path));
}

/** The table as Markdown (it goes into docs/architecture.md as printed), then the problems the policy finds in it. */
export function renderExposure(plan: Pick<Plan, "resources" | "stack">): string {
    const rows = exposureRows(plan);
    const paths = publicPaths(policyResources(plan));
    const problems = exposureProblems(paths);
    const gateways = [...new Set(paths.map((p) => p.gateway))];
    const lines = [
        `Exposure of stack ${plan.stack}: what the internet-facing Gateway${gateways.length === 1 ? "" : "s"} ${gateways.join(", ") || "(none)"} publish${gateways.length === 1 ? "es" : ""}`,
        "",
        "| listener | hostname | path prefix | reaches | authenticated by |",
        "| --- | --- | --- | --- | --- |",
        ...rows.map((r) => `| ${r.listener} | ${r.hostname} | ${r.path} | ${r.reaches} | ${r.authenticatedBy} |`),
    ];
    if (problems.length > 0) lines.push("", `Refused by public-gateway-exposure (${problems.length}):`, ...problems.map((p) => `  - ${p.problem}`));
    return lines.join("\n");
}
