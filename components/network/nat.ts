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
