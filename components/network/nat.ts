// NAT gateway placement: a pure decision over the strategy and the zone count.
import { NatStrategy } from "./constants";

export interface NatPlan {
    /** Zone indexes that get a NAT gateway (and an Elastic IP) in their public subnet. */
    readonly gatewayZones: number[];
    /** For each zone, the index into `gatewayZones` its private route table egresses through; undefined = no default route. */
    readonly egressFor: (number | undefined)[];
}

export function planNatGateways(strategy: NatStrategy, zoneCount: number): NatPlan {
    const zones = Array.from({ length: zoneCount }, (_, i) => i);
    switch (strategy) {
        case "None":
            return { gatewayZones: [], egressFor: zones.map(() => undefined) };
        case "Single":
            // One gateway in the first zone: cheapest, but egress depends on that zone.
            return { gatewayZones: zoneCount > 0 ? [0] : [], egressFor: zones.map(() => 0) };
        case "OnePerAz":
            // Each zone egresses locally: no cross-AZ data charges and no shared failure domain.
            return { gatewayZones: zones, egressFor: zones };
    }
}

/**
 * The NAT instance: the fck-nat AMI (github.com/AndrewGuenther/fck-nat, Amazon Linux 2023 with a one-shot service that
 * turns on forwarding and masquerades out of the primary interface), on the size its docs name for under $10 a month
 * (docs/choosing_an_instance_size.md: t4g.nano, 5 Gbps burst, 32 Mbps sustained).
 */
export const FCK_NAT = {
    /** The AWS account that publishes the public fck-nat AMIs (docs/deploying.md, docs/index.md). */
    owner: "568608671756",
    /**
     * The release, pinned in the AMI name. The maintainers re-publish the latest release every six months with a new
     * date in the name (docs/ami-support-policy.md), so the date is left open: a pinned date would stop resolving once
     * AWS deprecates that AMI two years on. The instance keeps the AMI it was launched from (ignoreChanges): a
     * re-publish, or anything else the lookup answers later, reaches it only by a deliberate replacement
     * (`pulumi up --replace <the instance's URN>`), never as a side effect of an unrelated update.
     */
    version: "1.4.0",
    architecture: "arm64",
    instanceType: "t4g.nano",
    /** The AMI's root volume (packer/fck-nat.pkr.hcl at v1.4.0 builds on a 4 GB volume); a launch may not go smaller. */
    rootVolumeGiB: 4,
} as const;

/** The AMI name filter of a fck-nat release: fck-nat-al2023-hvm-<version>-<YYYYMMDD>-<arch>-ebs (packer/fck-nat.pkr.hcl). */
export function fckNatAmiName(version: string, architecture: string): string {
    return `fck-nat-al2023-hvm-${version}-*-${architecture}-ebs`;
}
