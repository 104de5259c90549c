// Bad `platform:secrets` input: each case names the key, the value and what is expected; nothing is registered.
import * as assert from "assert";
import { parsePlatformConfig } from "../stacks/config";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { BadInput, ExactBadInput, itRejects, itRejectsExactly } from "./helpers";

type Raw = Record<string, string>;
const dev = readStackConfig(PROJECT_DIR, "dev").config;
const prod = readStackConfig(PROJECT_DIR, "prod").config;
const secrets = (raw: Raw) => JSON.parse(raw["platform:secrets"]);
const vault = (raw: Raw, value: Record<string, unknown>): Raw => {
    const s = secrets(raw);
    return { ...raw, "platform:secrets": JSON.stringify({ ...s, vault: { ...s.vault, ...value } }) };
};
const eso = (raw: Raw, value: Record<string, unknown>): Raw => {
    const s = secrets(raw);
    return { ...raw, "platform:secrets": JSON.stringify({ ...s, externalSecrets: { ...s.externalSecrets, ...value } }) };
};

const cases: BadInput[] = [
    ["no secrets section", Object.fromEntries(Object.entries(dev).filter(([k]) => k !== "platform:secrets")), ["platform:secrets", "expected a mapping"]],
    ["an even number of Vault servers", vault(dev, { replicas: 2 }), ["platform:secrets.vault.replicas", "2", "odd number"]],
    ["one Vault server in production", vault(prod, { replicas: 1 }), ["platform:secrets.vault.replicas", "at least 3 replicas (HA raft) in production"]],
    ["an even HA count in production", vault(prod, { replicas: 4 }), ["platform:secrets.vault.replicas", "odd number"]],
    ["more servers than raft wants", vault(dev, { replicas: 9 }), ["platform:secrets.vault.replicas", "at most 7"]],
    ["an unknown seal type", vault(dev, { seal: "shamir" }), ["platform:secrets.vault.seal", '"shamir"', "awskms"]],
    ["a TTL that is not a Go duration", vault(dev, { tokenTtl: { default: "1 hour", max: "24h" } }), ["platform:secrets.vault.tokenTtl.default", '"1 hour"', "Go duration"]],
    ["a zero TTL", vault(dev, { tokenTtl: { default: "0", max: "24h" } }), ["platform:secrets.vault.tokenTtl.default", "above zero"]],
    ["a max TTL below the default", vault(dev, { tokenTtl: { default: "8h", max: "1h" } }), ["platform:secrets.vault.tokenTtl.max", '"1h"', "at least tokenTtl.default (8h)"]],
    ["an address that is not https", vault(dev, { address: "http://vault.example.org" }), ["platform:secrets.vault.address", "http://vault.example.org", "https:// URL"]],
    ["an address that is not a URL", vault(dev, { address: "vault" }), ["platform:secrets.vault.address", "https:// URL"]],
    ["a chart version range", vault(dev, { chartVersion: "^0.34.1" }), ["platform:secrets.vault.chartVersion", '"^0.34.1"', "pinned chart version"]],
    ["an unpinned External Secrets chart", eso(dev, { chartVersion: "latest" }), ["platform:secrets.externalSecrets.chartVersion", '"latest"', "pinned chart version"]],
    ["a KV mount with a slash", vault(dev, { kvMount: "platform/kv" }), ["platform:secrets.vault.kvMount", '"platform/kv"', "no slashes or spaces"]],
    ["a KV mount with a space", vault(dev, { kvMount: "platform kv" }), ["platform:secrets.vault.kvMount", "no slashes or spaces"]],
    ["a KV mount on a path Vault reserves", vault(dev, { kvMount: "sys" }), ["platform:secrets.vault.kvMount", '"sys"', "path Vault does not reserve"]],
    ["a volume size without unit", vault(dev, { storageSize: "10" }), ["platform:secrets.vault.storageSize", '"10"', "size in Gi"]],
    ["one External Secrets replica in production", eso(prod, { replicas: 1 }), ["platform:secrets.externalSecrets.replicas", "at least 2 replicas in production"]],
    ["an unpinned Vault image", vault(dev, { version: "latest" }), ["platform:secrets.vault.version", '"latest"', "Vault release like 2.0.4"]],
    ["an AWS CLI image without a pinned tag", vault(dev, { awsCliImage: "amazon/aws-cli:latest" }), ["platform:secrets.vault.awsCliImage", '"amazon/aws-cli:latest"', "pinned to a release"]],
    ["an unknown zone spread", { ...dev, "platform:secrets": JSON.stringify({ ...secrets(dev), zoneSpread: "Always" }) }, ["platform:secrets.zoneSpread", '"Always"', "DoNotSchedule | ScheduleAnyway"]],
    ["best-effort zone spread in production", { ...prod, "platform:secrets": JSON.stringify({ ...secrets(prod), zoneSpread: "ScheduleAnyway" }) }, ["platform:secrets.zoneSpread", "DoNotSchedule in production"]],
    ["an unknown key under vault", vault(dev, { unseal: "kms" }), ["platform:secrets.vault", "unseal"]],
];

const P = "platform:secrets";
const top = (raw: Raw, value: Record<string, unknown>): Raw => ({ ...raw, "platform:secrets": JSON.stringify({ ...secrets(raw), ...value }) });
const ttl = (raw: Raw, def: string, max: string) => vault(raw, { tokenTtl: { default: def, max } });
const MOUNT_RULE = "expected a mount path of lower-case letters, digits, '_' or '-' (no slashes or spaces)";
const RESERVED = "expected a path Vault does not reserve (not sys, auth, identity, cubbyhole or secret)";
const IMAGE_RULE = "expected an AWS CLI image pinned to a release, like public.ecr.aws/aws-cli/aws-cli:2.36.7";
const VOLUME_RULE = "expected a volume size in Gi, like 10Gi";
// Every message of the secrets section, written out in full: the key, the value and what is expected.
const exactProblems: ExactBadInput[] = [
    ["an unknown zone spread", top(dev, { zoneSpread: "Always" }), [`${P}.zoneSpread: expected DoNotSchedule | ScheduleAnyway; got "Always"`]],
    [
        "chart version ranges",
        eso(vault(dev, { chartVersion: "^0.34.1" }), { chartVersion: "latest" }),
        [`${P}.vault.chartVersion: expected a pinned chart version like 1.8.1; got "^0.34.1"`, `${P}.externalSecrets.chartVersion: expected a pinned chart version like 1.8.1; got "latest"`],
    ],
    [
        "no chart versions, Vault release or AWS CLI image (their descriptions are the hint)",
        eso(vault(dev, { chartVersion: undefined, version: undefined, awsCliImage: undefined }), { chartVersion: undefined }),
        [
            `${P}.vault.chartVersion: required key is missing; expected a string (hashicorp/vault chart, pinned exactly.)`,
            `${P}.vault.version: required key is missing; expected a string (Vault release the servers and the init Job run (the chart's appVersion, pinned here).)`,
            `${P}.vault.awsCliImage: required key is missing; expected a string (Image the init Job stores the bootstrap material with.)`,
            `${P}.externalSecrets.chartVersion: required key is missing; expected a string (external-secrets chart, pinned exactly.)`,
        ],
    ],
    ["a Vault release that is no release", vault(dev, { version: "latest" }), [`${P}.vault.version: expected a Vault release like 2.0.4 (the hashicorp/vault image tag); got "latest"`]],
    ["a Vault release with a leading v", vault(dev, { version: "v2.0.4" }), [`${P}.vault.version: expected a Vault release like 2.0.4 (the hashicorp/vault image tag); got "v2.0.4"`]],
    ["a Vault release with a suffix", vault(dev, { version: "2.0.4-ent" }), [`${P}.vault.version: expected a Vault release like 2.0.4 (the hashicorp/vault image tag); got "2.0.4-ent"`]],
    ["an AWS CLI image on latest", vault(dev, { awsCliImage: "amazon/aws-cli:latest" }), [`${P}.vault.awsCliImage: ${IMAGE_RULE}; got "amazon/aws-cli:latest"`]],
    ["an AWS CLI image without a repository path", vault(dev, { awsCliImage: "aws-cli:2.36.7" }), [`${P}.vault.awsCliImage: ${IMAGE_RULE}; got "aws-cli:2.36.7"`]],
    ["an AWS CLI image with an upper-case registry", vault(dev, { awsCliImage: "Amazon/aws-cli:2.36.7" }), [`${P}.vault.awsCliImage: ${IMAGE_RULE}; got "Amazon/aws-cli:2.36.7"`]],
    ["an AWS CLI image with a tag suffix", vault(dev, { awsCliImage: "amazon/aws-cli:2.36.7-arm64" }), [`${P}.vault.awsCliImage: ${IMAGE_RULE}; got "amazon/aws-cli:2.36.7-arm64"`]],
    ["no Vault server", vault(dev, { replicas: 0 }), [`${P}.vault.replicas: expected at least 1 replica; got 0`]],
    ["eight Vault servers", vault(dev, { replicas: 8 }), [`${P}.vault.replicas: expected at most 7 replicas (raft); got 8`]],
    ["a fraction of a Vault server", vault(dev, { replicas: 1.5 }), [`${P}.vault.replicas: expected a whole number; got 1.5`]],
    ["volume sizes of 0 and of six digits", vault(dev, { storageSize: "0Gi", auditStorageSize: "100000Gi" }), [`${P}.vault.storageSize: ${VOLUME_RULE}; got "0Gi"`, `${P}.vault.auditStorageSize: ${VOLUME_RULE}; got "100000Gi"`]],
    ["volume sizes with text around them", vault(dev, { storageSize: "x10Gi", auditStorageSize: "10GiB" }), [`${P}.vault.storageSize: ${VOLUME_RULE}; got "x10Gi"`, `${P}.vault.auditStorageSize: ${VOLUME_RULE}; got "10GiB"`]],
    ["an unknown seal type", vault(dev, { seal: "shamir" }), [`${P}.vault.seal: expected a seal type: awskms; got "shamir"`]],
    ["an address over http", vault(dev, { address: "http://vault.example.org" }), [`${P}.vault.address: expected an https:// URL; got "http://vault.example.org"`]],
    ["an address that is no URL", vault(dev, { address: "vault" }), [`${P}.vault.address: expected an https:// URL; got "vault"`]],
    [
        "TTLs that are no Go durations, or zero",
        ttl(dev, "1 hour", "0"),
        [`${P}.vault.tokenTtl.default: expected a Go duration like 1h, 30m or 768h; got "1 hour"`, `${P}.vault.tokenTtl.max: expected a duration above zero; got "0"`],
    ],
    ["a negative TTL, a TTL in days", ttl(dev, "-1h", "2d"), [`${P}.vault.tokenTtl.default: expected a duration above zero; got "-1h"`, `${P}.vault.tokenTtl.max: expected a Go duration like 1h, 30m or 768h; got "2d"`]],
    ["an unknown key under tokenTtl", vault(dev, { tokenTtl: { default: "1h", max: "24h", min: "1m" } }), [`${P}.vault.tokenTtl.min: unknown key; expected one of: default, max`]],
    ["a max TTL a minute below the default", ttl(dev, "8h", "7h59m"), [`${P}.vault.tokenTtl.max: expected at least tokenTtl.default (8h); got "7h59m"`]],
    // Compared in hours, not as text: "1h29m" sorts after "90m" but is shorter.
    ["a max TTL below the default in other units", ttl(dev, "90m", "1h29m"), [`${P}.vault.tokenTtl.max: expected at least tokenTtl.default (90m); got "1h29m"`]],
    ["a KV mount with a slash", vault(dev, { kvMount: "platform/kv" }), [`${P}.vault.kvMount: ${MOUNT_RULE}; got "platform/kv"`]],
    ["a KV mount starting with '_'", vault(dev, { kvMount: "_kv" }), [`${P}.vault.kvMount: ${MOUNT_RULE}; got "_kv"`]],
    ["a KV mount in capitals", vault(dev, { kvMount: "Platform" }), [`${P}.vault.kvMount: ${MOUNT_RULE}; got "Platform"`]],
    ["a KV mount of 64 characters", vault(dev, { kvMount: "k".repeat(64) }), [`${P}.vault.kvMount: ${MOUNT_RULE}; got "${"k".repeat(64)}"`]],
    ["the KV mount sys", vault(dev, { kvMount: "sys" }), [`${P}.vault.kvMount: ${RESERVED}; got "sys"`]],
    ["the KV mount auth", vault(dev, { kvMount: "auth" }), [`${P}.vault.kvMount: ${RESERVED}; got "auth"`]],
    ["the KV mount identity", vault(dev, { kvMount: "identity" }), [`${P}.vault.kvMount: ${RESERVED}; got "identity"`]],
    ["the KV mount cubbyhole", vault(dev, { kvMount: "cubbyhole" }), [`${P}.vault.kvMount: ${RESERVED}; got "cubbyhole"`]],
    ["the KV mount secret", vault(dev, { kvMount: "secret" }), [`${P}.vault.kvMount: ${RESERVED}; got "secret"`]],
    ["no External Secrets replica", eso(dev, { replicas: 0 }), [`${P}.externalSecrets.replicas: expected at least 1 replica; got 0`]],
    ["six External Secrets replicas", eso(dev, { replicas: 6 }), [`${P}.externalSecrets.replicas: expected at most 5 replicas; got 6`]],
    ["a fraction of an External Secrets replica", eso(dev, { replicas: 2.5 }), [`${P}.externalSecrets.replicas: expected a whole number; got 2.5`]],
    ["two Vault servers", vault(dev, { replicas: 2 }), [`${P}.vault.replicas: expected an odd number (a raft quorum of an even count tolerates no more failures); got 2`]],
    ["six Vault servers", vault(dev, { replicas: 6 }), [`${P}.vault.replicas: expected an odd number (a raft quorum of an even count tolerates no more failures); got 6`]],
    ["production: one Vault server", vault(prod, { replicas: 1 }), [`${P}.vault.replicas: expected at least 3 replicas (HA raft) in production; got 1`]],
    [
        "production: two Vault servers break both rules",
        vault(prod, { replicas: 2 }),
        [`${P}.vault.replicas: expected an odd number (a raft quorum of an even count tolerates no more failures); got 2`, `${P}.vault.replicas: expected at least 3 replicas (HA raft) in production; got 2`],
    ],
    ["production: four Vault servers", vault(prod, { replicas: 4 }), [`${P}.vault.replicas: expected an odd number (a raft quorum of an even count tolerates no more failures); got 4`]],
    ["production: best-effort zone spread", top(prod, { zoneSpread: "ScheduleAnyway" }), [`${P}.zoneSpread: expected DoNotSchedule in production (a zone's loss must not take the raft quorum); got "ScheduleAnyway"`]],
    ["production: one External Secrets replica", eso(prod, { replicas: 1 }), [`${P}.externalSecrets.replicas: expected at least 2 replicas in production; got 1`]],
];

describe("config: bad secrets input is rejected with key, value and expectation", () => {
    itRejects(cases, (raw) => parsePlatformConfig(raw, "platform"));
    describe("every message in full", () => itRejectsExactly(exactProblems, (raw) => parsePlatformConfig(raw, "platform")));

    it("accepts both committed stacks and fills the defaults", () => {
        const d = parsePlatformConfig(dev, "platform").secrets;
        assert.deepStrictEqual([d.vault.replicas, d.vault.seal, d.vault.injector, d.vault.kvMount, d.vault.tokenTtl], [1, "awskms", false, "platform", { default: "1h", max: "24h" }]);
        const p = parsePlatformConfig(prod, "platform").secrets;
        assert.deepStrictEqual([p.vault.replicas, p.externalSecrets.replicas, p.vault.tokenTtl.max, p.zoneSpread, d.zoneSpread], [3, 2, "8h", "DoNotSchedule", "ScheduleAnyway"]);
        const minimal = parsePlatformConfig({ ...dev, "platform:secrets": JSON.stringify({ vault: { chartVersion: "0.34.1", version: "2.0.4", awsCliImage: "public.ecr.aws/aws-cli/aws-cli:2.36.7" }, externalSecrets: { chartVersion: "2.9.0" } }) }, "platform").secrets;
        assert.deepStrictEqual([minimal.vault.storageSize, minimal.vault.auditStorageSize, minimal.vault.address], ["10Gi", "10Gi", undefined]);
    });

    it("accepts every odd Vault server count up to 7, and External Secrets replicas from 1 to 5", () => {
        for (const replicas of [1, 3, 5, 7]) assert.strictEqual(parsePlatformConfig(vault(dev, { replicas }), "platform").secrets.vault.replicas, replicas);
        for (const replicas of [1, 5]) assert.strictEqual(parsePlatformConfig(eso(dev, { replicas }), "platform").secrets.externalSecrets.replicas, replicas);
    });

    it("accepts production's minimums: 3 Vault servers, 2 External Secrets replicas, spread over zones", () => {
        const p = parsePlatformConfig(eso(vault(prod, { replicas: 3 }), { replicas: 2 }), "platform").secrets;
        assert.deepStrictEqual([p.vault.replicas, p.externalSecrets.replicas, p.zoneSpread], [3, 2, "DoNotSchedule"]);
    });

    it("accepts a max TTL equal to the default, compared in hours", () => {
        assert.deepStrictEqual(parsePlatformConfig(ttl(dev, "8h", "8h"), "platform").secrets.vault.tokenTtl, { default: "8h", max: "8h" });
        assert.deepStrictEqual(parsePlatformConfig(ttl(dev, "90m", "1h30m"), "platform").secrets.vault.tokenTtl, { default: "90m", max: "1h30m" });
        // The smallest TTL above zero.
        assert.deepStrictEqual(parsePlatformConfig(ttl(dev, "1ns", "1ns"), "platform").secrets.vault.tokenTtl, { default: "1ns", max: "1ns" });
    });

    it("accepts volume sizes from 1Gi to 99999Gi, a KV mount of 63 characters, and an image with one path segment", () => {
        const kvMount = `k${"_-9".repeat(20)}zz`;
        assert.strictEqual(kvMount.length, 63);
        const v = parsePlatformConfig(vault(dev, { storageSize: "1Gi", auditStorageSize: "99999Gi", kvMount, awsCliImage: "amazon/aws-cli:2.36.7", version: "10.20.30" }), "platform").secrets.vault;
        assert.deepStrictEqual([v.storageSize, v.auditStorageSize, v.kvMount, v.awsCliImage, v.version], ["1Gi", "99999Gi", kvMount, "amazon/aws-cli:2.36.7", "10.20.30"]);
    });
});
