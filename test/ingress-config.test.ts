import * as assert from "assert";
import { parsePlatformConfig } from "../stacks/config";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { BadInput, ExactBadInput, itRejects, itRejectsExactly } from "./helpers";

const dev = readStackConfig(PROJECT_DIR, "dev").config;
const prod = readStackConfig(PROJECT_DIR, "prod").config;
type Raw = Record<string, string>;
const ingressOf = (raw: Raw) => JSON.parse(raw["platform:ingress"]);
const ingress = (patch: Record<string, unknown>, base: Raw = dev): Raw => ({ ...base, "platform:ingress": JSON.stringify({ ...ingressOf(base), ...patch }) });
const part = (key: string, patch: Record<string, unknown>, base: Raw = dev) => ingress({ [key]: { ...ingressOf(base)[key], ...patch } }, base);

const badInputs: BadInput[] = [
    ["domain with upper case", ingress({ domain: "Platform.Acme.example" }), ["platform:ingress.domain", '"Platform.Acme.example"', "lower-case DNS name"]],
    ["domain with a trailing dot", ingress({ domain: "platform.acme.example." }), ["platform:ingress.domain", "no trailing dot"]],
    ["wildcard domain", ingress({ domain: "*.acme.example" }), ["platform:ingress.domain", '"*.acme.example"', "no wildcard"]],
    ["single-label domain", ingress({ domain: "localhost" }), ["platform:ingress.domain", '"localhost"']],
    ["domain label over 63 characters", ingress({ domain: `${"a".repeat(64)}.example` }), ["platform:ingress.domain", "DNS name"]],
    ["ACME email without a domain", part("certificates", { email: "platform-team" }), ["platform:ingress.certificates.email", '"platform-team"', "email address"]],
    ["issuer that does not exist", part("certificates", { issuer: "letsencrypt" }), ["platform:ingress.certificates.issuer", '"letsencrypt"', "letsencrypt-staging | letsencrypt-production"]],
    ["staging issuer in production", part("certificates", { issuer: "letsencrypt-staging" }, prod), ["platform:ingress.certificates.issuer", "letsencrypt-production in production"]],
    ["zone id in lower case", ingress({ hostedZone: { mode: "Existing", zoneId: "z04517273acme" } }), ["platform:ingress.hostedZone.zoneId", '"z04517273acme"', "hosted zone id like Z0123456789ABCDEFGHIJ"]],
    ["zone id with a suffix", ingress({ hostedZone: { mode: "Existing", zoneId: "Z04517273ACME-old" } }), ["platform:ingress.hostedZone.zoneId", '"Z04517273ACME-old"', "hosted zone id"]],
    ["domain over 253 characters", ingress({ domain: `${"a".repeat(62)}.`.repeat(4) + "example" }), ["platform:ingress.domain", "DNS name"]],
    ["zone id given as an ARN", ingress({ hostedZone: { mode: "Existing", zoneId: "arn:aws:route53:::hostedzone/Z123456" } }), ["platform:ingress.hostedZone.zoneId", "hosted zone id"]],
    ["parent zone id malformed", ingress({ hostedZone: { mode: "Delegated", parentZoneId: "acme.example" } }), ["platform:ingress.hostedZone.parentZoneId", '"acme.example"', "hosted zone id"]],
    ["zone mode typo", ingress({ hostedZone: { mode: "Create" } }), ["platform:ingress.hostedZone.mode", '"Create"', "Existing | Delegated"]],
    ["existing zone with neither id nor name", ingress({ hostedZone: { mode: "Existing" } }), ["platform:ingress.hostedZone", "exactly one of zoneId or zoneName"]],
    ["existing zone with both id and name", ingress({ hostedZone: { mode: "Existing", zoneId: "Z04517273ACME", zoneName: "acme.example" } }), ["platform:ingress.hostedZone", "exactly one of zoneId or zoneName"]],
    ["existing zone that does not contain the domain", ingress({ hostedZone: { mode: "Existing", zoneName: "other.example" } }), ["platform:ingress.hostedZone.zoneName", '"other.example"', "the zone of dev.platform.acme.example"]],
    ["zone name that only shares a suffix", ingress({ hostedZone: { mode: "Existing", zoneName: "acme.example.com" }, domain: "platform.notacme.example.com" }), ["platform:ingress.hostedZone.zoneName", "the zone of platform.notacme.example.com"]],
    ["existing zone with a parent", ingress({ hostedZone: { mode: "Existing", zoneId: "Z04517273ACME", parentZoneId: "Z0PARENT0001" } }), ["platform:ingress.hostedZone.parentZoneId", "only with mode Delegated"]],
    ["delegated zone with a name", ingress({ hostedZone: { mode: "Delegated", zoneName: "acme.example" } }), ["platform:ingress.hostedZone", "no zoneId/zoneName with mode Delegated"]],
    ["delegated zone with an id", ingress({ hostedZone: { mode: "Delegated", zoneId: "Z04517273ACME" } }), ["platform:ingress.hostedZone", "no zoneId/zoneName with mode Delegated"]],
    ["unknown hosted zone key", ingress({ hostedZone: { mode: "Delegated", zone: "x" } }), ["platform:ingress.hostedZone.zone", "unknown key", "zoneId"]],
    ["load balancer scheme typo", part("loadBalancer", { scheme: "public" }), ["platform:ingress.loadBalancer.scheme", '"public"', "internet-facing | internal"]],
    ["proxy protocol as a string", part("loadBalancer", { proxyProtocol: "v2" }), ["platform:ingress.loadBalancer.proxyProtocol", '"v2"', "expected true or false"]],
    ["external-dns policy typo", part("externalDns", { policy: "upsert" }), ["platform:ingress.externalDns.policy", '"upsert"', "sync | upsert-only"]],
    ["external-dns allowed to delete records in production", part("externalDns", { policy: "sync" }, prod), ["platform:ingress.externalDns.policy", '"sync"', "upsert-only in production"]],
    ["a single Envoy replica", part("gateway", { replicas: 1 }), ["platform:ingress.gateway.replicas", "1", "at least 2 Envoy replicas"]],
    ["zone spread typo", part("gateway", { zoneSpread: "Required" }), ["platform:ingress.gateway.zoneSpread", '"Required"', "ScheduleAnyway | DoNotSchedule"]],
    ["no controller replicas", ingress({ controllerReplicas: 0 }), ["platform:ingress.controllerReplicas", "0", "1 to 3"]],
    ["one controller replica in production", ingress({ controllerReplicas: 1 }, prod), ["platform:ingress.controllerReplicas", "at least 2 in production"]],
    ["Envoy Gateway chart without its v", part("charts", { envoyGateway: "1.9.0" }), ["platform:ingress.charts.envoyGateway", '"1.9.0"', "like v1.8.1"]],
    ["cert-manager chart as a range", part("charts", { certManager: "v1.x" }), ["platform:ingress.charts.certManager", '"v1.x"', "pinned chart version"]],
    ["load balancer controller chart with a v", part("charts", { awsLoadBalancerController: "v3.5.0" }), ["platform:ingress.charts.awsLoadBalancerController", '"v3.5.0"', "like 1.8.1"]],
    ["approver-policy chart without its v", part("charts", { approverPolicy: "0.27.0" }), ["platform:ingress.charts.approverPolicy", '"0.27.0"', "like v1.8.1"]],
    ["approver-policy chart missing", part("charts", { approverPolicy: undefined }), ["platform:ingress.charts.approverPolicy", "required key is missing"]],
    ["external-dns chart missing", part("charts", { externalDns: undefined }), ["platform:ingress.charts.externalDns", "required key is missing"]],
    ["unknown ingress key", ingress({ domains: ["a.example"] }), ["platform:ingress.domains", "unknown key", "domain"]],
    ["certificates section missing", ingress({ certificates: undefined }), ["platform:ingress.certificates", "required key is missing"]],
];

const cidrs = (allowedCidrs: unknown, base: Raw = dev) => ingress({ allowedCidrs }, base);
const ADMIN = ["198.51.100.0/24"];
/** Who may reach which name: every message in full. */
const allowedCidrsProblems: ExactBadInput[] = [
    ["no allowedCidrs at all (the admin console is never public)", ingress({ allowedCidrs: undefined }), ["platform:ingress.allowedCidrs: required key is missing; expected a mapping (client CIDRs that alone reach each name through the gateway, the pulumi up runners included)"]],
    ["no CIDRs for the admin console", cidrs({ vault: ADMIN }), ["platform:ingress.allowedCidrs.sso-admin: required key is missing; expected a list (Keycloak's admin console and admin API at sso-admin.<domain> (never public))"]],
    ["an empty list for the admin console", cidrs({ "sso-admin": [] }), ["platform:ingress.allowedCidrs.sso-admin: expected at least one CIDR; got []"]],
    ["an empty list for Vault (leave the key out to publish it to all)", cidrs({ "sso-admin": ADMIN, vault: [] }), ["platform:ingress.allowedCidrs.vault: expected at least one CIDR; got []"]],
    ["a CIDR with host bits", cidrs({ "sso-admin": ["198.51.100.7/24"] }), ['platform:ingress.allowedCidrs.sso-admin[0]: expected a network address (host bits zero), e.g. 198.51.100.0/24; got "198.51.100.7/24"']],
    ["an address without a prefix length", cidrs({ "sso-admin": ["198.51.100.7"] }), ['platform:ingress.allowedCidrs.sso-admin[0]: expected an IPv4 CIDR block like 10.0.0.0/16; got "198.51.100.7"']],
    [
        "a name the platform does not restrict",
        cidrs({ "sso-admin": ADMIN, grafana: ADMIN }),
        ['platform:ingress.allowedCidrs.grafana: unknown key; expected one of: sso-admin, vault'],
    ],
    [
        "the admin console open to the internet in production",
        cidrs({ "sso-admin": ["0.0.0.0/0"], vault: ADMIN }, prod),
        ['platform:ingress.allowedCidrs.sso-admin: expected specific CIDRs in production, not 0.0.0.0/0 (the whole internet); got ["0.0.0.0/0"]'],
    ],
    [
        "Vault open to the internet beside a specific range in production",
        cidrs({ "sso-admin": ADMIN, vault: ["0.0.0.0/0", ...ADMIN] }, prod),
        ['platform:ingress.allowedCidrs.vault: expected specific CIDRs in production, not 0.0.0.0/0 (the whole internet); got ["0.0.0.0/0","198.51.100.0/24"]'],
    ],
];

describe("config: bad ingress input is rejected with key, value and expectation", () => {
    itRejects(badInputs, (raw) => parsePlatformConfig(raw, "platform"));

    describe("allowedCidrs: every message in full", () => itRejectsExactly(allowedCidrsProblems, (raw) => parsePlatformConfig(raw, "platform")));

    it("takes an open range outside production, where the stack writes it out (the exposure policy still judges what it opens)", () => {
        assert.deepStrictEqual(parsePlatformConfig(cidrs({ "sso-admin": ADMIN, vault: ["0.0.0.0/0"] }), "platform").ingress.allowedCidrs, { "sso-admin": ADMIN, vault: ["0.0.0.0/0"] });
    });

    it("leaves Vault unrestricted when the stack does not name it, and takes a /32 for the admin console in production", () => {
        const parsed = parsePlatformConfig(cidrs({ "sso-admin": ["203.0.113.10/32"] }, prod), "platform").ingress.allowedCidrs;
        assert.deepStrictEqual([parsed["sso-admin"], parsed.vault], [["203.0.113.10/32"], undefined]);
    });

    it("defaults the issuer to production (SSO's issuer must be trusted) and the DNS policy to sync", () => {
        const raw = ingress({ certificates: { email: "ops@acme.example" }, externalDns: undefined });
        const cfg = parsePlatformConfig(raw, "platform");
        assert.deepStrictEqual([cfg.ingress.certificates.issuer, cfg.ingress.externalDns.policy], ["letsencrypt-production", "sync"]);
    });

    it("takes one-character labels, as DNS does", () => {
        for (const domain of ["a.acme.example", "platform.a.example", "platform.acme.x"]) {
            // The example tenants' hostnames sit under the example domain: only the domain's own key matters here.
            const raw = { ...ingress({ domain, hostedZone: { mode: "Delegated" } }), "platform:tenants": JSON.stringify({ list: [] }) };
            assert.strictEqual(parsePlatformConfig(raw, "platform").ingress.domain, domain);
        }
    });

    it("finds an existing zone by the domain's own name or a parent's", () => {
        for (const zoneName of ["dev.platform.acme.example", "platform.acme.example", "acme.example"]) {
            const cfg = parsePlatformConfig(ingress({ hostedZone: { mode: "Existing", zoneName } }), "platform");
            assert.deepStrictEqual(cfg.ingress.hostedZone, { mode: "Existing", zoneName }, zoneName);
        }
    });
});
