import * as assert from "assert";
import { ConfigError, MASKED_SECRET, parsePlatformConfig } from "../stacks/config";
import { PlanError, planStack, PROJECT_DIR } from "../plan/engine";
import { listStacks, readStackConfig } from "../plan/stack-files";
import { itRejectsExactly } from "./helpers";
import { OIDC_IDP } from "./sso-fixtures";

const NS = "platform";
const dev = readStackConfig(PROJECT_DIR, "dev").config;
const devNetwork = JSON.parse(dev["platform:network"]);

type Raw = Record<string, string>;
const set = (key: string, value: unknown) => (raw: Raw): Raw => ({ ...raw, [`${NS}:${key}`]: typeof value === "string" ? value : JSON.stringify(value) });
const drop = (key: string) => (raw: Raw): Raw => {
    const copy = { ...raw };
    delete copy[`${NS}:${key}`];
    return copy;
};
const network = (patch: Record<string, unknown>) => set("network", { ...devNetwork, ...patch });
const subnets = (patch: Record<string, unknown>) => network({ subnets: { ...devNetwork.subnets, ...patch } });
const flowLogs = (patch: Record<string, unknown>) => network({ flowLogs: { ...devNetwork.flowLogs, ...patch } });

/** [what, how to break the dev config, substrings the message must contain: key, bad value, expectation] */
const badInputs: [string, (raw: Raw) => Raw, string[]][] = [
    ["missing environment", drop("environment"), ["platform:environment", "required key is missing", "Environment name"]],
    ["missing region", drop("region"), ["platform:region", "required key is missing"]],
    ["missing network", drop("network"), ["platform:network", "required key is missing"]],
    ["missing network.cidr", network({ cidr: undefined }), ["platform:network.cidr", "required key is missing"]],
    ["unknown top-level key (typo)", set("regoin", "eu-west-1"), ["platform:regoin", "unknown key", "expected one of", "region"]],
    ["unknown nested key (typo)", network({ natGateway: "Single" }), ["platform:network.natGateway", "unknown key", "natGateways"]],
    ["unknown key in flowLogs", flowLogs({ retention: 30 }), ["platform:network.flowLogs.retention", "unknown key", "retentionDays"]],
    ["environment not a DNS label", set("environment", "Dev_1"), ["platform:environment", '"Dev_1"', "lower-case DNS label"]],
    ["name too long", set("name", "a".repeat(30)), ["platform:name", "at most 24 characters"]],
    ["tier not in enum", set("tier", "prod"), ["platform:tier", '"prod"', "development | staging | production"]],
    ["malformed region", set("region", "europe-1"), ["platform:region", '"europe-1"', "AWS region like eu-west-1"]],
    ["account id too short", set("allowedAccountIds", ["12345"]), ["platform:allowedAccountIds[0]", '"12345"', "12-digit"]],
    ["account ids not an array (bad JSON)", set("allowedAccountIds", "[1111"), ["platform:allowedAccountIds", "expected an array", '"[1111"']],
    ["production without pinned account", (raw) => set("allowedAccountIds", [])(set("tier", "production")(raw)), ["platform:allowedAccountIds", "at least one account id", "[]"]],
    ["adoptRetained not a boolean", set("adoptRetained", "yes"), ["platform:adoptRetained", '"yes"', "boolean"]],
    ["adoptRetained without one pinned account", (raw) => set("allowedAccountIds", [])(set("adoptRetained", true)(raw)), ["platform:adoptRetained", "exactly one account"]],
    ["tag overriding a platform tag", set("tags", { owner: "someone" }), ["platform:tags.owner", "other than the platform's own", '"owner"']],
    ["tag key with aws: prefix", set("tags", { "aws:foo": "x" }), ["platform:tags", "not starting with aws:"]],
    ["cost centre with spaces", set("costCentre", "cost centre"), ["platform:costCentre", '"cost centre"', "cost-centre code"]],
    ["VPC CIDR malformed", network({ cidr: "10.0.0.0/33" }), ["platform:network.cidr", '"10.0.0.0/33"', "IPv4 CIDR block like 10.0.0.0/16"]],
    ["VPC CIDR with host bits", network({ cidr: "10.20.1.0/16" }), ["platform:network.cidr", '"10.20.1.0/16"', "e.g. 10.20.0.0/16"]],
    ["VPC CIDR too large", network({ cidr: "10.0.0.0/8" }), ["platform:network.cidr", '"10.0.0.0/8"', "between /16 and /24"]],
    ["azCount as a string", network({ azCount: "2" }), ["platform:network.azCount", '"2"', "expected a number"]],
    ["azCount zero", network({ azCount: 0 }), ["platform:network.azCount", "0", "1 to 6 availability zones"]],
    ["azCount seven", network({ azCount: 7 }), ["platform:network.azCount", "7", "1 to 6 availability zones"]],
    ["azCount fractional", network({ azCount: 2.5 }), ["platform:network.azCount", "2.5", "integer"]],
    ["AZ list shorter than azCount", network({ availabilityZones: ["eu-west-1a"] }), ["platform:network.availabilityZones", "exactly azCount (2)"]],
    ["AZ of another region", network({ availabilityZones: ["eu-west-1a", "us-east-1b"] }), ["platform:network.availabilityZones[1]", '"us-east-1b"', "region eu-west-1"]],
    ["AZ listed twice", network({ availabilityZones: ["eu-west-1a", "eu-west-1a"] }), ["platform:network.availabilityZones", "distinct zones"]],
    ["NAT strategy typo", network({ natGateways: "PerAz" }), ["platform:network.natGateways", '"PerAz"', "None | Single | OnePerAz"]],
    ["unknown endpoint service", network({ interfaceEndpoints: ["ecr"] }), ["platform:network.interfaceEndpoints[0]", '"ecr"', "ecr.api"]],
    ["endpoint service twice", network({ interfaceEndpoints: ["sts", "sts"] }), ["platform:network.interfaceEndpoints", "each service once"]],
    ["private subnets too small for pods", subnets({ privatePrefixLength: 26 }), ["platform:network.subnets.privatePrefixLength", "26", "starves the VPC CNI"]],
    ["public subnet below /28", subnets({ publicPrefixLength: 29 }), ["platform:network.subnets.publicPrefixLength", "29", "/16 and /28"]],
    ["subnets that do not fit the VPC", (raw) => network({ cidr: "10.20.0.0/18", subnets: { ...devNetwork.subnets } })(raw), ["platform:network.subnets", "fit the VPC 10.20.0.0/18", "need"]],
    ["subnet larger than the VPC", network({ cidr: "10.20.0.0/20" }), ["platform:network.subnets", "larger than the VPC 10.20.0.0/20"]],
    ["azSlots below azCount", subnets({ azSlots: 1 }), ["platform:network.subnets.azSlots", "1", "at least azCount (2)"]],
    ["VPC overlapping a reserved range", network({ reservedCidrs: ["10.20.128.0/17"] }), ["platform:network.reservedCidrs[0]", '"10.20.128.0/17"', "overlap"]],
    ["reserved range malformed", network({ reservedCidrs: ["10.300.0.0/16"] }), ["platform:network.reservedCidrs[0]", '"10.300.0.0/16"', "IPv4 CIDR"]],
    ["flow-log retention CloudWatch does not offer", flowLogs({ retentionDays: 45 }), ["platform:network.flowLogs.retentionDays", "45", "one of 1, 3, 5"]],
    ["flow-log aggregation interval", flowLogs({ aggregationIntervalSeconds: 120 }), ["platform:network.flowLogs.aggregationIntervalSeconds", "120", "60 or 600"]],
    ["flow-logs enabled as a string", flowLogs({ enabled: "yes" }), ["platform:network.flowLogs.enabled", '"yes"', "expected true or false"]],
    ["owner too short", set("owner", "x"), ["platform:owner", '"x"', "team or e-mail"]],
    ["tag value too long", set("tags", { team: "v".repeat(300) }), ["platform:tags.team", "at most 256 characters"]],
    ["malformed AZ name", network({ availabilityZones: ["eu-west-1", "eu-west-1b"] }), ["platform:network.availabilityZones[0]", '"eu-west-1"', "zone name like eu-west-1a"]],
    ["isolated subnet below /28", subnets({ isolatedPrefixLength: 30 }), ["platform:network.subnets.isolatedPrefixLength", "30", "/16 and /28"]],
    ["azSlots above 6", subnets({ azSlots: 7 }), ["platform:network.subnets.azSlots", "7", "1 to 6 slots"]],
    ["flow-log traffic type typo", flowLogs({ trafficType: "DENY" }), ["platform:network.flowLogs.trafficType", '"DENY"']],
    ["network not JSON", set("network", "{cidr: 10.0.0.0/16"), ["platform:network", "expected an object"]],
];

// The top-level and network messages in full: key, value and what is expected.
const exactProblems: [string, (raw: Raw) => Raw, string[]][] = [
    ["environment too long", set("environment", "e".repeat(17)), [`platform:environment: expected at most 16 characters; got "${"e".repeat(17)}"`]],
    ["name not a DNS label", set("name", "Acme_Dev"), [`platform:name: expected a lower-case DNS label (a-z, 0-9, '-'; starts with a letter); got "Acme_Dev"`]],
    ["tier not in the list", set("tier", "prod"), ['platform:tier: expected one of development | staging | production; got "prod"']],
    ["account id of 11 digits", set("allowedAccountIds", ["11111111111"]), ['platform:allowedAccountIds[0]: expected a 12-digit AWS account id; got "11111111111"']],
    ["region AWS does not have", set("region", "eu-north-9"), ['platform:region: expected a region AWS has (see the aws.Region list); got "eu-north-9"']],
    ["malformed region (one message, not also the list's)", set("region", "europe-1"), ['platform:region: expected an AWS region like eu-west-1; got "europe-1"']],
    ["owner too short", set("owner", "ab"), ['platform:owner: expected a team or e-mail address (3+ characters); got "ab"']],
    ["tag value AWS refuses", set("tags", { team: "a;b" }), [`platform:tags.team: expected a tag value AWS accepts (letters, spaces, digits and _ . : / = + - @); got "a;b"`]],
    ["tag value too long", set("tags", { team: "v".repeat(257) }), [`platform:tags.team: expected a tag value of at most 256 characters; got "${"v".repeat(116)}...`]],
    [
        "tag keys of the platform's own",
        set("tags", { owner: "x", "managed-by": "y" }),
        [
            `platform:tags.owner: expected a tag key other than the platform's own (project, environment, tier, owner, cost-centre, managed-by); got "owner"`,
            `platform:tags.managed-by: expected a tag key other than the platform's own (project, environment, tier, owner, cost-centre, managed-by); got "managed-by"`,
        ],
    ],
    ["adopting without one pinned account", (raw) => set("allowedAccountIds", ["111111111111", "222222222222"])(set("adoptRetained", true)(raw)), ["platform:adoptRetained: expected allowedAccountIds to pin exactly one account (retained bucket names include it); got true"]],
    ["cost centre of one character", set("costCentre", "C"), [`platform:costCentre: expected a cost-centre code (2-32 letters, digits, '_', '.', '-'); got "C"`]],
    // A key's own problem is reported once: the cross-key rules (here the subnet carving) wait until every key is valid.
    ["VPC CIDR of /25", network({ cidr: "10.20.0.0/25" }), ['platform:network.cidr: expected a VPC CIDR between /16 and /24 (AWS limits); got "10.20.0.0/25"']],
    [
        "public VPC CIDR without the opt-in",
        network({ cidr: "203.0.112.0/20", subnets: { publicPrefixLength: 28, privatePrefixLength: 24, azSlots: 2 } }),
        ['platform:network.cidr: expected a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10), or network.allowPublicCidr: true for a public range you own; got "203.0.112.0/20"'],
    ],
    ["azCount of seven", network({ azCount: 7 }), ["platform:network.azCount: expected 1 to 6 availability zones; got 7"]],
    ["azCount as a fraction", network({ azCount: 1.5 }), ["platform:network.azCount: expected an integer; got 1.5"]],
    ["an AZ of another region", network({ availabilityZones: ["eu-west-1a", "us-east-1b"] }), ['platform:network.availabilityZones[1]: expected a zone of region eu-west-1; got "us-east-1b"']],
    ["NAT strategy typo", network({ natGateways: "PerAz" }), ['platform:network.natGateways: expected one of None | Single | OnePerAz; got "PerAz"']],
    ["subnet prefix as a fraction", subnets({ publicPrefixLength: 24.5 }), ["platform:network.subnets.publicPrefixLength: expected an integer prefix length; got 24.5"]],
    ["subnet prefix above /16", subnets({ privatePrefixLength: 15 }), ["platform:network.subnets.privatePrefixLength: expected a prefix length between /16 and /24 (AWS allows /16 at most); got 15"]],
    [
        "isolated subnets below /28",
        subnets({ isolatedPrefixLength: 29 }),
        ["platform:network.subnets.isolatedPrefixLength: expected a prefix length between /16 and /28 (isolated subnets hold databases); got 29"],
    ],
    ["azSlots of zero", subnets({ azSlots: 0 }), ["platform:network.subnets.azSlots: expected 1 to 6 slots; got 0"]],
    ["azSlots as a fraction", subnets({ azSlots: 2.5 }), ["platform:network.subnets.azSlots: expected an integer; got 2.5"]],
    ["flow-log interval of 120 s", flowLogs({ aggregationIntervalSeconds: 120 }), ["platform:network.flowLogs.aggregationIntervalSeconds: expected 60 or 600 seconds; got 120"]],
    ["flow-log traffic type", flowLogs({ trafficType: "DENY" }), ['platform:network.flowLogs.trafficType: expected one of ALL | ACCEPT | REJECT; got "DENY"']],
    ["allowedAccountIds not JSON (a boolean's article too)", (raw) => set("adoptRetained", "yes!")(set("allowedAccountIds", "[1111")(raw)), ['platform:allowedAccountIds: expected an array (JSON); got "[1111"', 'platform:adoptRetained: expected a boolean (JSON); got "yes!"']],
    ["a VPC CIDR that is no CIDR (not also out of range)", network({ cidr: "10.20.0.0/33" }), ['platform:network.cidr: expected an IPv4 CIDR block like 10.0.0.0/16; got "10.20.0.0/33"']],
    // A /24 VPC is in range; what it cannot hold is private subnets of /24 (their smallest) in two zones.
    [
        "a /24 VPC",
        network({ cidr: "10.20.0.0/24", subnets: { publicPrefixLength: 28, privatePrefixLength: 24, azSlots: 2 } }),
        [
            'platform:network.subnets: expected subnets that fit the VPC 10.20.0.0/24 (256 addresses), but 2 x /24 private + 2 x /28 public need 544; use a larger VPC CIDR, fewer slots or smaller subnets; got {"publicPrefixLength":28,"privatePrefixLength":24,"azSlots":2}',
        ],
    ],
    ["public subnets below /28", subnets({ publicPrefixLength: 29 }), ["platform:network.subnets.publicPrefixLength: expected a prefix length between /16 and /28 (public subnets hold load balancers and NAT gateways); got 29"]],
    [
        "an interface endpoint AWS has not got here",
        network({ interfaceEndpoints: ["ecr"] }),
        ['platform:network.interfaceEndpoints[0]: expected a supported interface endpoint service: autoscaling, ec2, ec2messages, ecr.api, ecr.dkr, eks, eks-auth, elasticloadbalancing, kms, logs, monitoring, secretsmanager, sqs, ssm, ssmmessages, sts, xray; got "ecr"'],
    ],
    ["an ACME issuer the platform has not", (raw) => set("ingress", { ...JSON.parse(raw["platform:ingress"]), certificates: { ...JSON.parse(raw["platform:ingress"]).certificates, issuer: "zerossl" } })(raw), ["platform:ingress.certificates.issuer: expected one of the platform's ACME issuers: letsencrypt-staging | letsencrypt-production; got \"zerossl\""]],
    [
        "Vault and Keycloak addresses whose scheme only contains https",
        (raw) => {
            const secrets = JSON.parse(raw["platform:secrets"]);
            secrets.vault.address = "httpsx://vault.example.org";
            const sso = JSON.parse(raw["platform:sso"]);
            const oidc = { ...OIDC_IDP.oidc, issuer: "xhttps://login.acme.example", tokenUrl: "httpsx://login.acme.example/token" };
            return set("sso", { ...sso, identityProviders: [{ ...OIDC_IDP, oidc }] })(set("secrets", secrets)(raw));
        },
        [
            'platform:secrets.vault.address: expected an https:// URL; got "httpsx://vault.example.org"',
            'platform:sso.identityProviders[0].oidc.issuer: expected an https:// URL; got "xhttps://login.acme.example"',
            'platform:sso.identityProviders[0].oidc.tokenUrl: expected an https:// URL; got "httpsx://login.acme.example/token"',
        ],
    ],
    [
        "a Vault address whose scheme ends in https",
        (raw) => {
            const secrets = JSON.parse(raw["platform:secrets"]);
            secrets.vault.address = "xhttps://vault.example.org";
            return set("secrets", secrets)(raw);
        },
        ['platform:secrets.vault.address: expected an https:// URL; got "xhttps://vault.example.org"'],
    ],
    [
        "a broker secret for an alias no provider has, beside one that has",
        (raw) => set("ssoBrokerSecrets", { corporate: MASKED_SECRET, other: MASKED_SECRET })(set("sso", { ...JSON.parse(raw["platform:sso"]), identityProviders: [OIDC_IDP] })(raw)),
        ['platform:ssoBrokerSecrets.other: expected the alias of an Oidc entry of sso.identityProviders; got "[secret]"'],
    ],
    [
        "a tenant hostname outside the domain, as long as the domain",
        (raw) => set("tenants", { list: [{ name: "team-b", owners: ["carol"], costCentre: "CC-B", hostnames: ["team.xxx.platform.acme.example"] }] })(raw),
        ['platform:tenants.list[0].hostnames[0]: expected <label>.dev.platform.acme.example (one name under the platform domain, covered by its certificate); got "team.xxx.platform.acme.example"'],
    ],
    // A key that cannot be read is reported once: not also as missing, nor by a rule across keys that misses it.
    ["network not JSON", set("network", "{cidr: 10.0.0.0/16"), ['platform:network: expected an object (JSON); got "{cidr: 10.0.0.0/16"']],
    [
        "a broker secret in plaintext for a provider that needs it",
        (raw) => set("ssoBrokerSecrets", { corporate: "s3cr3t" })(set("sso", { ...JSON.parse(raw["platform:sso"]), identityProviders: [OIDC_IDP] })(raw)),
        ["platform:ssoBrokerSecrets: expected a secret value (set it with pulumi config set --secret); got a plaintext value"],
    ],
    [
        "an alert receiver's URL in plaintext",
        (raw) => {
            const observability = JSON.parse(raw["platform:observability"]);
            observability.alertmanager.receiver = { type: "Slack", slackChannel: "#alerts" };
            return set("alertReceiverSecret", "https://hooks.slack.example/x")(set("observability", observability)(raw));
        },
        ["platform:alertReceiverSecret: expected a secret value (set it with pulumi config set --secret); got a plaintext value"],
    ],
    [
        // `pulumi config set --secret --path platform:observability.alertmanager.receiver.smtpUsername x`: tenant stacks read
        // the stack file, where it stays ciphertext, so the setting they follow would differ from the platform's.
        "a secret inside a plain setting (--secret --path)",
        (raw) => {
            const observability = JSON.parse(raw["platform:observability"]);
            observability.grafana = { ...observability.grafana, adminUser: "[secret]" };
            return set("observability", observability)(raw);
        },
        ["platform:observability: expected a plaintext value (it is not a secret setting; secrets go in ssoBrokerSecrets, alertReceiverSecret, pullThroughCacheCredentials); got a secret value"],
    ],
    ["a whole plain setting as a secret", set("owner", "[secret]"), ["platform:owner: expected a plaintext value (it is not a secret setting; secrets go in ssoBrokerSecrets, alertReceiverSecret, pullThroughCacheCredentials); got a secret value"]],
];

describe("config: bad input is rejected with key, value and expectation", () => {
    it("has at least 25 cases", () => assert.ok(badInputs.length >= 25));

    for (const [what, breakIt, expected] of badInputs) {
        it(what, () => {
            assert.throws(
                () => parsePlatformConfig(breakIt(dev), NS),
                (e: unknown) => {
                    assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
                    for (const part of expected) assert.ok(e.message.includes(part), `message lacks ${JSON.stringify(part)}:\n${e.message}`);
                    return true;
                },
            );
        });
    }

    describe("every message in full", () =>
        itRejectsExactly(
            exactProblems.map(([what, breakIt, problems]) => [what, breakIt(dev), problems]),
            (raw) => parsePlatformConfig(raw, NS),
        ));

    it("takes each bound itself: 90 days of logs in production, one pinned account to adopt, a spot Workload group and extra namespaces beside the platform's", () => {
        const prod = readStackConfig(PROJECT_DIR, "prod").config;
        const p = (key: string, edit: (v: any) => void) => (raw: Raw): Raw => {
            const v = JSON.parse(raw[`${NS}:${key}`]);
            edit(v);
            return { ...raw, [`${NS}:${key}`]: JSON.stringify(v) };
        };
        const edited = [
            p("network", (n) => (n.flowLogs.retentionDays = 90)),
            // Prod has the System group alone: a spot Workload group added beside it (the ON_DEMAND bound is the System group's).
            p("cluster", (c) => ((c.logRetentionDays = 90), c.nodeGroups.push({ name: "workers", role: "Workload", capacityType: "SPOT", instanceTypes: ["m7i.large"], minSize: 0, desiredSize: 0, maxSize: 2 }))),
            p("backup", (b) => (b.schedules.find((s: any) => s.scope === "PlatformNamespaces").extraNamespaces = ["team-a"])),
            set("adoptRetained", true),
        ].reduce((raw, f) => f(raw), prod);
        const cfg = parsePlatformConfig(edited, NS);
        assert.deepStrictEqual(
            [cfg.network.flowLogs.retentionDays, cfg.cluster.logRetentionDays, cfg.cluster.nodeGroups[1].capacityType, cfg.adoptRetained, cfg.allowedAccountIds.length],
            [90, 90, "SPOT", true, 1],
        );
        assert.deepStrictEqual(cfg.backup.schedules.find((s) => s.scope === "PlatformNamespaces")?.extraNamespaces, ["team-a"]);
    });

    it("reports every problem at once", () => {
        const raw = set("region", "x")(network({ azCount: 9, natGateways: "Many" })(dev));
        assert.throws(() => parsePlatformConfig(raw, NS), (e: ConfigError) => e.problems.length === 3);
    });

    it("ignores other namespaces (aws:, kubernetes:)", () => {
        assert.doesNotThrow(() => parsePlatformConfig({ ...dev, "aws:region": "us-east-1", "kubernetes:context": "x" }, NS));
    });
});

describe("config: defaults", () => {
    it("fills documented defaults for omitted optional keys", () => {
        const cfg = parsePlatformConfig(
            { ...drop("tags")(drop("allowedAccountIds")(dev)), "platform:network": JSON.stringify({ cidr: "10.1.0.0/16", azCount: 3 }) },
            NS,
        );
        assert.deepStrictEqual(cfg.tags, {});
        assert.deepStrictEqual(cfg.allowedAccountIds, []);
        assert.strictEqual(cfg.network.natGateways, "OnePerAz");
        assert.deepStrictEqual(cfg.network.subnets, { publicPrefixLength: 24, privatePrefixLength: 19 });
        assert.deepStrictEqual(cfg.network.interfaceEndpoints, []);
        assert.deepStrictEqual(cfg.network.flowLogs, { enabled: false, retentionDays: 90, trafficType: "ALL", aggregationIntervalSeconds: 600 });
    });
});

describe("config: the whole program fails before registering anything @stack", () => {
    for (const stack of listStacks(PROJECT_DIR)) {
        it(`${stack}: a typo in a key stops the program with zero resources`, async () => {
            await assert.rejects(
                planStack({ stack, configOverrides: { "platform:netwrok": "{}" } }),
                (e: unknown) => {
                    assert.ok(e instanceof PlanError);
                    assert.match(e.message, /platform:netwrok: unknown key/);
                    assert.strictEqual(e.registered.length, 0);
                    return true;
                },
            );
        });
    }
});
