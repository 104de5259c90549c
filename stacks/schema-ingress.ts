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
import { addressCount, MAX_RESTRICTED_ADDRESSES, tooBroad } from "../components/network/cidr";

const domain = z.string().regex(DOMAIN_PATTERN, "expected a lower-case DNS name like platform.example.com (no trailing dot, no wildcard)");
const zoneId = z.string().regex(HOSTED_ZONE_ID_PATTERN, "expected a Route 53 hosted zone id like Z0123456789ABCDEFGHIJ");
const clientCidrs = z.array(ipv4Cidr).min(1, "expected at least one CIDR");

export const ingressSchema = z.strictObject({
    domain: domain.describe("Apex of the platform's names: services are published as <name>.<domain>."),
    hostedZone: z
        .strictObject({
        mode: z.enum(HOSTED_ZONE_MODES, oneOf(HOSTED_ZONE_MODES)).describe("Existing: use a zone by id or name. Delegated: create a zone for the domain."),
        zoneId: zoneId.optional().describe("Existing only: the Route 53 zone's id (or give zoneName)."),
        zoneName: domain.optional().describe("Existing only: the zone's name, the domain or one of its parents (or give zoneId)."),
        parentZoneId: zoneId.optional().describe("Delegated only: write the NS delegation into this parent zone."),
    })
        .describe("The Route 53 zone the platform's records (and ACME DNS-01 challenges) go into."),
    loadBalancer: z
        .strictObject({
            scheme: z
                .enum(LOAD_BALANCER_SCHEMES, oneOf(LOAD_BALANCER_SCHEMES))
                .default("internet-facing")
                .describe("The gateway's NLB: internet-facing in the public subnets, or internal in the private ones."),
            proxyProtocol: z.boolean().default(true).describe("PROXY protocol v2 from the NLB so Envoy sees client IPs."),
        })
        .prefault({})
        .describe("The Network Load Balancer in front of the Envoy gateway."),
    certificates: z.strictObject({
        email: z.email("expected an email address for ACME account notices").describe("ACME (Let's Encrypt) account email: expiry and account notices go there."),
        issuer: z
            .enum(ACME_ISSUER_NAMES, { error: `expected one of the platform's ACME issuers: ${ACME_ISSUER_NAMES.join(" | ")}` })
            .default("letsencrypt-production")
            .describe("The gateway's wildcard certificate: production (SSO's issuer is verified by EKS, Vault and Grafana)."),
    })
        .describe("ACME (Let's Encrypt, DNS-01 on Route 53) certificates of the gateway."),
    externalDns: z
        .strictObject({
            policy: z
                .enum(EXTERNAL_DNS_POLICIES, oneOf(EXTERNAL_DNS_POLICIES))
                .default("sync")
                .describe("sync also deletes the records of removed routes; upsert-only never deletes."),
        })
        .prefault({})
        .describe("external-dns, which writes the routes' records into the platform zone."),
    gateway: z
        .strictObject({
            replicas: z.number().int().min(2, "expected at least 2 Envoy replicas").max(20).default(2).describe("Envoy proxy replicas serving the gateway (PDB minAvailable 1)."),
            zoneSpread: z
                .enum(ZONE_SPREAD, oneOf(ZONE_SPREAD))
                .default("ScheduleAnyway")
                .describe("Zone topology spread of the Envoy replicas: DoNotSchedule keeps them in different zones even if a pod must wait."),
        })
        .prefault({})
        .describe("The Envoy data plane behind the platform GatewayClass."),
    allowedCidrs: z
        .strictObject({
            "sso-admin": clientCidrs.describe("Keycloak's admin console and admin API at sso-admin.<domain> (never public)"),
            vault: clientCidrs.optional().describe("vault.<domain>; left out: anyone, with a Vault token"),
        })
        .describe("client CIDRs that alone reach each name through the gateway, the pulumi up runners included"),
    controllerReplicas: z
        .number()
        .int()
        .min(1, "expected 1 to 3")
        .max(3, "expected 1 to 3")
        .default(2)
        .describe("Replicas of the Envoy Gateway controller, the AWS Load Balancer Controller, cert-manager and approver-policy; more than one keeps them up through a node drain."),
    charts: z
        .strictObject({
            envoyGateway: chartVersion("v").describe("envoyproxy gateway-helm and gateway-crds-helm (same release)."),
            awsLoadBalancerController: chartVersion().describe("eks/aws-load-balancer-controller chart, pinned exactly."),
            certManager: chartVersion("v").describe("jetstack/cert-manager chart, pinned exactly (v1.21 or later: its Gateway API config form)."),
            approverPolicy: chartVersion("v").describe("cert-manager-approver-policy: the only approver of certificate requests."),
            externalDns: chartVersion().describe("kubernetes-sigs/external-dns chart, pinned exactly."),
        })
        .describe("Chart versions of the ingress layer, pinned exactly."),
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
            else if (cidrs && tooBroad(cidrs)) {
                issue(at("allowedCidrs", name), `expected specific CIDRs in production: these hold ${addressCount(cidrs)} addresses, more than a /8 (${MAX_RESTRICTED_ADDRESSES})`, cidrs);
            }
        }
        if (ingress.controllerReplicas < 2) issue(at("controllerReplicas"), "expected at least 2 in production", ingress.controllerReplicas);
        if (ingress.externalDns.policy !== "upsert-only") {
            issue(at("externalDns", "policy"), "expected upsert-only in production (external-dns must never delete records there)", ingress.externalDns.policy);
        }
    }
}

/** A range that holds every IPv4 address: as good as no client-CIDR policy. */
export const isOpenCidr = (cidr: string): boolean => cidr.endsWith("/0");
