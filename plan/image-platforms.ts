// npm run check:images -- --stack NAME: before an update, the pinned images whose arm64 build no repository file proves
// at their tag (docs/operations.md, "arm64 builds of the platform's images") are looked up in their registries: each
// must list the System nodes' platform. Run by each platform stack's Deployments before `pulumi up` and preview, where
// the registries are reachable; an image without that platform, or one that cannot be read, stops the run before any
// change (a pod of it would crash-loop with "exec format error" on the nodes). Before a destroy or refresh it does nothing.
import "./startup";
import { parseArgs } from "util";
import { PROJECT_DIR } from "./engine";
import { readStackConfig } from "./stack-files";
import { parsePlatformConfig } from "../stacks/config";
import type { PlatformConfig } from "../stacks/schema";
import { VAULT_IMAGE_REPOSITORY } from "../components/secrets/vault-values";

/** An image the System nodes run whose platform list is checked in its registry, and why it is on the list. */
export interface ImageToVerify {
    readonly image: string;
    readonly why: string;
}

/**
 * The images to look up for a stack: with the platform's pods on arm64 System nodes, those pinned in its config whose
 * arm64 build docs/operations.md could cite only from another version than the tag (or not at all). None when the
 * System nodes are x86_64 or the platform's pods may run anywhere (every image has an amd64 build).
 */
export function imagesToVerify(config: Pick<PlatformConfig, "cluster" | "secrets" | "sso">): ImageToVerify[] {
    const system = config.cluster.nodeGroups.find((g) => g.role === "System");
    if (config.cluster.platformPods !== "SystemNodes" || !system?.amiType.includes("ARM")) return [];
    return [
        { image: `quay.io/keycloak/keycloak-operator:${config.sso.keycloak.version}`, why: "the Keycloak operator: no build file names its platforms" },
        { image: `quay.io/keycloak/keycloak:${config.sso.keycloak.version}`, why: "Keycloak: its release workflow read at an older commit" },
        { image: config.secrets.vault.awsCliImage, why: "the Vault init Job's store step: which installers the tag is built from is not in the repository" },
        { image: `docker.io/${VAULT_IMAGE_REPOSITORY}:${config.secrets.vault.version}`, why: "Vault: its build workflow read at a commit, not the tag" },
    ];
}

/** A reference split as a registry resolves it (Docker Hub's defaults for a bare or one-part name). */
export function parseImage(image: string): { registry: string; repository: string; reference: string } {
    const at = image.lastIndexOf("@");
    const [name, reference] = at >= 0 ? [image.slice(0, at), image.slice(at + 1)] : ((m) => (m ? [m[1], m[2]] : [image, "latest"]))(/^(.*):([^:/]+)$/.exec(image));
    const first = name.split("/")[0];
    const hasRegistry = name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    const registry = hasRegistry ? first : "docker.io";
    const path = hasRegistry ? name.slice(first.length + 1) : name;
    return { registry: registry === "docker.io" ? "registry-1.docker.io" : registry, repository: registry === "docker.io" && !path.includes("/") ? `library/${path}` : path, reference };
}

const MANIFEST_TYPES = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

type Fetch = (url: string, init?: { headers?: Record<string, string>; signal?: AbortSignal }) => Promise<{ status: number; headers: { get(name: string): string | null }; json(): Promise<unknown> }>;

/** How long one registry request may take. */
export const REGISTRY_TIMEOUT_MS = 20_000;

/** Registries over plain HTTP (a local test registry only); every other is HTTPS. */
const scheme = (registry: string) => (/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(registry) ? "http" : "https");

/**
 * GET from a registry's API, answering its anonymous Bearer challenge once (the distribution spec's token flow, as
 * quay.io, public.ecr.aws and Docker Hub use for public images).
 */
async function registryGet(fetchImpl: Fetch, registry: string, repository: string, path: string, accept: string) {
    const url = `${scheme(registry)}://${registry}/v2/${repository}/${path}`;
    // A stalled registry fails the look-up instead of holding the deployment.
    const signal = () => AbortSignal.timeout(REGISTRY_TIMEOUT_MS);
    let response = await fetchImpl(url, { headers: { Accept: accept }, signal: signal() });
    if (response.status === 401) {
        const challenge = response.headers.get("www-authenticate") ?? "";
        const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
        if (!/^Bearer /i.test(challenge) || !params.realm) throw new Error(`${url}: 401 without a Bearer challenge (${challenge || "none"})`);
        const token = new URL(params.realm);
        if (params.service) token.searchParams.set("service", params.service);
        // The repository's pull scope always (public.ecr.aws's challenge names scope="aws"), and the challenge's own.
        const pull = `repository:${repository}:pull`;
        token.searchParams.append("scope", pull);
        // One parameter per scope (a challenge may name several, space-separated).
        for (const scope of (params.scope ?? "").split(" ").filter((x) => x && x !== pull)) token.searchParams.append("scope", scope);
        const answer = await fetchImpl(token.toString(), { signal: signal() });
        if (answer.status !== 200) throw new Error(`${token}: ${answer.status} for an anonymous token`);
        const body = (await answer.json()) as { token?: string; access_token?: string };
        response = await fetchImpl(url, { headers: { Accept: accept, Authorization: `Bearer ${body.token ?? body.access_token}` }, signal: signal() });
    }
    if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
}

/** The platforms (os/architecture[/variant]) an image's tag is published for, read from its registry. */
export async function imagePlatforms(image: string, fetchImpl: Fetch = fetch as unknown as Fetch): Promise<string[]> {
    const { registry, repository, reference } = parseImage(image);
    const manifest = await registryGet(fetchImpl, registry, repository, `manifests/${reference}`, MANIFEST_TYPES);
    if (Array.isArray(manifest.manifests)) {
        type Entry = { platform?: { os?: string; architecture?: string; variant?: string } };
        return (manifest.manifests as Entry[])
            .map((m) => m.platform)
            .filter((p): p is NonNullable<Entry["platform"]> => p !== undefined && p.os !== "unknown")
            .map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join("/"));
    }
    // One image: its platform is in its config blob.
    const digest = (manifest.config as { digest?: string } | undefined)?.digest;
    if (!digest) throw new Error(`${image}: neither an index nor an image manifest`);
    const config = await registryGet(fetchImpl, registry, repository, `blobs/${digest}`, "application/json");
    return [[config.os, config.architecture, config.variant].filter(Boolean).join("/")];
}

/** One line per image, and whether any lacks `platform` (any variant of it: arm64 is often listed as arm64/v8) or could not be read. */
export async function checkImagePlatforms(images: readonly ImageToVerify[], platform: string, fetchImpl?: Fetch): Promise<{ lines: string[]; failed: boolean }> {
    const lines: string[] = [];
    let failed = false;
    for (const { image, why } of images) {
        const found = await imagePlatforms(image, fetchImpl).catch((e: unknown) => e as Error);
        if (found instanceof Error) {
            failed = true;
            lines.push(`${image}: could not be read (${found.message}); ${why}`);
        } else if (!found.some((f) => f === platform || f.startsWith(`${platform}/`))) {
            failed = true;
            lines.push(`${image}: no ${platform} build (only ${found.join(", ") || "none"}); ${why}`);
        } else lines.push(`${image}: ${platform} published`);
    }
    return { lines, failed };
}

/** Whether the look-up runs before a Deployments operation (PULUMI_CI_OPERATION; unset: run by hand or in CI): those that update. */
export function imageCheckApplies(operation: string | undefined): boolean {
    return operation === undefined || operation === "" || operation === "update" || operation === "preview" || operation === "remediate-drift";
}

async function main(): Promise<number> {
    const { values } = parseArgs({ options: { stack: { type: "string" } }, strict: true });
    if (!values.stack) {
        console.error("usage: npm run check:images -- --stack <stack>");
        return 2;
    }
    // Under Deployments: only before a preview or an update (remediate-drift is one); a registry outage must not block a destroy or a refresh.
    const operation = process.env.PULUMI_CI_OPERATION;
    if (!imageCheckApplies(operation)) {
        console.log(`${values.stack}: no image look-up before a ${operation}`);
        return 0;
    }
    const cfg = readStackConfig(PROJECT_DIR, values.stack);
    const images = imagesToVerify(parsePlatformConfig(cfg.config, cfg.project, undefined, PROJECT_DIR));
    if (images.length === 0) {
        console.log(`${values.stack}: no image to look up (the platform's pods are not on arm64 System nodes)`);
        return 0;
    }
    const { lines, failed } = await checkImagePlatforms(images, "linux/arm64");
    for (const l of lines) console.log(l);
    return failed ? 1 : 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e) => {
            console.error(e instanceof Error ? e.message : e);
            process.exit(1);
        },
    );
}
