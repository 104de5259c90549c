import * as assert from "assert";
import { FCK_NAT, fckNatAmiName, planNatGateways } from "../components/network/nat";

describe("nat: planNatGateways", () => {
    for (let zones = 1; zones <= 6; zones++) {
        it(`None with ${zones} zone(s): no gateways, no default route`, () => {
            const plan = planNatGateways("None", zones);
            assert.deepStrictEqual(plan.gatewayZones, []);
            assert.deepStrictEqual(plan.egressFor, Array(zones).fill(undefined));
        });
        it(`Single with ${zones} zone(s): one gateway in the first zone, every zone routes to it`, () => {
            const plan = planNatGateways("Single", zones);
            assert.deepStrictEqual(plan.gatewayZones, [0]);
            assert.deepStrictEqual(plan.egressFor, Array(zones).fill(0));
        });
        it(`OnePerAz with ${zones} zone(s): a gateway per zone, each zone egresses locally`, () => {
            const plan = planNatGateways("OnePerAz", zones);
            const all = Array.from({ length: zones }, (_, i) => i);
            assert.deepStrictEqual(plan.gatewayZones, all);
            assert.deepStrictEqual(plan.egressFor, all);
        });
    }
    it("places no gateway without zones, whatever the strategy", () => {
        for (const strategy of ["None", "Single", "OnePerAz"] as const) assert.deepStrictEqual(planNatGateways(strategy, 0), { gatewayZones: [], egressFor: [] }, strategy);
    });
});

describe("nat: the fck-nat AMI", () => {
    it("looks the release up by its publisher's account and an exact version in the name, the date left open", () => {
        assert.strictEqual(FCK_NAT.owner, "568608671756");
        assert.strictEqual(fckNatAmiName(FCK_NAT.version, FCK_NAT.architecture), "fck-nat-al2023-hvm-1.4.0-*-arm64-ebs");
        assert.strictEqual(fckNatAmiName("1.3.1", "x86_64"), "fck-nat-al2023-hvm-1.3.1-*-x86_64-ebs");
    });
});
