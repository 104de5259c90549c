// Schema of `platform:ingress`: domain and hosted zone, load balancer, certificates, DNS, gateway sizing, chart pins.
import { z } from "zod";
import {
    ACME_ISSUER_NAMES,
    DOMAIN_PATTERN,
    EXTERNAL_DNS_POLICIES,
    HOSTED_ZONE_ID_PATTERN,
    HOSTED_ZONE_MODES,
    LOAD_BALANCER_SCHEMES,
    ZONE_SPREAD,
} from "../components/ingress/constants";
import { chartVersion, ipv4Cidr, Issue, oneOf } from "./schema-common";

const domain = z.string().regex(DOMAIN_PATTERN, "expected a lower-case DNS name like platform.example.com (no trailing dot, no wildcard)");
const zoneId = z.string().regex(HOSTED_ZONE_ID_PATTERN, "expected a Route 53 hosted zone id like Z0123456789ABCDEFGHIJ");
const clientCidrs = z.array(ipv4Cidr).min(1, "expected at least one CIDR");

export const ingressSchema = z.strictObject({
    domain: domain.describe("Apex of the platform's names: services are published as <name>.<domain>."),
    hostedZone: z.strictObject({
        mode: z.enum(HOSTED_ZONE_MODES, oneOf(HOSTED_ZONE_MODES)).describe("Existing: use a zone by id or name. Delegated: create a zone for the domain."),
        zoneId: zoneId.optional(),
        zoneName: domain.optional(),
        parentZoneId: zoneId.optional().describe("Delegated only: write the NS delegation into this parent zone."),
    }),
    loadBalancer: z
        .strictObject({
            scheme: z.enum(LOAD_BALANCER_SCHEMES, oneOf(LOAD_BALANCER_SCHEMES)).default("internet-facing"),
            proxyProtocol: z.boolean().default(true).describe("PROXY protocol v2 from the NLB so Envoy sees client IPs."),
        })
        .prefault({}),
    certificates: z.strictObject({
        email: z.email("expected an email address for ACME account notices"),
        issuer: z
            .enum(ACME_ISSUER_NAMES, { error: `expected one of the platform's ACME issuers: ${ACME_ISSUER_NAMES.join(" | ")}` })
            .default("letsencrypt-production")
            .describe("The gateway's wildcard certificate: production (SSO's issuer is verified by EKS, Vault and Grafana)."),
    }),
    externalDns: z
        .strictObject({ policy: z.enum(EXTERNAL_DNS_POLICIES, oneOf(EXTERNAL_DNS_POLICIES)).default("sync") })
        .prefault({}),
    gateway: z
        .strictObject({
            replicas: z.number().int().min(2, "expected at least 2 Envoy replicas").max(20).default(2),
            zoneSpread: z.enum(ZONE_SPREAD, oneOf(ZONE_SPREAD)).default("ScheduleAnyway"),
        })
        .prefault({}),
    allowedCidrs: z
        .strictObject({
            "sso-admin": clientCidrs.describe("Keycloak's admin console and admin API at sso-admin.<domain> (never public)"),
            vault: clientCidrs.optional().describe("vault.<domain>; left out: anyone, with a Vault token"),
        })
        .describe("client CIDRs that alone reach each name through the gateway, the pulumi up runners included"),
    controllerReplicas: z.number().int().min(1, "expected 1 to 3").max(3, "expected 1 to 3").default(2),
    charts: z.strictObject({
        envoyGateway: chartVersion("v").describe("envoyproxy gateway-helm and gateway-crds-helm (same release)."),
        awsLoadBalancerController: chartVersion(),
        certManager: chartVersion("v"),
        approverPolicy: chartVersion("v").describe("cert-manager-approver-policy: the only approver of certificate requests."),
        externalDns: chartVersion(),
    }),
});
export type IngressConfig = z.infer<typeof ingressSchema>;

export function checkIngress(ingress: IngressConfig, ctx: { production: boolean }, issue: Issue) {
    const at = (...p: string[]) => ["ingress", ...p];
    const zone = ingress.hostedZone;
    if (zone.mode === "Existing") {
        if ((zone.zoneId === undefined) === (zone.zoneName === undefined)) {
            issue(at("hostedZone"), "expected exactly one of zoneId or zoneName with mode Existing", zone);
        }
        if (zone.parentZoneId !== undefined) issue(at("hostedZone", "parentZoneId"), "expected parentZoneId only with mode Delegated", zone.parentZoneId);
        if (zone.zoneName !== undefined && ingress.domain !== zone.zoneName && !ingress.domain.endsWith(`.${zone.zoneName}`)) {
            issue(at("hostedZone", "zoneName"), `expected the zone of ${ingress.domain} (the domain or one of its parents)`, zone.zoneName);
        }
    } else if (zone.zoneId !== undefined || zone.zoneName !== undefined) {
        issue(at("hostedZone"), "expected no zoneId/zoneName with mode Delegated (the zone is created)", zone);
    }
    if (ctx.production) {
        if (ingress.certificates.issuer !== "letsencrypt-production") {
            issue(at("certificates", "issuer"), "expected letsencrypt-production in production (staging certificates are untrusted)", ingress.certificates.issuer);
        }
        for (const [name, cidrs] of Object.entries(ingress.allowedCidrs)) {
            const open = (cidrs ?? []).filter(isOpenCidr);
            if (open.length > 0) issue(at("allowedCidrs", name), `expected specific CIDRs in production, not ${open.join(", ")} (the whole internet)`, cidrs);
        }
        if (ingress.controllerReplicas < 2) issue(at("controllerReplicas"), "expected at least 2 in production", ingress.controllerReplicas);
        if (ingress.externalDns.policy !== "upsert-only") {
            issue(at("externalDns", "policy"), "expected upsert-only in production (external-dns must never delete records there)", ingress.externalDns.policy);
        }
    }
}

/** A range that holds every IPv4 address: as good as no client-CIDR policy. */
export const isOpenCidr = (cidr: string): boolean => cidr.endsWith("/0");
