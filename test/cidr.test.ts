import * as assert from "assert";
import { Address4 } from "ip-address";
import { addressCount, carveSubnets, cidrsOverlap, loadBalancerAddresses, tooBroad, parseIpv4Cidr, SubnetCarveError, TierRequest, usableAddresses } from "../components/network/cidr";

const standard: TierRequest[] = [
    { tier: "private", prefixLength: 19 },
    { tier: "public", prefixLength: 24 },
];

function span(cidr: string): [bigint, bigint] {
    const a = new Address4(cidr);
    return [a.startAddress().bigInt(), a.endAddress().bigInt()];
}

describe("cidr: parseIpv4Cidr", () => {
    const cases: [string, string | undefined][] = [
        ["10.0.0.0/16", undefined],
        ["192.168.4.0/22", undefined],
        ["0.0.0.0/0", undefined],
        // A single address is a network too: /32 is the longest prefix, not past it.
        ["10.0.0.1/32", undefined],
        ["10.0.0.0/33", "expected an IPv4 CIDR"],
        ["10.0.0/16", "expected an IPv4 CIDR"],
        ["10.0.0.0", "expected an IPv4 CIDR"],
        ["256.0.0.0/16", "expected an IPv4 CIDR"],
        ["fd00::/8", "expected an IPv4 CIDR"],
        ["10.0.1.0/16", "host bits zero), e.g. 10.0.0.0/16"],
        [" 10.0.0.0/16", "expected an IPv4 CIDR"],
    ];
    for (const [input, error] of cases) {
        it(`${JSON.stringify(input)} -> ${error ?? "ok"}`, () => {
            const parsed = parseIpv4Cidr(input);
            if (error === undefined) assert.strictEqual(parsed.error, undefined);
            else assert.ok(parsed.error?.includes(error), `got ${parsed.error}`);
        });
    }
});

describe("cidr: cidrsOverlap", () => {
    const cases: [string, string, boolean][] = [
        ["10.0.0.0/16", "10.0.255.0/24", true],
        ["10.0.0.0/16", "10.1.0.0/16", false],
        ["10.0.0.0/14", "10.3.0.0/16", true],
        ["10.0.0.0/14", "10.4.0.0/16", false],
        ["10.20.0.0/16", "10.0.0.0/8", true],
    ];
    for (const [a, b, expected] of cases) {
        it(`${a} vs ${b} -> ${expected}`, () => {
            assert.strictEqual(cidrsOverlap(a, b), expected);
            assert.strictEqual(cidrsOverlap(b, a), expected);
        });
    }
});

describe("cidr: carveSubnets", () => {
    it("lays out the dev stack exactly (private /19 first, then public /24)", () => {
        assert.deepStrictEqual(carveSubnets("10.20.0.0/16", standard, 3), {
            private: ["10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19"],
            public: ["10.20.96.0/24", "10.20.97.0/24", "10.20.98.0/24"],
            isolated: [],
        });
    });

    it("lays out the prod stack exactly with an isolated tier", () => {
        const carved = carveSubnets("10.30.0.0/16", [...standard, { tier: "isolated", prefixLength: 24 }], 4);
        assert.deepStrictEqual(carved.private, ["10.30.0.0/19", "10.30.32.0/19", "10.30.64.0/19", "10.30.96.0/19"]);
        assert.deepStrictEqual(carved.public, ["10.30.128.0/24", "10.30.129.0/24", "10.30.130.0/24", "10.30.131.0/24"]);
        assert.deepStrictEqual(carved.isolated, ["10.30.132.0/24", "10.30.133.0/24", "10.30.134.0/24", "10.30.135.0/24"]);
    });

    it("places larger blocks first whatever the request order, so nothing is misaligned", () => {
        const carved = carveSubnets("10.0.0.0/20", [
            { tier: "public", prefixLength: 26 },
            { tier: "private", prefixLength: 22 },
        ], 2);
        assert.deepStrictEqual(carved.private, ["10.0.0.0/22", "10.0.4.0/22"]);
        assert.deepStrictEqual(carved.public, ["10.0.8.0/26", "10.0.8.64/26"]);
    });

    it("never moves existing subnets when an isolated tier is appended", () => {
        const before = carveSubnets("10.0.0.0/16", standard, 3);
        const after = carveSubnets("10.0.0.0/16", [...standard, { tier: "isolated", prefixLength: 26 }], 3);
        assert.deepStrictEqual(after.private, before.private);
        assert.deepStrictEqual(after.public, before.public);
    });

    it("keeps the first N subnets when slots are reserved for growth", () => {
        const two = carveSubnets("10.0.0.0/16", standard, 4).public.slice(0, 2);
        const three = carveSubnets("10.0.0.0/16", standard, 4).public.slice(0, 3);
        assert.deepStrictEqual(three.slice(0, 2), two);
    });

    it("fills a VPC exactly to its last address", () => {
        const carved = carveSubnets("10.0.0.0/24", [
            { tier: "private", prefixLength: 25 },
            { tier: "public", prefixLength: 26 },
        ], 1);
        assert.deepStrictEqual(carved, { private: ["10.0.0.0/25"], public: ["10.0.0.128/26"], isolated: [] });
        assert.doesNotThrow(() => carveSubnets("10.0.0.0/24", [{ tier: "private", prefixLength: 26 }], 4));
    });

    // Property: for every VPC size, tier sizes and slot count that fit, subnets are inside the VPC,
    // aligned to their size, and pairwise disjoint.
    it("never overlaps and stays inside the VPC across 1-6 slots and many size mixes", () => {
        let checked = 0;
        for (const vpcPrefix of [16, 18, 20, 22, 24]) {
            for (const priv of [16, 19, 20, 22, 24, 26]) {
                for (const pub of [20, 24, 26, 28]) {
                    for (const iso of [undefined, 24, 27, 28]) {
                        for (let slots = 1; slots <= 6; slots++) {
                            const tiers: TierRequest[] = [
                                { tier: "private", prefixLength: priv },
                                { tier: "public", prefixLength: pub },
                                ...(iso ? [{ tier: "isolated" as const, prefixLength: iso }] : []),
                            ];
                            const vpc = `10.0.0.0/${vpcPrefix}`;
                            let carved;
                            try {
                                carved = carveSubnets(vpc, tiers, slots);
                            } catch (e) {
                                assert.ok(e instanceof SubnetCarveError);
                                continue;
                            }
                            const [vStart, vEnd] = span(vpc);
                            const all = [...carved.private, ...carved.public, ...carved.isolated];
                            assert.strictEqual(all.length, slots * tiers.length);
                            const spans = all.map(span).sort((a, b) => (a[0] < b[0] ? -1 : 1));
                            spans.forEach(([s, e], i) => {
                                assert.ok(s >= vStart && e <= vEnd, `${all} outside ${vpc}`);
                                if (i > 0) assert.ok(s > spans[i - 1][1], `overlap in ${all}`);
                            });
                            for (const c of all) assert.strictEqual(parseIpv4Cidr(c).error, undefined, `${c} misaligned`);
                            checked++;
                        }
                    }
                }
            }
        }
        assert.ok(checked > 300, `only ${checked} layouts fit`);
    });

    const failures: [string, string, TierRequest[], number, string][] = [
        ["too many slots for the VPC", "10.0.0.0/18", standard, 3, "expected subnets that fit the VPC 10.0.0.0/18"],
        ["subnet larger than the VPC", "10.0.0.0/20", [{ tier: "private", prefixLength: 19 }], 1, "larger than the VPC"],
        ["subnet smaller than /28", "10.0.0.0/16", [{ tier: "public", prefixLength: 29 }], 1, "between /16 and /28, got /29"],
        ["subnet larger than /16", "10.0.0.0/8", [{ tier: "public", prefixLength: 15 }], 1, "got /15"],
        ["tier twice", "10.0.0.0/16", [...standard, { tier: "public", prefixLength: 24 }], 1, "requested twice"],
        ["zero slots", "10.0.0.0/16", standard, 0, "at least 1 slot"],
        ["malformed VPC", "10.0.0.0/40", standard, 1, "expected an IPv4 CIDR"],
    ];
    for (const [what, vpc, tiers, slots, message] of failures) {
        it(`rejects ${what}`, () => {
            assert.throws(() => carveSubnets(vpc, tiers, slots), (e: Error) => e instanceof SubnetCarveError && e.message.includes(message));
        });
    }

    it("names the addresses needed and available when the layout does not fit", () => {
        assert.throws(
            () => carveSubnets("10.0.0.0/18", standard, 3),
            /16384 addresses\), but 3 x \/19 private \+ 3 x \/24 public need 25344/,
        );
    });

    it("counts usable addresses after AWS's five reserved ones", () => {
        assert.strictEqual(usableAddresses(24), 251);
        assert.strictEqual(usableAddresses(19), 8187);
        assert.strictEqual(usableAddresses(28), 11);
    });
});

describe("addressCount and tooBroad: how much of the internet an allow-list admits", () => {
    it("counts each address once", () => {
        assert.strictEqual(addressCount(["198.51.100.0/24"]), 256n);
        assert.strictEqual(addressCount(["198.51.100.0/24", "198.51.100.128/25", "203.0.113.10/32"]), 257n);
        assert.strictEqual(addressCount(["0.0.0.0/1", "128.0.0.0/1"]), 2n ** 32n);
        assert.strictEqual(addressCount([]), 0n);
    });
    it("a /8 is the most a restriction may hold", () => {
        assert.strictEqual(tooBroad(["10.0.0.0/8"]), false);
        assert.strictEqual(tooBroad(["10.0.0.0/8", "11.0.0.0/32"]), true);
        assert.strictEqual(tooBroad(["10.0.0.0/7"]), true);
    });
});

describe("cidr: loadBalancerAddresses (the internal NLB's pinned address in each private subnet)", () => {
    const cases: [string, string, string][] = [
        // The subnet's last /28 but one; the NLB takes its first address.
        ["10.0.0.0/19", "10.0.31.224/28", "10.0.31.224"],
        ["10.0.32.0/19", "10.0.63.224/28", "10.0.63.224"],
        ["10.20.4.0/24", "10.20.4.224/28", "10.20.4.224"],
        ["172.16.0.0/26", "172.16.0.32/28", "172.16.0.32"],
    ];
    for (const [subnet, reservation, address] of cases) {
        it(`${subnet} -> ${address} in ${reservation}`, () => assert.deepStrictEqual(loadBalancerAddresses([subnet]), [{ reservation, address }]));
    }
    it("keeps clear of the addresses AWS reserves (the first four, the last) and stays inside the subnet", () => {
        for (const subnet of ["10.0.0.0/19", "10.20.4.0/24", "172.16.0.0/26"]) {
            const [{ reservation, address }] = loadBalancerAddresses([subnet]);
            const [first, last] = span(subnet);
            const [rStart, rEnd] = span(reservation);
            assert.ok(rStart >= first + 4n && rEnd < last && new Address4(address).bigInt() === rStart, subnet);
        }
    });
    it("gives one per subnet, in order", () => {
        assert.deepStrictEqual(loadBalancerAddresses(["10.0.0.0/19", "10.0.32.0/19"]).map((a) => a.address), ["10.0.31.224", "10.0.63.224"]);
    });
    it("refuses a subnet too small to spare a /28 and one that is no network", () => {
        assert.throws(() => loadBalancerAddresses(["10.0.0.0/27"]), /expected \/26 or larger/);
        assert.throws(() => loadBalancerAddresses(["10.0.0.1/24"]), /host bits zero/);
    });
});
