import * as assert from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { checkImagePlatforms, imageCheckApplies, imagePlatforms, imagesToVerify, parseImage } from "../plan/image-platforms";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { parsePlatformConfig } from "../stacks/config";

const configOf = (stack: string) => {
    const cfg = readStackConfig(PROJECT_DIR, stack);
    return parsePlatformConfig(cfg.config, cfg.project, undefined, PROJECT_DIR);
};

describe("check:images: which images are looked up, and how a reference names its registry", () => {
    it("reads references as registries resolve them (Docker Hub's defaults for bare names)", () => {
        const table: [string, ReturnType<typeof parseImage>][] = [
            ["hashicorp/vault:2.0.4", { registry: "registry-1.docker.io", repository: "hashicorp/vault", reference: "2.0.4" }],
            ["docker.io/hashicorp/vault:2.0.4", { registry: "registry-1.docker.io", repository: "hashicorp/vault", reference: "2.0.4" }],
            ["busybox:1.38.0", { registry: "registry-1.docker.io", repository: "library/busybox", reference: "1.38.0" }],
            ["quay.io/keycloak/keycloak-operator:26.7.3", { registry: "quay.io", repository: "keycloak/keycloak-operator", reference: "26.7.3" }],
            ["public.ecr.aws/aws-cli/aws-cli:2.36.7", { registry: "public.ecr.aws", repository: "aws-cli/aws-cli", reference: "2.36.7" }],
            ["127.0.0.1:5000/a/b:1.0", { registry: "127.0.0.1:5000", repository: "a/b", reference: "1.0" }],
            ["quay.io/x/y@sha256:abc", { registry: "quay.io", repository: "x/y", reference: "sha256:abc" }],
            ["ghcr.io/kyverno/readiness-checker", { registry: "ghcr.io", repository: "kyverno/readiness-checker", reference: "latest" }],
        ];
        for (const [image, expected] of table) assert.deepStrictEqual(parseImage(image), expected, image);
    });

    it("looks up, for both stack files (arm64 System nodes, SystemNodes), the four config-pinned images without evidence at their tag", () => {
        for (const stack of ["dev", "prod"]) {
            assert.deepStrictEqual(
                imagesToVerify(configOf(stack)).map((i) => i.image),
                ["quay.io/keycloak/keycloak-operator:26.7.3", "quay.io/keycloak/keycloak:26.7.3", "public.ecr.aws/aws-cli/aws-cli:2.36.7", "docker.io/hashicorp/vault:2.0.4"],
                stack,
            );
        }
    });

    it("looks up none when the platform's pods may run anywhere or the System nodes are x86_64", () => {
        const dev = configOf("dev");
        assert.deepStrictEqual(imagesToVerify({ ...dev, cluster: { ...dev.cluster, platformPods: "AnyNode" } }), []);
        const x86 = dev.cluster.nodeGroups.map((g) => (g.role === "System" ? { ...g, amiType: "AL2023_x86_64_STANDARD" as const } : g));
        assert.deepStrictEqual(imagesToVerify({ ...dev, cluster: { ...dev.cluster, nodeGroups: x86 } }), []);
    });
});

describe("check:images under Deployments", () => {
    it("runs before a preview or an update (remediate-drift updates; or by hand), not before a destroy, refresh or drift detection", () => {
        const table: [string | undefined, boolean][] = [[undefined, true], ["", true], ["update", true], ["preview", true], ["destroy", false], ["refresh", false], ["detect-drift", false], ["remediate-drift", true]];
        for (const [operation, runs] of table) assert.strictEqual(imageCheckApplies(operation), runs, String(operation));
    });
});

describe("check:images against a registry that speaks the distribution API with anonymous Bearer tokens", () => {
    let server: http.Server;
    let registry = "";
    const accepts: string[] = [];
    const scopes: string[] = [];
    const index = (...platforms: object[]) => ({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: platforms.map((platform, i) => ({ digest: `sha256:${i}`, platform })) });
    const content: Record<string, unknown> = {
        "multi/arch": index({ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm64", variant: "v8" }, { os: "linux", architecture: "arm64" }, { os: "unknown", architecture: "unknown" }),
        "v8/only": index({ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm64", variant: "v8" }),
        "amd64/only": index({ os: "linux", architecture: "amd64" }, { os: "unknown", architecture: "unknown" }),
        "single/arm": { schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { digest: "sha256:cfg" }, layers: [] },
    };
    before(async () => {
        server = http.createServer((req, res) => {
            const url = new URL(req.url!, `http://${req.headers.host}`);
            if (url.pathname === "/token") {
                // The token names the repository its first scope asked for; every scope asked is recorded.
                scopes.push(url.searchParams.getAll("scope").join(" "));
                const scope = url.searchParams.get("scope") ?? "";
                return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: `t:${scope}:${url.searchParams.get("service")}` }));
            }
            const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
            if (!m) return void res.writeHead(404).end();
            const [, repo, kind] = m;
            if (req.headers.authorization !== `Bearer t:repository:${repo}:pull:fake-registry`) {
                // As public.ecr.aws challenges: a scope that is not the repository's.
                return void res.writeHead(401, { "www-authenticate": `Bearer realm="http://${req.headers.host}/token",service="fake-registry",scope="aws other:x:pull"` }).end();
            }
            if (kind === "blobs") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ os: "linux", architecture: "arm64", config: {} }));
            accepts.push(String(req.headers.accept));
            if (!(repo in content)) return void res.writeHead(404).end();
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(content[repo]));
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        registry = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server.close());

    it("lists an index's platforms (attestation entries left out) and a single image's from its config blob, asking for indexes first", async () => {
        assert.deepStrictEqual(await imagePlatforms(`${registry}/multi/arch:1.0`), ["linux/amd64", "linux/arm64/v8", "linux/arm64"]);
        assert.deepStrictEqual(await imagePlatforms(`${registry}/single/arm:1.0`), ["linux/arm64"]);
        // One parameter per scope: the repository's pull, then each the challenge names.
        assert.deepStrictEqual(scopes.slice(0, 2), ["repository:multi/arch:pull aws other:x:pull", "repository:single/arm:pull aws other:x:pull"]);
        assert.ok(accepts.length >= 2 && accepts.every((a) => a.startsWith("application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json")), accepts.join(" | "));
    });

    it("passes an image with linux/arm64, fails one without it and one it cannot read, naming each and why it was looked up", async () => {
        const result = await checkImagePlatforms(
            [
                { image: `${registry}/multi/arch:1.0`, why: "a" },
                { image: `${registry}/v8/only:1.0`, why: "a8" },
                { image: `${registry}/amd64/only:1.0`, why: "b" },
                { image: `${registry}/no/such:1.0`, why: "c" },
            ],
            "linux/arm64",
        );
        assert.deepStrictEqual(result, {
            lines: [
                `${registry}/multi/arch:1.0: linux/arm64 published`,
                `${registry}/v8/only:1.0: linux/arm64 published`,
                `${registry}/amd64/only:1.0: no linux/arm64 build (only linux/amd64); b`,
                `${registry}/no/such:1.0: could not be read (http://${registry}/v2/no/such/manifests/1.0: 404); c`,
            ],
            failed: true,
        });
        assert.deepStrictEqual(await checkImagePlatforms([{ image: `${registry}/multi/arch:1.0`, why: "a" }], "linux/arm64"), { lines: [`${registry}/multi/arch:1.0: linux/arm64 published`], failed: false });
    });

    it("fails closed on an unreachable registry (no network) rather than passing", async () => {
        const result = await checkImagePlatforms([{ image: "127.0.0.1:1/x/y:1.0", why: "d" }], "linux/arm64");
        assert.strictEqual(result.failed, true);
        assert.match(result.lines[0], /^127\.0\.0\.1:1\/x\/y:1\.0: could not be read \(fetch failed\); d$/);
    });
});
