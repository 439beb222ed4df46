// The int-or-percent fields of rolling updates (maxSurge, maxUnavailable): upstream's checks and
// how it reads their value.
import { type FieldError, invalidValue } from '../../../machinery/validation.ts';
import { goIntOrString, invalidGo } from '../../common/go-value.ts';

export type IntOrPercent = number | string;

const PERCENT = /^[0-9]+%$/;
const PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** Upstream's ValidatePositiveIntOrPercent: a non-negative int, or a "<digits>%" string. */
export function validatePositiveIntOrPercent(v: IntOrPercent | undefined, path: string): FieldError[] {
  if (typeof v === 'string') return PERCENT.test(v) ? [] : [invalidGo(path, v, goIntOrString(v), PERCENT_MSG)];
  if (typeof v === 'number') return v < 0 ? [invalidValue(path, v, 'must be greater than or equal to 0')] : [];
  return [];
}

/** The percentage of a valid percent string, else undefined. */
function percentValue(v: IntOrPercent | undefined): number | undefined {
  return typeof v === 'string' && PERCENT.test(v) ? Number.parseInt(v.slice(0, -1), 10) : undefined;
}

/** Upstream's getIntOrPercentValue: the percentage, the int, or a string read as an int (0 if it is none). */
export function intOrPercentValue(v: IntOrPercent | undefined): number {
  const pct = percentValue(v);
  if (pct !== undefined) return pct;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[+-]?\d+$/.test(v)) return Number.parseInt(v, 10);
  return 0;
}

/** `must not be greater than 100%` for percentages above 100. */
export function notMoreThan100Percent(v: IntOrPercent | undefined, path: string): FieldError[] {
  const pct = percentValue(v);
  return pct !== undefined && pct > 100 ? [invalidGo(path, v, goIntOrString(v), 'must not be greater than 100%')] : [];
}
