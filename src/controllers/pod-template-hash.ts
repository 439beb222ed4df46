// The `pod-template-hash` a Deployment stamps on its ReplicaSets (label, selector and name
// suffix): a 32-bit FNV-1a hash of the pod template, salted with status.collisionCount after a
// name collision, printed in decimal and re-spelled in upstream's vowel-free alphabet so names
// look like `web-5d8f7c9b6`. Upstream hashes Go's debug rendering of its structs, which no other
// language can reproduce byte for byte; skiff hashes a canonical JSON rendering instead (sorted
// keys), so equal templates give equal hashes and any change gives a new one.

/** Upstream's alphabet for generated names (no vowels, no look-alikes). */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/** FNV-1a, 32 bits, continuing from `hash` (so several writes can be chained). */
export function fnv32a(bytes: Uint8Array, hash: number = FNV32_OFFSET): number {
  let h = hash >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, FNV32_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** Upstream's rand.SafeEncodeString: each character replaced by alphabet[code % 27]. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** JSON with object keys sorted and undefined members left out: one spelling per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/**
 * The hash of a pod template. A collision count, when the Deployment has one, is mixed in as
 * upstream does: its 32 bits little-endian followed by four zero bytes.
 */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(bytes, h);
  }
  return safeEncodeString(String(h));
}
