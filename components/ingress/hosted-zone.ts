import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { prerequisite } from "../shared/prerequisites";

export interface HostedZoneArgs {
    readonly domain: string;
    /** Existing: look the zone up by id or name. Delegated: create a zone for the domain. */
    readonly mode: "Existing" | "Delegated";
    readonly zoneId?: string;
    readonly zoneName?: string;
    /**
     * Delegated only: write the NS delegation into this parent zone (same account).
     * @default none: delegate by hand with the exported name servers
     */
    readonly parentZoneId?: string;
    /**
     * Protect a created zone and keep it on destroy (its records are the environment's public names).
     */
    readonly protect: boolean;
    /** The setting that names this zone, for the message when an existing zone is missing. */
    readonly configKey: string;
}

/** NS records at a delegation change rarely; two days is the usual TTL. */
export const DELEGATION_TTL_SECONDS = 172800;

/** The Route 53 zone the platform's names, certificates and DNS records live in. */
export class HostedZone extends pulumi.ComponentResource {
    public readonly zoneId: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;
    /** Name servers of a created zone; empty for an existing one. */
    public readonly nameServers: pulumi.Output<string[]>;

    constructor(name: string, args: HostedZoneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:ingress:HostedZone", name, {}, opts);
        const protect = args.protect;
        if (args.mode === "Existing") {
            const query = args.zoneId !== undefined ? { zoneId: args.zoneId, privateZone: false } : { name: args.zoneName, privateZone: false };
            const zone = prerequisite(aws.route53.getZone(query, { parent: this }), args.configKey, `public hosted zone ${args.zoneId ?? args.zoneName}`);
            this.zoneId = zone.zoneId;
            this.arn = zone.arn;
            this.nameServers = pulumi.output([]);
        } else {
            const zone = new aws.route53.Zone(
                `${name}-zone`,
                // Outside production the zone goes with the stack, records (external-dns, ACME) and all.
                { name: args.domain, comment: `Platform names under ${args.domain}`, forceDestroy: !protect },
                { parent: this, protect, retainOnDelete: protect },
            );
            if (args.parentZoneId !== undefined) {
                const parentZone = prerequisite(
                    aws.route53.getZone({ zoneId: args.parentZoneId, privateZone: false }, { parent: this }),
                    `${args.configKey}.parentZoneId`,
                    `parent hosted zone ${args.parentZoneId}`,
                );
                new aws.route53.Record(
                    `${name}-delegation`,
                    { zoneId: parentZone.zoneId, name: args.domain, type: "NS", ttl: DELEGATION_TTL_SECONDS, records: zone.nameServers },
                    { parent: this },
                );
            }
            this.zoneId = zone.zoneId;
            this.arn = zone.arn;
            this.nameServers = zone.nameServers;
        }
        this.registerOutputs({ zoneId: this.zoneId, arn: this.arn, nameServers: this.nameServers });
    }
}
