// Field selectors as upstream's apimachinery `fields` package parses them from `?fieldSelector=`:
// comma-separated `field=value`, `field==value` or `field!=value` terms, ANDed, where a value may
// escape `\`, `,` and `=` with a backslash.
import { badRequest } from './errors.ts';

export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

/** AND of requirements, in the order upstream evaluates them (terms sorted as strings). */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
}

/** Splits on commas that are not escaped; escapes stay in the terms for the value unescaper. */
function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

// Checked in this order at each position, so "a==b" is "==" and not "=" with value "=b".
const TERM_OPERATORS = ['!=', '==', '='] as const;

/** Splits at the first operator; the field name itself cannot escape anything. */
function splitTerm(term: string): [string, string, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of TERM_OPERATORS) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** Undoes `\\`, `\,` and `\=`; anything else after a backslash, or a bare `,`/`=`, is an error. */
function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let escaped = false;
  for (const c of s) {
    if (escaped) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      escaped = false;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === ',' || c === '=') {
      // Upstream prints the rune with %v, which is its code point.
      throw badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (escaped) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** The inverse of unescapeValue, for printing a selector back. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Parses the `fieldSelector=` string form; a bad selector is a 400 with upstream's message. */
export function parseFieldSelector(s: string): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const part of splitTerms(s).sort(byteOrder)) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const [field, op, rawValue] = split;
    requirements.push({ field, operator: op === '!=' ? '!=' : '=', value: unescapeValue(rawValue) });
  }
  return { requirements };
}

/**
 * True when every term holds. `get` returns a field's value; a field the object lacks reads as "",
 * as upstream's fields.Set does, so `spec.nodeName=` selects unscheduled pods.
 */
export function matchesFields(sel: FieldSelector, get: (field: string) => string | undefined): boolean {
  return sel.requirements.every((r) => {
    const actual = get(r.field) ?? '';
    return r.operator === '=' ? actual === r.value : actual !== r.value;
  });
}

/** The distinct field names the selector uses, so a caller can reject unsupported ones. */
export function selectorFields(sel: FieldSelector): string[] {
  return [...new Set(sel.requirements.map((r) => r.field))];
}

/** The value the selector pins `field` to with "=", if it does (upstream's RequiresExactMatch). */
export function requiresExactMatch(sel: FieldSelector, field: string): string | undefined {
  return sel.requirements.find((r) => r.field === field && r.operator === '=')?.value;
}

/** The selector printed back as upstream's String() does. */
export function fieldSelectorToString(sel: FieldSelector): string {
  return sel.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
}

/**
 * The 400 upstream returns for a field the resource cannot be selected by. Kinds that register
 * their own field-label conversion (pods, nodes, events, secrets, ...) say "field label not
 * supported"; every other kind falls back to the generic metadata-only text.
 */
export function fieldLabelNotSupported(field: string, kindHasFieldSelectors: boolean) {
  return badRequest(kindHasFieldSelectors
    ? `field label not supported: ${field}`
    : `${JSON.stringify(field)} is not a known field selector: only "metadata.name", "metadata.namespace"`);
}
