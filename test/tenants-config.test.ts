import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { ConfigError, parsePlatformConfig } from "../stacks/config";
import { BadInput, itRejects } from "./helpers";

type Raw = Record<string, string>;
const dev = readStackConfig(PROJECT_DIR, "dev").config;
const prod = readStackConfig(PROJECT_DIR, "prod").config;
const TEAM = { name: "team-b", owners: ["carol"], costCentre: "CC-B" };
const withTenants = (raw: Raw, ...list: Record<string, unknown>[]): Raw => ({ ...raw, "platform:tenants": JSON.stringify({ list }) });
const policy = (raw: Raw, value: Record<string, unknown>): Raw => ({ ...raw, "platform:policy": JSON.stringify({ ...JSON.parse(raw["platform:policy"]), ...value }) });

const cases: BadInput[] = [
    ["duplicate tenant names", withTenants(dev, TEAM, { ...TEAM, namespaces: ["other"] }), ["platform:tenants.list[1].name", "each tenant once"]],
    ["a namespace owned by two tenants", withTenants(dev, TEAM, { ...TEAM, name: "team-c", namespaces: ["team-b"] }), ["platform:tenants.list[1].namespaces", "belong to one tenant (also team-b)"]],
    ["a namespace listed twice", withTenants(dev, { ...TEAM, namespaces: ["team-b", "team-b"] }), ["platform:tenants.list[0].namespaces", "each namespace once"]],
    ["a namespace of the platform", withTenants(dev, { ...TEAM, namespaces: ["vault"] }), ["platform:tenants.list[0].namespaces", "vault is the platform's"]],
    ["kube-system as a tenant namespace", withTenants(dev, { ...TEAM, namespaces: ["kube-system"] }), ["platform:tenants.list[0].namespaces", "kube-system is the platform's"]],
    ["a name that is not a DNS label", withTenants(dev, { ...TEAM, name: "Team_B" }), ["platform:tenants.list[0].name", '"Team_B"', "DNS label"]],
    ["a namespace that is not a DNS label", withTenants(dev, { ...TEAM, namespaces: ["team.b"] }), ["platform:tenants.list[0].namespaces[0]", '"team.b"', "DNS label"]],
    ["a quota that is not a quantity", withTenants(dev, { ...TEAM, quota: { requestsMemory: "8GB" } }), ["platform:tenants.list[0].quota.requestsMemory", '"8GB"', "512Mi, 2Gi or 1Ti"]],
    ["a CPU quota that is not a quantity", withTenants(dev, { ...TEAM, quota: { requestsCpu: "two" } }), ["platform:tenants.list[0].quota.requestsCpu", '"two"']],
    ["quota limits below requests", withTenants(dev, { ...TEAM, quota: { requestsCpu: "8", limitsCpu: "4" } }), ["platform:tenants.list[0].quota.limitsCpu", "at least requestsCpu (8)"]],
    ["memory limits below requests", withTenants(dev, { ...TEAM, quota: { requestsMemory: "32Gi", limitsMemory: "16Gi" } }), ["platform:tenants.list[0].quota.limitsMemory", "at least requestsMemory (32Gi)"]],
    ["container default limits below requests", withTenants(dev, { ...TEAM, containerDefaults: { requestsMemory: "1Gi", limitsMemory: "512Mi" } }), ["platform:tenants.list[0].containerDefaults.limitsMemory", "at least requestsMemory"]],
    ["a hostname outside the platform domain", withTenants(dev, { ...TEAM, hostnames: ["shop.example.org"] }), ["platform:tenants.list[0].hostnames[0]", '"shop.example.org"', "<label>.dev.platform.acme.example"]],
    ["a hostname two labels deep", withTenants(dev, { ...TEAM, hostnames: ["a.b.dev.platform.acme.example"] }), ["platform:tenants.list[0].hostnames[0]", "one name under the platform domain"]],
    ["a hostname claimed by two tenants", withTenants(dev, { ...TEAM, hostnames: ["x.dev.platform.acme.example"] }, { ...TEAM, name: "team-c", hostnames: ["x.dev.platform.acme.example"] }), ["platform:tenants.list[1].hostnames", "belong to one tenant (also team-b)"]],
    ["an SSO group named like a platform group", withTenants(dev, { ...TEAM, ssoGroup: "platform-admins" }), ["platform:tenants.list[0].ssoGroup", '"platform-admins"', "other than the platform's"]],
    ["a cost centre Kubernetes refuses as a label value", withTenants(dev, { ...TEAM, costCentre: "CC:platform/42" }), ["platform:tenants.list[0].costCentre", '"CC:platform/42"', "label value"]],
    ["a tenant without owners", withTenants(dev, { ...TEAM, owners: [] }), ["platform:tenants.list[0].owners", "at least one owner"]],
    ["a rename onto a current tenant's name", withTenants(dev, { ...TEAM, namespaces: ["team-b"] }, { ...TEAM, name: "team-c", previousName: "team-b", namespaces: ["team-c"] }), ["platform:tenants.list[1].previousName", "no current tenant has"]],
    ["a rename without its namespaces listed", withTenants(dev, { ...TEAM, previousName: "team-old", dataName: "team-old" }), ["platform:tenants.list[0].namespaces", "listed when renaming", "replace namespace team-old by team-b"]],
    ["a rename without its data name", withTenants(dev, { ...TEAM, previousName: "team-old", namespaces: ["team-old"] }), ["platform:tenants.list[0].dataName", "when renaming", "team-old if this is the first rename"]],
    ["a hostname the platform publishes", withTenants(dev, { ...TEAM, hostnames: ["grafana.dev.platform.acme.example"] }), ["platform:tenants.list[0].hostnames[0]", "the platform does not publish itself"]],
    ["two tenants in one SSO group", withTenants(dev, TEAM, { ...TEAM, name: "team-c", ssoGroup: "tenant-team-b" }), ["platform:tenants.list[1].ssoGroup", "belong to one tenant (also team-b)"]],
    ["a name too long for its bucket", withTenants(dev, { ...TEAM, name: "a-rather-long-team-name-for-s3-abc", bucket: true }), ["platform:tenants.list[0].name", "S3 allows 63"]],
    ["an unknown policy action", policy(dev, { action: "Deny" }), ["platform:policy.action", '"Deny"', "Audit | Enforce"]],
    ["audit only in production", policy(prod, { action: "Audit" }), ["platform:policy.action", "Enforce in production"]],
    ["best-effort Kyverno spread in production", policy(prod, { zoneSpread: "ScheduleAnyway" }), ["platform:policy.zoneSpread", "DoNotSchedule in production"]],
    ["an unknown Kyverno spread", policy(dev, { zoneSpread: "Anywhere" }), ["platform:policy.zoneSpread", '"Anywhere"', "DoNotSchedule | ScheduleAnyway"]],
    ["one admission controller in production", policy(prod, { replicas: 1 }), ["platform:policy.replicas", "at least 3 admission controllers in production"]],
    ["an empty registry allow-list", policy(dev, { allowedRegistries: [] }), ["platform:policy.allowedRegistries", "at least one registry"]],
    ["a registry given as a URL", policy(dev, { allowedRegistries: ["https://ghcr.io"] }), ["platform:policy.allowedRegistries[0]", '"https://ghcr.io"', "registry host"]],
    ["a policy chart not pinned", policy(dev, { chartVersion: "3.x" }), ["platform:policy.chartVersion", '"3.x"', "pinned chart version"]],
];

describe("config: bad tenant and policy input is rejected with key, value and expectation", () => {
    itRejects(cases, (raw) => parsePlatformConfig(raw, "platform"));

    it("reads tenants from a folder, one YAML file each, validated like the list", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tenants-"));
        fs.mkdirSync(path.join(dir, "tenants"));
        fs.writeFileSync(path.join(dir, "tenants", "team-b.yaml"), "name: team-b\nowners: [carol]\ncostCentre: CC-B\n");
        fs.writeFileSync(path.join(dir, "tenants", "team-c.yaml"), "name: team-c\nowners: [dave]\ncostCentre: CC-C\nnamespaces: [team-a]\n");
        const raw = { ...dev, "platform:tenants": JSON.stringify({ directory: "tenants", list: JSON.parse(dev["platform:tenants"]).list }) };
        // team-c claims a namespace of the list's team-a: refused like two list entries would be.
        assert.throws(() => parsePlatformConfig(raw, "platform", undefined, dir), /platform:tenants\.directory\.team-c\.yaml\.namespaces: expected namespace team-a to belong to one tenant \(also team-a\)/);
        fs.writeFileSync(path.join(dir, "tenants", "team-c.yaml"), "name: team-c\nowners: [dave]\ncostCentre: CC-C\n");
        const cfg = parsePlatformConfig(raw, "platform", undefined, dir);
        assert.deepStrictEqual(cfg.tenants.all.map((t) => t.name), ["team-a", "payments", "team-b", "team-c"]);
        fs.writeFileSync(path.join(dir, "tenants", "team-d.yaml"), "name: team-x\nowners: [erin]\ncostCentre: CC-D\nquota: { pods: 0 }\n");
        assert.throws(() => parsePlatformConfig(raw, "platform", undefined, dir), (e: Error) => /team-d\.yaml:quota\.pods: expected at least 1 pod/.test(e.message));
        // The first tenant from the folder is named by its file too, not as one more list entry.
        fs.rmSync(path.join(dir, "tenants", "team-d.yaml"));
        fs.writeFileSync(path.join(dir, "tenants", "team-b.yaml"), "name: team-b\nowners: [carol]\ncostCentre: CC-B\nnamespaces: [team-a]\n");
        assert.throws(
            () => parsePlatformConfig(raw, "platform", undefined, dir),
            (e: ConfigError) => {
                assert.deepStrictEqual(e.problems, ['platform:tenants.directory.team-b.yaml.namespaces: expected namespace team-a to belong to one tenant (also team-a); got "team-a"']);
                return true;
            },
        );
    });

    it("stops at a single key's problem before the rules across tenants run", () => {
        const raw = { ...withTenants(dev, { ...TEAM, namespaces: ["team-a"] }), "platform:netwrok": "{}" };
        assert.throws(
            () => parsePlatformConfig(raw, "platform"),
            (e: ConfigError) => {
                assert.deepStrictEqual(e.problems, [
                    "platform:netwrok: unknown key; expected one of: environment, tier, name, owner, costCentre, region, allowedAccountIds, adoptRetained, tags, network, cluster, storage, ingress, secrets, sso, ssoBrokerSecrets, observability, alertReceiverSecret, policy, tenants, appDelivery, pullThroughCacheCredentials, backup",
                ]);
                return true;
            },
        );
    });

    it("refuses a folder that does not exist", () => {
        assert.throws(() => parsePlatformConfig({ ...dev, "platform:tenants": JSON.stringify({ directory: "no-such-folder" }) }, "platform", undefined, os.tmpdir()), /platform:tenants\.directory: expected an existing folder/);
    });
});
