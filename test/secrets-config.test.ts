// Bad `platform:secrets` input: each case names the key, the value and what is expected; nothing is registered.
import * as assert from "assert";
import { parsePlatformConfig } from "../stacks/config";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { BadInput, itRejects } from "./helpers";

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

describe("config: bad secrets input is rejected with key, value and expectation", () => {
    itRejects(cases, (raw) => parsePlatformConfig(raw, "platform"));

    it("accepts both committed stacks and fills the defaults", () => {
        const d = parsePlatformConfig(dev, "platform").secrets;
        assert.deepStrictEqual([d.vault.replicas, d.vault.seal, d.vault.injector, d.vault.kvMount, d.vault.tokenTtl], [1, "awskms", false, "platform", { default: "1h", max: "24h" }]);
        const p = parsePlatformConfig(prod, "platform").secrets;
        assert.deepStrictEqual([p.vault.replicas, p.externalSecrets.replicas, p.vault.tokenTtl.max, p.zoneSpread, d.zoneSpread], [3, 2, "8h", "DoNotSchedule", "ScheduleAnyway"]);
        const minimal = parsePlatformConfig({ ...dev, "platform:secrets": JSON.stringify({ vault: { chartVersion: "0.34.1", version: "2.0.4", awsCliImage: "public.ecr.aws/aws-cli/aws-cli:2.36.7" }, externalSecrets: { chartVersion: "2.9.0" } }) }, "platform").secrets;
        assert.deepStrictEqual([minimal.vault.storageSize, minimal.vault.auditStorageSize, minimal.vault.address], ["10Gi", "10Gi", undefined]);
    });
});
