// Kubernetes resource quantities ("500m", "1.5Gi", "2e3") with upstream's parsing, rounding and
// canonical printing. Every quantity upstream can parse is a whole number of nano-units (parsing
// rounds up to 1n), so an exact bigint count of nanos represents it with no loss.

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

export interface Quantity {
  /** The amount in units of 10^-9. */
  readonly nanos: bigint;
  /** How the amount prints: the format of the suffix it was written with. */
  readonly format: QuantityFormat;
  /** The text as written, kept when upstream judges it already canonical (it prints verbatim). */
  readonly cached?: string;
}

export const QUANTITY_FORMAT_ERROR =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const QUANTITY_NUMERIC_ERROR = 'unable to parse numeric part of quantity';
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

/** A quantity that does not parse; the message is upstream's. */
export class QuantityError extends Error {}

const NANO = 1_000_000_000n;
const INT64_MAX = (1n << 63n) - 1n;
const INT32_MAX = 2 ** 31 - 1;
/** Larger values are refused rather than built digit by digit (upstream has no such bound). */
const MAX_DIGITS = 1000;

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_EXPONENT = new Map(Object.entries(BINARY_SUFFIXES).map(([s, e]) => [e, s]));

// ---- parsing ----------------------------------------------------------------------------------

interface Scanned { positive: boolean; value: string; num: string; denom: string; suffix: string }

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** Splits "-1.5Gi" into sign, number text, integer digits, fraction digits and suffix, as upstream scans. */
function scan(str: string): Scanned {
  let pos = 0;
  const end = str.length;
  let positive = true;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };

  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  const num = str.slice(pos, i) || '0';
  if (i >= end) return { positive, value: str, num, denom: '', suffix: '' };
  pos = i;

  let denom = '';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    if (i >= end) return { positive, value: str, num, denom, suffix: '' };
    pos = i;
  }
  const value = str.slice(0, pos);

  // The suffix: letters from the suffix alphabet, then an optional signed exponent.
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos])) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  return { positive, value, num, denom, suffix: str.slice(suffixStart) };
}

interface Suffix { base: 10 | 2; exponent: number; format: QuantityFormat }

function interpretSuffix(s: string): Suffix | undefined {
  if (Object.hasOwn(DECIMAL_SUFFIXES, s)) return { base: 10, exponent: DECIMAL_SUFFIXES[s], format: 'DecimalSI' };
  if (Object.hasOwn(BINARY_SUFFIXES, s)) return { base: 2, exponent: BINARY_SUFFIXES[s], format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E') && /^[+-]?[0-9]+$/.test(s.slice(1))) {
    const exponent = Number(s.slice(1));
    // Upstream keeps the exponent in an int32 and rejects what does not fit.
    if (Math.abs(exponent) <= INT32_MAX) return { base: 10, exponent, format: 'DecimalExponent' };
  }
  return undefined;
}

const pow10 = (n: number) => 10n ** BigInt(n);
const abs = (n: bigint) => (n < 0n ? -n : n);

/** n / d for positive d, rounded away from zero (upstream always rounds quantities up). */
function divRoundUp(n: bigint, d: bigint): bigint {
  const q = n / d;
  if (q * d === n) return q;
  return n < 0n ? q - 1n : q + 1n;
}

/** digits × 10^shift in nanos, rounding any fraction below a nano up. */
function scaleToNanos(digits: bigint, shift: number): bigint {
  if (shift >= 0) return digits * pow10(shift);
  if (digits === 0n) return 0n;
  // Far below a nano (and cheap to decide): the smallest representable amount.
  if (-shift > digits.toString().length) return 1n;
  return divRoundUp(digits, pow10(-shift));
}

/**
 * Parses a quantity as upstream's ParseQuantity does (a JSON number is taken by its text).
 * Throws a QuantityError with upstream's message when it does not parse.
 */
export function parseQuantity(input: string | number): Quantity {
  const str = typeof input === 'number' ? String(input) : input;
  if (str.length === 0) throw new QuantityError(QUANTITY_FORMAT_ERROR);
  if (str === '0') return { nanos: 0n, format: 'DecimalSI', cached: '0' };

  const { positive, value, num, denom, suffix } = scan(str);
  const sfx = interpretSuffix(suffix);
  if (!sfx) throw new QuantityError(QUANTITY_SUFFIX_ERROR);
  const { base, exponent } = sfx;
  let format = sfx.format;
  const digitCount = num.length + denom.length;
  if (digitCount + Math.max(0, base === 10 ? exponent : 0) > MAX_DIGITS) throw new QuantityError(QUANTITY_NUMERIC_ERROR);
  const digits = BigInt(num + denom);
  const sign = positive ? 1n : -1n;

  // Upstream's fast path: small exact amounts, whose text it may keep as the canonical form.
  let precision: number;
  let scale: number;
  let mantissa = 1n;
  if (base === 10) {
    scale = exponent - denom.length;
    precision = 18 - digitCount;
  } else if (denom.length === 0) {
    scale = 0;
    mantissa = 1n << BigInt(exponent);
    precision = 15 - num.length - Math.trunc(exponent * 3 / 10) - 1;
  } else {
    scale = -denom.length;
    precision = -1;
  }
  if (precision >= 0 && scale >= -9 && digits * mantissa <= INT64_MAX) {
    const nanos = sign * digits * mantissa * pow10(scale + 9);
    const shifted = num + denom;
    const canonical = base === 2
      ? (digits & 7n) !== 0n // a multiple of 8 might be expressible with a larger suffix
      : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
    return canonical ? { nanos, format, cached: str } : { nanos, format };
  }

  // The slow path: exact decimal arithmetic on the written number, rounded up to a nano.
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(value)) throw new QuantityError(QUANTITY_NUMERIC_ERROR);
  let nanos = base === 10
    ? scaleToNanos(digits, exponent - denom.length + 9)
    : scaleToNanos(digits << BigInt(exponent), 9 - denom.length);
  if (format === 'BinarySI' && nanos > INT64_MAX * NANO) nanos = INT64_MAX * NANO;
  if (format === 'BinarySI' && nanos > 0n && nanos < NANO) format = 'DecimalSI';
  return { nanos: sign * nanos, format };
}

export function isValidQuantity(s: unknown): boolean {
  if (typeof s !== 'string' && typeof s !== 'number') return false;
  try {
    parseQuantity(s);
    return true;
  } catch {
    return false;
  }
}

// ---- printing ---------------------------------------------------------------------------------

/** The amount as mantissa × 10^exponent, with the exponent a multiple of 3 and the mantissa minimal. */
function decimalParts(nanos: bigint): [bigint, number] {
  let m = nanos;
  let e = -9;
  while (m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  const r = ((e % 3) + 3) % 3;
  return [m * pow10(r), e - r];
}

function decimalString(nanos: bigint, format: 'DecimalSI' | 'DecimalExponent'): string {
  const [m, e] = decimalParts(nanos);
  if (format === 'DecimalSI') {
    const suffix = DECIMAL_BY_EXPONENT.get(e);
    // Beyond "E" there is no suffix; exponent notation keeps the magnitude, as newer upstream does.
    return suffix === undefined ? `${m}e${e}` : `${m}${suffix}`;
  }
  return e === 0 ? `${m}` : `${m}e${e}`;
}

/** Upstream's canonical form (Quantity.String() without a kept text). */
function canonicalString(q: Quantity): string {
  if (q.nanos === 0n) return '0';
  if (q.format !== 'BinarySI') return decimalString(q.nanos, q.format);
  // Small or fractional binary amounts print as decimal rather than be rounded.
  if (abs(q.nanos) < 1024n * NANO || q.nanos % NANO !== 0n) return decimalString(q.nanos, 'DecimalSI');
  let units = q.nanos / NANO;
  let exponent = 0;
  while (units % 1024n === 0n) {
    units /= 1024n;
    exponent += 10;
  }
  const suffix = BINARY_BY_EXPONENT.get(exponent) ?? (exponent === 0 ? '' : undefined);
  return suffix === undefined ? decimalString(q.nanos, 'DecimalExponent') : `${units}${suffix}`;
}

/** The quantity as upstream serialises it: the kept text, or the canonical form. */
export function formatQuantity(q: Quantity): string {
  return q.cached ?? canonicalString(q);
}

// ---- arithmetic -------------------------------------------------------------------------------

/** a + b. A zero left operand takes the right one's format, as upstream's Add does. */
export function add(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

/** a - b, with the same format rule as add. */
export function sub(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos - b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

export function neg(q: Quantity): Quantity {
  return { nanos: -q.nanos, format: q.format };
}

export function cmp(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

export function isZero(q: Quantity): boolean {
  return q.nanos === 0n;
}

/** The amount in whole units, rounded up (away from zero) as upstream's Value(). */
export function value(q: Quantity): number {
  return Number(divRoundUp(q.nanos, NANO));
}

/** The amount in thousandths, rounded up (away from zero) as upstream's MilliValue(). */
export function milliValue(q: Quantity): number {
  return Number(divRoundUp(q.nanos, 1_000_000n));
}

function wholeNumber(n: number | bigint): bigint {
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new RangeError(`not a whole number: ${n}`);
  return BigInt(n);
}

/** upstream's NewQuantity: `units` whole units printed in `format`. */
export function newQuantity(units: number | bigint, format: QuantityFormat): Quantity {
  return { nanos: wholeNumber(units) * NANO, format };
}

/** upstream's NewMilliQuantity: `milli` thousandths printed in `format`. */
export function newMilliQuantity(milli: number | bigint, format: QuantityFormat): Quantity {
  return { nanos: wholeNumber(milli) * 1_000_000n, format };
}
