// Go renderings (%#v) of core/v1 values that upstream prints in field errors: typed string
// slices, the service-port key, taints, node addresses and resource.Quantity. The error types
// that carry a rendering live in api/common/go-value.ts; only Duplicate is added here.
import { FieldError } from '../../../machinery/validation.ts';
import { goQuote } from '../../common/go-value.ts';

export { invalidGo, notSupportedGo } from '../../common/go-value.ts';

/** field.Duplicate with a value upstream renders with %#v. */
class GoDuplicateError extends FieldError {
  readonly rendered: string;

  constructor(field: string, value: unknown, rendered: string, detail: string) {
    super('FieldValueDuplicate', field, value, detail);
    this.rendered = rendered;
  }

  override detailMessage(): string {
    return this.detail ? `Duplicate value: ${this.rendered}: ${this.detail}` : `Duplicate value: ${this.rendered}`;
  }
}

export const duplicateGo = (field: string, value: unknown, rendered: string, detail = ''): FieldError =>
  new GoDuplicateError(field, value, rendered, detail);

/** Go's %q of a string; a missing string is Go's empty string. */
export const goString = (s: string | undefined): string => goQuote(s ?? '');

/** %#v of a slice of strings (or of a named string type, e.g. `core.ResourceQuotaScope`). */
export function goStringSlice(values: string[] | undefined, type = 'string'): string {
  if (values === undefined || values === null) return `[]${type}(nil)`;
  return `[]${type}{${values.map(goString).join(', ')}}`;
}

/** %#v of the (protocol, port) key upstream uses to report duplicate service ports. */
export function goServicePortKey(protocol: string | undefined, port: number | undefined): string {
  return `core.ServicePort{Name:"", Protocol:${goString(protocol)}, AppProtocol:(*string)(nil), Port:${port ?? 0}, ` +
    'TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}';
}

export function goTaint(t: { key?: string; value?: string; effect?: string; timeAdded?: string }): string {
  const timeAdded = t.timeAdded ? '(*v1.Time)(0xc000000000)' : '(*v1.Time)(nil)';
  return `core.Taint{Key:${goString(t.key)}, Value:${goString(t.value)}, Effect:${goString(t.effect)}, TimeAdded:${timeAdded}}`;
}

export function goNodeAddress(a: { type?: string; address?: string }): string {
  return `core.NodeAddress{Type:${goString(a.type)}, Address:${goString(a.address)}}`;
}

// ---- resource.Quantity ---------------------------------------------------------------------
// %#v of a Quantity shows its internal form: the int64 mantissa and decimal scale, and the
// original string only when upstream's parser judged it canonical and cached it.

const DECIMAL_SUFFIX: Record<string, number> = { '': 0, n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Ti: 40, Gi: 30, Pi: 50, Ei: 60 };
const INT64_MAX = (1n << 63n) - 1n;
const QUANTITY_SHAPE = /^([+-]?)(\d*)(?:\.(\d*))?([eEinumkKMGTP]*[+-]?\d*)$/;

function interpretSuffix(suffix: string): { exponent: number; format: string } | undefined {
  if (suffix in DECIMAL_SUFFIX) return { exponent: DECIMAL_SUFFIX[suffix], format: 'DecimalSI' };
  if (suffix in BINARY_SUFFIX) return { exponent: BINARY_SUFFIX[suffix], format: 'BinarySI' };
  if (/^[eE][+-]?\d+$/.test(suffix)) return { exponent: Number(suffix.slice(1)), format: 'DecimalExponent' };
  return undefined;
}

function quantityLiteral(value: bigint | undefined, scale: number, cached: string, format: string): string {
  const dec = value === undefined ? '(*inf.Dec)(0xc000000000)' : '(*inf.Dec)(nil)';
  return `resource.Quantity{i:resource.int64Amount{value:${value ?? 0n}, scale:${value === undefined ? 0 : scale}}, ` +
    `d:resource.infDecAmount{Dec:${dec}}, s:${goString(cached)}, Format:${goString(format)}}`;
}

/** %#v of the Quantity upstream parses from `text`. */
export function goQuantity(text: string): string {
  if (text === '0') return quantityLiteral(0n, 0, '0', 'DecimalSI');
  const m = QUANTITY_SHAPE.exec(text);
  const suffix = m ? interpretSuffix(m[4]) : undefined;
  if (!m || !suffix || (m[2] === '' && m[3] === undefined)) return goString(text);
  const negative = m[1] === '-';
  const num = m[2].replace(/^0+/, '') || '0';
  const denom = m[3] ?? '';
  const { exponent, format } = suffix;

  let precision: number;
  let scale: number;
  let mantissa = 1n;
  if (format === 'BinarySI') {
    scale = 0;
    if (exponent >= 0 && denom.length === 0) {
      mantissa = 1n << BigInt(exponent);
      precision = 15 - num.length - Math.trunc(exponent * 3 / 10) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  }
  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= -9) {
      const shifted = num + denom;
      const value = BigInt(shifted);
      const product = value * mantissa;
      if (value <= INT64_MAX && product <= INT64_MAX) {
        const result = negative ? -product : product;
        const canonical = format === 'BinarySI'
          ? exponent % 10 === 0 && (value & 7n) !== 0n
          : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
        return quantityLiteral(result, scale, canonical ? text : '', format);
      }
    }
  }
  // Upstream's slow path keeps the amount behind a pointer, which prints as an address.
  return quantityLiteral(undefined, 0, '', format);
}

/** %#v of a core.ResourceList (map keys sorted, as fmt prints maps). */
export function goResourceList(list: Record<string, string> | undefined): string {
  if (list === undefined || list === null) return 'core.ResourceList(nil)';
  const entries = Object.keys(list).sort().map((k) => `${goString(k)}:${goQuantity(String(list[k]))}`);
  return `core.ResourceList{${entries.join(', ')}}`;
}
