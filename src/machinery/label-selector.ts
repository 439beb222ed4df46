// Label selectors as upstream's apimachinery `labels` package understands them: the string form
// clients send in `?labelSelector=` (parsed by the same grammar, with the same error texts), and
// the structured metav1.LabelSelector that workloads carry in their specs.
import type { LabelSelector as MetaLabelSelector } from 'kubernetes-types/meta/v1';
import { badRequest } from './errors.ts';
import { isQualifiedName, isValidLabelValue } from './validation.ts';

/** Upstream's selection.Operator values. */
export type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

/** AND of requirements, sorted by key. `nothing` is upstream's labels.Nothing() (a null selector). */
export interface LabelSelector {
  readonly requirements: readonly Requirement[];
  readonly nothing?: boolean;
}

export const EVERYTHING: LabelSelector = { requirements: [] };
export const NOTHING: LabelSelector = { requirements: [], nothing: true };

// The order upstream lists the binary operators in its "expected: ..." message.
const BINARY_OPERATORS = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

// ---- requirement validation (upstream's NewRequirement) -------------------------------------------

/** Go's %q for the strings we print; JSON quoting agrees for everything a selector can hold. */
const quote = (s: string) => JSON.stringify(s);

/** Go's %#v of a []string, as field.Invalid prints a bad values set. */
const goStrings = (v: readonly string[]) => `[]string{${v.map(quote).join(', ')}}`;

/**
 * Upstream's field.Error text. A nil path prints as "<nil>", which is what the parser's own key
 * check uses, so "<nil>: Invalid value: ..." really is what kube-apiserver answers.
 */
const invalidText = (path: string, value: string, detail: string) => `${path}: Invalid value: ${value}: ${detail}`;

function keyProblem(key: string, path: string): string | undefined {
  const errs = isQualifiedName(key);
  return errs.length ? invalidText(path, quote(key), errs.join('; ')) : undefined;
}

/** Upstream's errors.Aggregate text: one message alone, several de-duplicated inside brackets. */
function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

/** Builds a requirement or throws the aggregate of everything wrong with it, as upstream does. */
function newRequirement(key: string, operator: Operator, values: string[]): Requirement {
  const errs: string[] = [];
  const keyErr = keyProblem(key, 'key');
  if (keyErr) errs.push(keyErr);
  switch (operator) {
    case 'in': case 'notin':
      if (values.length === 0) errs.push(invalidText('values', goStrings(values), "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=': case '==': case '!=':
      if (values.length !== 1) errs.push(invalidText('values', goStrings(values), 'exact-match compatibility requires one single value'));
      break;
    case 'exists': case '!':
      if (values.length !== 0) errs.push(invalidText('values', goStrings(values), 'values set must be empty for exists and does not exist'));
      break;
    case 'gt': case 'lt':
      if (values.length !== 1) errs.push(invalidText('values', goStrings(values), "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!isGoInt64(v)) errs.push(invalidText(`values[${i}]`, quote(v), "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const problems = isValidLabelValue(v);
    if (problems.length) errs.push(invalidText(`values[${i}][${key}]`, quote(v), problems.join('; ')));
  });
  if (errs.length) throw new SelectorError(aggregate(errs));
  return { key, operator, values };
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
/** strconv.ParseInt(s, 10, 64) succeeds. */
function isGoInt64(s: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(s)) return false;
  const n = BigInt(s);
  return n >= INT64_MIN && n <= INT64_MAX;
}

/** Internal: a parse failure carrying upstream's text; surfaced as a 400 by the public functions. */
class SelectorError extends Error {}

// ---- lexer ------------------------------------------------------------------------------------

type Token =
  | 'error' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'identifier' | 'in' | '<' | '!=' | 'notin' | '(';

interface Item { tok: Token; lit: string }

const LITERAL_TOKENS = new Map<string, Token>(
  [')', ',', '!', '==', '=', '>', 'in', '<', '!=', 'notin', '('].map((t) => [t, t as Token]));
const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecial = (ch: string) => '=!(),><'.includes(ch);

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos])) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    if (isSpecial(s[pos])) {
      // Longest run of symbol characters that still spells an operator ("!=" but not "=!").
      let buffer = '';
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s[pos])) {
        buffer += s[pos];
        const tok = LITERAL_TOKENS.get(buffer);
        if (tok) last = { tok, lit: buffer };
        else if (last) break;
        pos++;
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buffer}'` });
    } else {
      const start = pos;
      while (pos < s.length && !isSpecial(s[pos]) && !isWhitespace(s[pos])) pos++;
      const word = s.slice(start, pos);
      items.push({ tok: LITERAL_TOKENS.get(word) ?? 'identifier', lit: word });
    }
  }
}

// ---- parser -----------------------------------------------------------------------------------

/** Recursive descent over upstream's grammar; "in"/"notin" are plain words where a value is expected. */
class Parser {
  private readonly items: Item[];
  private pos = 0;

  constructor(s: string) {
    this.items = lex(s);
  }

  private peek(valueContext: boolean): Item {
    return this.asValue(this.items[this.pos], valueContext);
  }
  private next(valueContext: boolean): Item {
    return this.asValue(this.items[this.pos++], valueContext);
  }
  private asValue(item: Item, valueContext: boolean): Item {
    return valueContext && (item.tok === 'in' || item.tok === 'notin') ? { tok: 'identifier', lit: item.lit } : item;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek(true);
      if (tok === 'eos') return reqs;
      if (tok !== 'identifier' && tok !== '!') {
        throw new SelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
      try {
        reqs.push(this.requirement());
      } catch (err) {
        if (err instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${err.message}`);
        throw err;
      }
      const after = this.next(true);
      if (after.tok === 'eos') return reqs;
      if (after.tok !== ',') throw new SelectorError(`found '${after.lit}', expected: ',' or 'end of string'`);
      const following = this.peek(true);
      if (following.tok !== 'identifier' && following.tok !== '!') {
        throw new SelectorError(`found '${following.lit}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): Requirement {
    let item = this.next(true);
    let unary: Operator | undefined;
    if (item.tok === '!') {
      unary = '!';
      item = this.next(true);
    }
    if (item.tok !== 'identifier') throw new SelectorError(`found '${item.lit}', expected: identifier`);
    const key = item.lit;
    const keyErr = keyProblem(key, '<nil>');
    if (keyErr) throw new SelectorError(keyErr);
    const ahead = this.peek(true).tok;
    if (unary === undefined && (ahead === 'eos' || ahead === ',')) unary = 'exists';
    if (unary) return newRequirement(key, unary, []);

    const operator = this.operator();
    const values = operator === 'in' || operator === 'notin' ? this.valueSet() : this.exactValue();
    return newRequirement(key, operator, [...values].sort());
  }

  private operator(): Operator {
    const { tok, lit } = this.next(false);
    switch (tok) {
      case 'in': return 'in';
      case 'notin': return 'notin';
      case '=': return '=';
      case '==': return '==';
      case '!=': return '!=';
      case '>': return 'gt';
      case '<': return 'lt';
      default: throw new SelectorError(`found '${lit}', expected: ${BINARY_OPERATORS.join(', ')}`);
    }
  }

  /** "(a,b,c)"; empty members count as the empty string, so "()" is the set {""}. */
  private valueSet(): Set<string> {
    const open = this.next(true);
    if (open.tok !== '(') throw new SelectorError(`found '${open.lit}' expected: '('`);
    const first = this.peek(true);
    if (first.tok === ')') {
      this.next(true);
      return new Set(['']);
    }
    if (first.tok !== 'identifier' && first.tok !== ',') {
      throw new SelectorError(`found '${first.lit}', expected: ',', ')' or identifier`);
    }
    const values = new Set<string>();
    for (;;) {
      const item = this.next(true);
      if (item.tok === 'identifier') {
        values.add(item.lit);
        const ahead = this.peek(true);
        if (ahead.tok === ',') continue;
        if (ahead.tok === ')') break;
        throw new SelectorError(`found '${ahead.lit}', expected: ',' or ')'`);
      } else if (item.tok === ',') {
        if (values.size === 0) values.add('');
        const ahead = this.peek(true).tok;
        if (ahead === ')') {
          values.add('');
          break;
        }
        if (ahead === ',') values.add('');
      } else {
        throw new SelectorError(`found '${item.lit}', expected: ',', or identifier`);
      }
    }
    this.next(true); // the ')' the loop stopped at
    return values;
  }

  /** The one value after "=", "==", "!=", ">" or "<"; nothing at all means the empty string. */
  private exactValue(): Set<string> {
    const ahead = this.peek(true).tok;
    if (ahead === 'eos' || ahead === ',') return new Set(['']);
    const item = this.next(true);
    if (item.tok === 'identifier') return new Set([item.lit]);
    throw new SelectorError(`found '${item.lit}', expected: identifier`);
  }
}

const byKey = (a: Requirement, b: Requirement) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Parses the `labelSelector=` string form; a bad selector is a 400 with upstream's message. */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return { requirements: new Parser(s).parse().sort(byKey) };
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(err.message);
    throw err;
  }
}

// ---- matching ---------------------------------------------------------------------------------

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in': case '=': case '==':
      return has && r.values.includes(value!);
    case 'notin': case '!=':
      // Upstream: an object without the key is "not equal" to anything.
      return !has || !r.values.includes(value!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt': case 'lt': {
      if (!has || !isGoInt64(value!) || r.values.length !== 1 || !isGoInt64(r.values[0])) return false;
      const actual = BigInt(value!);
      const bound = BigInt(r.values[0]);
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

/** True when every requirement holds; an empty selector matches everything, NOTHING matches nothing. */
export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  if (sel.nothing) return false;
  const set = labels ?? {};
  return sel.requirements.every((r) => requirementMatches(r, set));
}

export function isEverything(sel: LabelSelector): boolean {
  return !sel.nothing && sel.requirements.length === 0;
}

// ---- metav1.LabelSelector ---------------------------------------------------------------------

const META_OPERATORS: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * upstream's LabelSelectorAsSelector: null/undefined selects nothing, `{}` selects everything.
 * An invalid selector throws a 400 with upstream's message.
 */
export function fromLabelSelector(ls: MetaLabelSelector | undefined | null): LabelSelector {
  if (ls === null || ls === undefined) return NOTHING;
  const matchLabels = Object.entries(ls.matchLabels ?? {});
  const expressions = ls.matchExpressions ?? [];
  if (matchLabels.length + expressions.length === 0) return EVERYTHING;
  try {
    const reqs: Requirement[] = [];
    for (const [k, v] of matchLabels.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      reqs.push(newRequirement(k, '=', [v]));
    }
    for (const expr of expressions) {
      const op = Object.hasOwn(META_OPERATORS, expr.operator) ? META_OPERATORS[expr.operator] : undefined;
      if (!op) throw new SelectorError(`${quote(String(expr.operator))} is not a valid label selector operator`);
      reqs.push(newRequirement(expr.key, op, [...(expr.values ?? [])]));
    }
    return { requirements: reqs.sort(byKey) };
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(err.message);
    throw err;
  }
}

function requirementString(r: Requirement): string {
  const values = r.values.length === 1 ? r.values[0] : [...r.values].sort().join(',');
  switch (r.operator) {
    case 'exists': return r.key;
    case '!': return `!${r.key}`;
    case 'in': return `${r.key} in (${values})`;
    case 'notin': return `${r.key} notin (${values})`;
    case 'gt': return `${r.key}>${values}`;
    case 'lt': return `${r.key}<${values}`;
    default: return `${r.key}${r.operator}${values}`;
  }
}

/** The selector's string form as upstream's Selector.String() prints it ("" for everything/nothing). */
export function selectorToString(sel: LabelSelector): string {
  return sel.nothing ? '' : sel.requirements.map(requirementString).join(',');
}

/**
 * A metav1.LabelSelector in string form, as Scale.status.selector carries it
 * (e.g. "app=web,tier in (a,b)"). Throws a 400 for an invalid selector.
 */
export function labelSelectorToString(ls: MetaLabelSelector | undefined | null): string {
  return selectorToString(fromLabelSelector(ls));
}

/** What `kubectl describe` shows (upstream's FormatLabelSelector): "<none>" when empty, "<error>" when invalid. */
export function formatLabelSelector(ls: MetaLabelSelector | undefined | null): string {
  let s: string;
  try {
    s = labelSelectorToString(ls);
  } catch {
    return '<error>';
  }
  return s === '' ? '<none>' : s;
}
