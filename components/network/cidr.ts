// Subnet CIDR arithmetic: pure functions over ip-address's Address4.
import { Address4 } from "ip-address";

export type SubnetTier = "public" | "private" | "isolated";

export interface TierRequest {
    readonly tier: SubnetTier;
    /** Prefix length of each subnet of this tier. */
    readonly prefixLength: number;
}

/** AWS subnet sizes: /16 is the largest allowed, /28 the smallest. */
export const MIN_SUBNET_PREFIX = 16;
export const MAX_SUBNET_PREFIX = 28;

export class SubnetCarveError extends Error {}

export interface ParsedCidr {
    readonly address?: Address4;
    readonly prefixLength?: number;
    /** Why the string is not a usable IPv4 network CIDR (undefined when it is). */
    readonly error?: string;
}

/** Parses `a.b.c.d/n`, insisting on the network address (host bits zero) so intent is unambiguous. */
export function parseIpv4Cidr(value: string): ParsedCidr {
    const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(value);
    if (!match || !Address4.isValid(value) || Number(match[2]) > 32) {
        return { error: "expected an IPv4 CIDR block like 10.0.0.0/16" };
    }
    const address = new Address4(value);
    const network = address.startAddress().correctForm();
    if (network !== match[1]) {
        return { error: `expected a network address (host bits zero), e.g. ${network}/${match[2]}` };
    }
    return { address, prefixLength: Number(match[2]) };
}

function range(cidr: string): [bigint, bigint] {
    const a = new Address4(cidr);
    return [a.startAddress().bigInt(), a.endAddress().bigInt()];
}

/** True when two CIDR blocks share at least one address. */
export function cidrsOverlap(a: string, b: string): boolean {
    const [aStart, aEnd] = range(a);
    const [bStart, bEnd] = range(b);
    return aStart <= bEnd && bStart <= aEnd;
}

/** True when every address of `inner` is inside `outer`. */
export function cidrWithin(inner: string, outer: string): boolean {
    const [iStart, iEnd] = range(inner);
    const [oStart, oEnd] = range(outer);
    return oStart <= iStart && iEnd <= oEnd;
}

/** How many IPv4 addresses a list of CIDR blocks holds, overlaps counted once. */
export function addressCount(cidrs: readonly string[]): bigint {
    const ranges = cidrs.map(range).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    let total = 0n;
    let end = -1n;
    for (const [start, stop] of ranges) {
        if (stop <= end) continue;
        total += stop - (start > end ? start : end + 1n) + 1n;
        end = stop;
    }
    return total;
}

/**
 * The most addresses a client-CIDR allow-list may hold and still count as a restriction: a /8. Without a bound,
 * 0.0.0.0/1 and 128.0.0.0/1 pass a "no /0" check and admit the whole internet.
 */
export const MAX_RESTRICTED_ADDRESSES = 2n ** 24n;

/** Whether an allow-list admits so much of the internet that it restricts nothing worth the name. */
export const tooBroad = (cidrs: readonly string[]): boolean => addressCount(cidrs) > MAX_RESTRICTED_ADDRESSES;

export type CarvedSubnets = Record<SubnetTier, string[]>;

/**
 * Carves `slots` subnets per tier out of `vpcCidr`.
 *
 * Tiers are laid out largest block first (ties keep request order), each block aligned to its own
 * size, so the layout has no gaps and never overlaps. The layout depends only on the arguments:
 * the same config always yields the same CIDRs, and a tier appended with blocks no larger than the
 * existing ones never moves them.
 */
export function carveSubnets(vpcCidr: string, tiers: readonly TierRequest[], slots: number): CarvedSubnets {
    const vpc = parseIpv4Cidr(vpcCidr);
    if (vpc.error || vpc.prefixLength === undefined) throw new SubnetCarveError(`VPC CIDR ${vpcCidr}: ${vpc.error}`);
    if (!Number.isInteger(slots) || slots < 1) throw new SubnetCarveError(`expected at least 1 slot per tier, got ${slots}`);
    const seen = new Set<SubnetTier>();
    for (const t of tiers) {
        if (seen.has(t.tier)) throw new SubnetCarveError(`tier ${t.tier} requested twice`);
        seen.add(t.tier);
        if (!Number.isInteger(t.prefixLength) || t.prefixLength < MIN_SUBNET_PREFIX || t.prefixLength > MAX_SUBNET_PREFIX) {
            throw new SubnetCarveError(
                `${t.tier} subnets: expected a prefix length between /${MIN_SUBNET_PREFIX} and /${MAX_SUBNET_PREFIX}, got /${t.prefixLength}`,
            );
        }
        if (t.prefixLength < vpc.prefixLength) {
            throw new SubnetCarveError(`${t.tier} subnets (/${t.prefixLength}) are larger than the VPC ${vpcCidr}`);
        }
    }

    const vpcStart = vpc.address!.startAddress().bigInt();
    const vpcEnd = vpc.address!.endAddress().bigInt();
    const ordered = tiers.map((t, i) => ({ ...t, i })).sort((a, b) => a.prefixLength - b.prefixLength || a.i - b.i);
    const out: CarvedSubnets = { public: [], private: [], isolated: [] };
    let cursor = vpcStart;
    for (const t of ordered) {
        const size = 1n << BigInt(32 - t.prefixLength);
        for (let slot = 0; slot < slots; slot++) {
            cursor = ((cursor + size - 1n) / size) * size; // align to the block size
            if (cursor + size - 1n > vpcEnd) {
                throw new SubnetCarveError(describeOverflow(vpcCidr, tiers, slots));
            }
            out[t.tier].push(`${Address4.fromBigInt(cursor).correctForm()}/${t.prefixLength}`);
            cursor += size;
        }
    }
    return out;
}

function describeOverflow(vpcCidr: string, tiers: readonly TierRequest[], slots: number): string {
    const needed = tiers.reduce((sum, t) => sum + slots * 2 ** (32 - t.prefixLength), 0);
    const available = 2 ** (32 - Number(vpcCidr.split("/")[1]));
    const wanted = tiers.map((t) => `${slots} x /${t.prefixLength} ${t.tier}`).join(" + ");
    return `expected subnets that fit the VPC ${vpcCidr} (${available} addresses), but ${wanted} need ${needed}; use a larger VPC CIDR, fewer slots or smaller subnets`;
}

/** Usable addresses in one subnet: AWS reserves the first four and the last. */
export function usableAddresses(prefixLength: number): number {
    return 2 ** (32 - prefixLength) - 5;
}

/** The block reserved in each private subnet for the internal NLB's address: one /28, the smallest prefix EC2 hands out. */
export const LOAD_BALANCER_RESERVATION_PREFIX = 28;

/**
 * Where an internal NLB gets its address in each private subnet, which the subnet shares with the pods: the subnet's
 * last /28 but one (the last holds the broadcast address AWS reserves), reserved `explicit` so EC2 never assigns it
 * automatically (the VPC CNI asks EC2 for a count of addresses or prefixes, never named ones), and the first address
 * of that block for the NLB. Envoy's listeners then admit these /32s only: no pod can hold one and send its own PROXY
 * header. Same subnets, same addresses: nothing here depends on anything but the CIDRs.
 */
export function loadBalancerAddresses(privateSubnetCidrs: readonly string[]): { readonly reservation: string; readonly address: string }[] {
    return privateSubnetCidrs.map((cidr) => {
        const parsed = parseIpv4Cidr(cidr);
        if (parsed.error || parsed.prefixLength === undefined) throw new SubnetCarveError(`private subnet ${cidr}: ${parsed.error}`);
        // Room for the reservation, the block after it and AWS's first four addresses.
        if (parsed.prefixLength > LOAD_BALANCER_RESERVATION_PREFIX - 2) {
            throw new SubnetCarveError(`private subnet ${cidr}: expected /${LOAD_BALANCER_RESERVATION_PREFIX - 2} or larger to reserve a /${LOAD_BALANCER_RESERVATION_PREFIX} for the internal load balancer`);
        }
        const block = 1n << BigInt(32 - LOAD_BALANCER_RESERVATION_PREFIX);
        const start = parsed.address!.endAddress().bigInt() + 1n - 2n * block;
        const address = Address4.fromBigInt(start).correctForm();
        return { reservation: `${address}/${LOAD_BALANCER_RESERVATION_PREFIX}`, address };
    });
}
