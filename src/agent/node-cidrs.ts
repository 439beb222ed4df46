// IPv4 address arithmetic for nodes' pod CIDRs and addresses: parse and print, carve a pool into
// per-node subnets around the ones other nodes already hold, hand out free addresses. Pure.

export interface Ipv4Cidr {
  /** The first address, as an unsigned 32-bit number (aligned to the prefix). */
  start: number;
  bits: number;
}

const ADDRESS_SPACE = 2 ** 32;

export function parseIpv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return ((octets[0] * 256 + octets[1]) * 256 + octets[2]) * 256 + octets[3];
}

export function formatIpv4(n: number): string {
  return [Math.floor(n / 16777216) % 256, Math.floor(n / 65536) % 256, Math.floor(n / 256) % 256, n % 256].join('.');
}

/** "10.42.3.0/24" → { start, bits }, aligned to the prefix; undefined for anything but an IPv4 CIDR. */
export function parseIpv4Cidr(s: string): Ipv4Cidr | undefined {
  const [ip, prefix, ...rest] = s.split('/');
  if (rest.length || prefix === undefined || !/^\d{1,2}$/.test(prefix)) return undefined;
  const bits = Number(prefix);
  const addr = parseIpv4(ip);
  if (addr === undefined || bits > 32) return undefined;
  const size = cidrSize({ start: 0, bits });
  return { start: Math.floor(addr / size) * size, bits };
}

export function formatCidr(c: Ipv4Cidr): string {
  return `${formatIpv4(c.start)}/${c.bits}`;
}

export function cidrSize(c: Ipv4Cidr): number {
  return 2 ** (32 - c.bits);
}

export function cidrContains(c: Ipv4Cidr, addr: number): boolean {
  return addr >= c.start && addr < c.start + cidrSize(c);
}

/**
 * `count` subnets of `pool`, in address order, none overlapping `used`. Each is a /preferredBits
 * (a /24 per node, as k3s) when that many fit; otherwise the smallest longer prefix that fits
 * them all (a /16 holds 256 /24s, so thousands of nodes get smaller subnets). Throws when even
 * /29s (6 pod addresses) cannot fit.
 */
export function allocateSubnets(pool: Ipv4Cidr, count: number, used: Ipv4Cidr[], preferredBits = 24): Ipv4Cidr[] {
  if (count === 0) return [];
  const taken = used.map((u) => ({ start: u.start, end: u.start + cidrSize(u) })).sort((a, b) => a.start - b.start);
  for (let bits = Math.max(preferredBits, pool.bits); bits <= 29; bits++) {
    const size = 2 ** (32 - bits);
    const end = pool.start + cidrSize(pool);
    const found: Ipv4Cidr[] = [];
    let t = 0;
    for (let start = pool.start; start + size <= end && found.length < count; start += size) {
      // Ranges sorted by start: skip those that end before this candidate; only the next one can overlap.
      while (t < taken.length && taken[t].end <= start) t++;
      if (t < taken.length && taken[t].start < start + size) continue;
      found.push({ start, bits });
    }
    if (found.length === count) return found;
  }
  throw new Error(`pod CIDR ${formatCidr(pool)} has no room for ${count} more node subnets`);
}

/** How many pod addresses a node subnet holds: all but the network, the node's bridge (.1) and broadcast. */
export function podAddressCount(c: Ipv4Cidr): number {
  return Math.max(0, cidrSize(c) - 3);
}

/** `count` host addresses of `pool` (skipping its network address), none of them in `used`. */
export function allocateAddresses(pool: Ipv4Cidr, count: number, used: Set<number>): number[] {
  const out: number[] = [];
  const end = Math.min(pool.start + cidrSize(pool) - 1, ADDRESS_SPACE - 1);
  for (let a = pool.start + 1; a < end && out.length < count; a++) if (!used.has(a)) out.push(a);
  if (out.length < count) throw new Error(`address pool ${formatCidr(pool)} has no room for ${count} more nodes`);
  return out;
}
