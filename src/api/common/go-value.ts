// Upstream prints the bad value of a field error with Go's `%#v` whenever the value is a map or a
// struct, so users read `map[string]string{"app":"x"}` or `intstr.IntOrString{Type:1, ...}` in
// kubectl's output. These helpers render those shapes and attach the rendering to a FieldError.
import type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1';
import { FieldError, type FieldErrorType } from '../../machinery/validation.ts';

/** Go's %q for a string (close enough: JSON escapes agree for printable text). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** `map[string]string{"a":"1", "b":"2"}` (Go sorts map keys); a missing map is Go's nil map. */
export function goStringMap(m: Record<string, string> | null | undefined): string {
  if (m === null || m === undefined) return 'map[string]string(nil)';
  const entries = Object.keys(m).sort().map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`);
  return `map[string]string{${entries.join(', ')}}`;
}

function goStringSlice(values: string[] | null | undefined): string {
  if (values === null || values === undefined) return '[]string(nil)';
  return `[]string{${values.map((v) => goQuote(String(v))).join(', ')}}`;
}

function goRequirement(r: LabelSelectorRequirement): string {
  return `v1.LabelSelectorRequirement{Key:${goQuote(r.key ?? '')}, Operator:${goQuote(r.operator ?? '')}, Values:${goStringSlice(r.values)}}`;
}

/** A metav1.LabelSelector as `%#v` prints it (the pointer is dereferenced first, as upstream does). */
export function goLabelSelector(sel: LabelSelector | null | undefined): string {
  if (sel === null || sel === undefined) return 'null';
  const exprs = sel.matchExpressions;
  const exprText = exprs === null || exprs === undefined
    ? '[]v1.LabelSelectorRequirement(nil)'
    : `[]v1.LabelSelectorRequirement{${exprs.map(goRequirement).join(', ')}}`;
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels)}, MatchExpressions:${exprText}}`;
}

/** An intstr.IntOrString: Type 0 holds an int, Type 1 a string. */
export function goIntOrString(v: number | string | null | undefined): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`;
  return `intstr.IntOrString{Type:0, IntVal:${typeof v === 'number' ? v : 0}, StrVal:""}`;
}

/**
 * A FieldError whose value is shown pre-rendered (Go syntax) instead of as JSON. It keeps the
 * raw value in `value` for anything that wants the data.
 */
class GoRenderedFieldError extends FieldError {
  readonly rendered: string;

  constructor(type: FieldErrorType, field: string, value: unknown, rendered: string, detail: string) {
    super(type, field, value, detail);
    this.rendered = rendered;
  }

  override detailMessage(): string {
    const label = this.type === 'FieldValueNotSupported' ? 'Unsupported value' : 'Invalid value';
    return this.detail ? `${label}: ${this.rendered}: ${this.detail}` : `${label}: ${this.rendered}`;
  }
}

/** field.Invalid with a value upstream renders with %#v. */
export function invalidGo(field: string, value: unknown, rendered: string, detail: string): FieldError {
  return new GoRenderedFieldError('FieldValueInvalid', field, value, rendered, detail);
}

/** field.NotSupported with a value upstream renders with %#v. */
export function notSupportedGo(field: string, value: unknown, rendered: string, supported: string[]): FieldError {
  const list = supported.map((s) => JSON.stringify(s)).join(', ');
  return new GoRenderedFieldError('FieldValueNotSupported', field, value, rendered, supported.length ? `supported values: ${list}` : '');
}
