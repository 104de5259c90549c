// npm run check-addons -- --stack prod [--response FILE]
// For a machine with AWS credentials: asks EKS which add-on builds exist for the stack's Kubernetes version in its
// region (`aws eks describe-addon-versions`, the AWS CLI the kubeconfig needs anyway) and checks every build the
// plan pins. Exits 1 when one is missing. --response reads a saved describe-addon-versions answer instead of asking.
import { spawnSync } from "child_process";
import * as fs from "fs";
import { parseArgs } from "util";
import type { Plan } from "./engine";

/** The fields of `aws eks describe-addon-versions --output json` this check reads (AWS API DescribeAddonVersions). */
export interface AddonVersionsResponse {
    readonly addons: readonly {
        readonly addonName: string;
        readonly addonVersions: readonly {
            readonly addonVersion: string;
            readonly compatibilities?: readonly { readonly clusterVersion: string; readonly defaultVersion?: boolean }[];
        }[];
    }[];
}

export interface PinnedAddon {
    readonly addonName: string;
    readonly addonVersion: string;
}

export interface AddonCheck extends PinnedAddon {
    readonly found: boolean;
    /** The build EKS installs by default on this Kubernetes version, if it names one. */
    readonly defaultVersion?: string;
    /** Builds available for this Kubernetes version, newest first (as EKS lists them). */
    readonly available: readonly string[];
}

/** The add-on builds and the Kubernetes version a plan pins, with the region it deploys to. */
export function pinnedAddons(plan: Plan): { kubernetesVersion: string; region: string; addons: PinnedAddon[] } {
    const cluster = plan.resources.find((r) => r.type === "aws:eks/cluster:Cluster");
    const provider = plan.resources.find((r) => r.type === "pulumi:providers:aws");
    if (!cluster || !provider) throw new Error(`stack ${plan.stack} plans no EKS cluster`);
    const addons = plan.resources
        .filter((r) => r.type === "aws:eks/addon:Addon")
        .map((r) => ({ addonName: String(r.inputs.addonName), addonVersion: String(r.inputs.addonVersion) }))
        .sort((a, b) => a.addonName.localeCompare(b.addonName));
    return { kubernetesVersion: String(cluster.inputs.version), region: String(provider.inputs.region), addons };
}

/** Whether each pinned build is offered for `kubernetesVersion`, and which build is the default there. */
export function checkAddons(response: AddonVersionsResponse, kubernetesVersion: string, pins: readonly PinnedAddon[]): AddonCheck[] {
    return pins.map((pin) => {
        const versions = (response.addons.find((a) => a.addonName === pin.addonName)?.addonVersions ?? []).filter((v) =>
            (v.compatibilities ?? []).some((c) => c.clusterVersion === kubernetesVersion),
        );
        const defaultVersion = versions.find((v) => v.compatibilities?.some((c) => c.clusterVersion === kubernetesVersion && c.defaultVersion))?.addonVersion;
        return { ...pin, found: versions.some((v) => v.addonVersion === pin.addonVersion), defaultVersion, available: versions.map((v) => v.addonVersion) };
    });
}

export function renderAddonChecks(checks: readonly AddonCheck[], kubernetesVersion: string, region: string, stack: string): string {
    const lines = [`EKS add-on builds for Kubernetes ${kubernetesVersion} in ${region} (stack ${stack}):`];
    for (const c of checks) {
        const note = c.found
            ? c.defaultVersion && c.defaultVersion !== c.addonVersion
                ? ` (default: ${c.defaultVersion})`
                : c.defaultVersion
                  ? " (the default)"
                  : ""
            : c.available.length > 0
              ? ` not offered; available: ${c.available.slice(0, 5).join(", ")}${c.defaultVersion ? ` (default ${c.defaultVersion})` : ""}`
              : ` not offered; EKS lists no build of ${c.addonName} for ${kubernetesVersion}`;
        lines.push(`  ${c.found ? "ok     " : "MISSING"} ${c.addonName} ${c.addonVersion}${note}`);
    }
    return lines.join("\n");
}

/** Asks EKS through the AWS CLI (credentials from the environment, as for pulumi up). */
export function describeAddonVersions(kubernetesVersion: string, region: string): AddonVersionsResponse {
    // Every add-on of the version, marketplace ones included, fits in far less than 64 MiB (the default is 1 MiB).
    const run = spawnSync("aws", ["eks", "describe-addon-versions", "--kubernetes-version", kubernetesVersion, "--region", region, "--output", "json"], {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") throw new Error("cannot run the AWS CLI (aws not found); install AWS CLI v2");
    if (run.error) throw new Error(`aws eks describe-addon-versions: ${run.error.message}`);
    if (run.status !== 0) throw new Error(`aws eks describe-addon-versions failed: ${run.stderr.trim()}`);
    return JSON.parse(run.stdout) as AddonVersionsResponse;
}

export async function main(argv: string[], plan: (stack: string) => Promise<Plan>): Promise<number> {
    let values;
    try {
        values = parseArgs({ args: argv, options: { stack: { type: "string" }, response: { type: "string" } }, strict: true }).values;
    } catch (e) {
        console.error(`${(e as Error).message}\nusage: npm run check-addons -- --stack NAME [--response SAVED.json]`);
        return 2;
    }
    if (!values.stack) {
        console.error("usage: npm run check-addons -- --stack NAME [--response SAVED.json]");
        return 2;
    }
    try {
        const { kubernetesVersion, region, addons } = pinnedAddons(await plan(values.stack));
        const response = values.response ? (JSON.parse(fs.readFileSync(values.response, "utf8")) as AddonVersionsResponse) : describeAddonVersions(kubernetesVersion, region);
        const checks = checkAddons(response, kubernetesVersion, addons);
        console.log(renderAddonChecks(checks, kubernetesVersion, region, values.stack));
        return checks.every((c) => c.found) ? 0 : 1;
    } catch (e) {
        console.error(`check-addons: ${(e as Error).message}`);
        return 1;
    }
}
