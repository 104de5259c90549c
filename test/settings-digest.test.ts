import * as assert from "assert";
import { tenantSettingsDigest } from "../stacks/settings-digest";
import { settingsProblem } from "../components/tenants/platform-refs";
import { parsePlatformConfig, PlatformConfig } from "../stacks/config";
import { readStackConfig } from "../plan/stack-files";
import { PROJECT_DIR } from "../plan/engine";

const dev = (): PlatformConfig => parsePlatformConfig(readStackConfig(PROJECT_DIR, "dev").config, "platform", undefined, PROJECT_DIR);

describe("the settings digest a platform publishes for its tenant stacks", () => {
    it("changes with any setting a tenant stack follows, not with the tenants or a secret, nor with the order keys were written in", () => {
        const base = dev();
        const digest = tenantSettingsDigest(base);
        assert.match(digest, /^[0-9a-f]{64}$/);
        const table: [string, PlatformConfig, boolean][] = [
            ["the same settings, read again", dev(), true],
            ["another admission action", { ...base, policy: { ...base.policy, action: base.policy.action === "Audit" ? "Enforce" : "Audit" } }, false],
            ["another region", { ...base, region: "eu-central-1" }, false],
            ["a nested list item", { ...base, appDelivery: { ...base.appDelivery, registry: { ...base.appDelivery.registry, pullThroughCache: [] } } }, false],
            ["no tenants (a tenant's own change needs no platform update)", { ...base, tenants: { ...base.tenants, all: [], list: [] } }, true],
            ["another secret (the digest is a plain output)", { ...base, alertReceiverSecret: "https://hooks.example.org/other" }, true],
            ["the keys in another order", Object.fromEntries(Object.entries(base).reverse()) as PlatformConfig, true],
        ];
        for (const [why, config, same] of table) assert.strictEqual(tenantSettingsDigest(config) === digest, same, why);
    });

    it("a tenant stack runs only on a platform that published its own commit's digest", () => {
        assert.strictEqual(settingsProblem("acme/platform/dev", "abc", "abc"), undefined);
        assert.strictEqual(
            settingsProblem("acme/platform/dev", "abc", "def"),
            "acme/platform/dev: its last update was from other settings than this commit's stack file: update the platform stack to this commit first (or wait for its deployment to finish), then this tenant stack",
        );
        assert.strictEqual(
            settingsProblem("acme/platform/dev", undefined, "def"),
            "acme/platform/dev: its last update was before platform stacks published their settings' digest: update the platform stack to this commit first (or wait for its deployment to finish), then this tenant stack",
        );
    });
});
