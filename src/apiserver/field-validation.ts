// Unknown and duplicate fields in write bodies, as kube-apiserver treats them. Upstream decodes
// every body into a typed struct, so a field the schema does not know is never stored; the
// `fieldValidation` query parameter decides whether it is also reported:
//   Strict  the request fails (400 for create/update bodies, 422 for patches),
//   Warn    (the default) the request succeeds and each problem comes back as a Warning header,
//   Ignore  dropped silently.
// Duplicate keys are found in the raw text (JSON.parse and the YAML parser keep only one value).
// The reported paths and their order follow upstream's decoders: document order for JSON bodies,
// keys sorted level by level where upstream decodes through a Go map (YAML bodies, patch results).
import { yaml } from '../machinery/yaml.ts';
import type { StatusCause } from 'kubernetes-types/meta/v1';
import type { SchemaModel } from '../api/openapi/model.ts';
import { compileSchema, decodeTyped, FREE, LEAF, type FieldNode, type TypeProblem } from '../api/openapi/prune.ts';
import { applyValidationMessage, jsonDecodeMessage, unstructuredDecodeMessage } from '../api/openapi/decode-errors.ts';
import { formatJsonPath, walkJsonKeys } from '../machinery/json-duplicates.ts';
import { ApiError, badRequest, invalid } from '../machinery/errors.ts';
import { notSupported, type FieldError } from '../machinery/validation.ts';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';
/** The options kind whose validation failure upstream reports (CreateOptions.meta.k8s.io ...). */
export type WriteOptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';

const DIRECTIVES = ['', 'Ignore', 'Strict', 'Warn'];

/** The problems with a fieldValidation value, as upstream's ValidateFieldValidation lists them. */
export function fieldValidationErrors(value: string): FieldError[] {
  return DIRECTIVES.includes(value) ? [] : [notSupported('fieldValidation', value, DIRECTIVES)];
}

/**
 * The directive of a create, update or patch request. Absent (or empty) means Warn; kubectl sends
 * Strict unless told otherwise. Anything else is a 422 naming the options kind.
 */
export function parseFieldValidation(query: URLSearchParams, optionsKind: WriteOptionsKind): FieldValidation {
  // Query parameters decode into a string field by taking the first value.
  const value = query.get('fieldValidation') ?? '';
  const errors = fieldValidationErrors(value);
  if (errors.length) throw invalid(optionsKind, 'meta.k8s.io', '', errors);
  return value === '' ? 'Warn' : value as FieldValidation;
}

export interface CheckFieldsOptions {
  /** The decoded body; it is decoded in place (unknown fields pruned, quantities canonical, nulls dropped). */
  body: unknown;
  /** The body as sent, for duplicate keys and document order (absent for protobuf bodies). */
  rawText?: string;
  /** How rawText is written; guessed from its first character when absent. */
  format?: 'json' | 'yaml';
  directive: FieldValidation;
  model: SchemaModel;
  /** The definition of the request's kind, e.g. "io.k8s.api.apps.v1.Deployment". */
  rootType: string;
}

/**
 * Checks a create or update body as upstream's decoding into the Go type does: a value of the
 * wrong type is the 400 upstream answers under every directive; unknown fields are always pruned,
 * and under Strict any of them (or a repeated key) is a 400 too; under Warn they are returned as
 * warning texts.
 */
export function checkFields(opts: CheckFieldsOptions): { warnings: string[] } {
  const { body, rawText, directive, model, rootType } = opts;
  const format = rawText === undefined ? undefined : opts.format ?? guessFormat(rawText);
  // A YAML body reaches upstream's decoder as JSON written from a Go map: keys sorted.
  const order = format === 'yaml' ? 'sorted' : 'object';
  // Under Strict nothing is removed before we know the request goes on (then nothing needs to be).
  const decoded = decodeTyped(body, model, rootType, { order, remove: directive !== 'Strict' });
  if (decoded.problems.length) {
    throw decodeError(body, rootType, jsonDecodeMessage(compileSchema(model, rootType), decoded.problems));
  }
  if (directive === 'Ignore') return { warnings: [] };
  const problems: string[] = [];
  if (format === 'json') {
    // One typed decode of the text: unknown and duplicate fields in document order.
    problems.push(...strictJsonProblems(rawText!, compileSchema(model, rootType)));
  } else {
    // YAML: duplicates from the YAML parser first, then the unknown fields of the Go map it
    // converts to, whose keys come out sorted.
    if (format === 'yaml') {
      const lines = yamlDuplicateKeyLines(rawText!);
      if (lines.length) problems.push(yamlUnmarshalErrors(lines));
    }
    problems.push(...capped(decoded.unknown.map(unknownField)));
  }
  if (problems.length && directive === 'Strict') throw decodeError(body, rootType, `strict decoding error: ${problems.join(', ')}`);
  return { warnings: problems.flatMap(warningTexts) };
}

export type PatchKind = 'json' | 'merge' | 'strategic' | 'apply';

export interface CheckPatchOptions {
  patchType: PatchKind;
  /** The patch body as sent. */
  patchText: string;
  /** The decoded patch; a strategic merge patch's 422 prints it, an apply error names its object. */
  patch: unknown;
  /** The patched object, before it is validated and stored; it is decoded in place. */
  result: unknown;
  directive: FieldValidation;
  model: SchemaModel;
  /** The definition the patch applies to (the Scale type for /scale). */
  rootType: string;
}

/**
 * Checks a patch the way upstream's patch handler does for each type. The patched object is
 * decoded into the Go type: a value of the wrong type fails under every directive, with the
 * message of the decoder that patch type goes through (a 422 about `patch` for JSON, merge and
 * strategic merge patches; for apply, the 500 of structured-merge-diff or of the conversion after
 * it). Then problems in the patch document itself (duplicate keys; for JSON patch also unknown
 * operation fields) and unknown fields in the patched result: Strict failures are 422s about
 * `patch`; apply patches only have their YAML checked for duplicate keys (unknown fields there
 * are the apply machinery's error).
 */
export function checkPatchedFields(opts: CheckPatchOptions): { warnings: string[] } {
  const { patchType, patchText, directive, model, rootType, result } = opts;
  if (patchType === 'apply') return checkApplied(opts);
  // The 422 prints the object as patched, so what the decode changes must be undone first.
  const decoded = decodeTyped(result, model, rootType, { order: 'sorted', remove: directive !== 'Strict', undoable: true });
  if (decoded.problems.length) {
    // Strategic merge patches are decoded from the merged map by the unstructured converter,
    // the others from the patched JSON.
    const detail = patchType === 'strategic'
      ? unstructuredDecodeMessage(decoded.problems)
      : jsonDecodeMessage(compileSchema(model, rootType), decoded.problems);
    if (detail !== undefined) {
      decoded.undo();
      throw invalidPatch(shownPatch(opts), detail);
    }
  }
  if (directive === 'Ignore') return { warnings: [] };
  const problems = patchType === 'json'
    ? strictJsonProblems(patchText, JSON_PATCH_OPERATIONS).map((p) => `json patch ${p}`)
    : strictJsonProblems(patchText, FREE);
  problems.push(...capped(decoded.unknown.map(unknownField)));
  if (!problems.length) return { warnings: [] };
  if (directive === 'Warn') return { warnings: problems.flatMap(warningTexts) };
  decoded.undo();
  throw invalidPatch(shownPatch(opts), `strict decoding error: ${problems.join(', ')}`);
}

/**
 * Upstream shows what it failed to decode: the patched object for JSON and merge patches, the
 * patch map (Go's %+v) for strategic merge patches.
 */
function shownPatch(opts: CheckPatchOptions): string {
  return opts.patchType === 'strategic' ? goValue(opts.patch) : JSON.stringify(opts.result);
}

/** Server-side apply: typed checks of the applied object, then its YAML's repeated keys. */
function checkApplied(opts: CheckPatchOptions): { warnings: string[] } {
  const { patchText, directive, model, rootType, result } = opts;
  const decoded = decodeTyped(result, model, rootType, { order: 'sorted' });
  if (decoded.problems.length) {
    const err = applyDecodeError(opts, decoded.problems);
    if (err) throw err;
  }
  if (directive === 'Ignore') return { warnings: [] };
  const lines = yamlDuplicateKeyLines(patchText);
  if (!lines.length) return { warnings: [] };
  if (directive === 'Strict') {
    throw badRequest(`error strict decoding YAML: error converting YAML to JSON: ${yamlUnmarshalErrors(lines)}`);
  }
  return { warnings: lines };
}

/**
 * Upstream's field manager fails an apply whose configuration structured-merge-diff refuses, and
 * an applied object the converter cannot turn into the Go type; neither is an API error, so the
 * answer is a 500 without a reason, naming the configuration's object.
 */
function applyDecodeError(opts: CheckPatchOptions, problems: TypeProblem[]): ApiError | undefined {
  const applied = (opts.patch && typeof opts.patch === 'object' ? opts.patch : {}) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const apiVersion = typeof applied.apiVersion === 'string' ? applied.apiVersion : '';
  const gvk = `${apiVersion.includes('/') ? apiVersion : `/${apiVersion}`}, Kind=${typeof applied.kind === 'string' ? applied.kind : ''}`;
  const where = `${String(applied.metadata?.namespace ?? '')}/${String(applied.metadata?.name ?? '')}; ${gvk}`;
  const invalid = applyValidationMessage(opts.model, opts.rootType, opts.result, problems);
  if (invalid !== undefined) return new ApiError(500, '', `failed to create typed patch object (${where}): ${invalid}`);
  const unconvertible = unstructuredDecodeMessage(problems);
  if (unconvertible !== undefined) return new ApiError(500, '', `failed to convert new object (${where}) to proper version: ${unconvertible}`);
  return undefined;
}

// ---- strict decoding of JSON text -----------------------------------------------------------

/** kube's JSON decoder stops collecting strict errors here. */
const MAX_STRICT_ERRORS = 100;

/** A JSON patch document as upstream strictly decodes it: a list of {op, path, from, value}. */
const JSON_PATCH_OPERATIONS: FieldNode = {
  kind: 'list',
  items: { kind: 'struct', name: 'jsonPatchOp', fields: new Map<string, FieldNode>([['op', LEAF], ['path', LEAF], ['from', LEAF], ['value', FREE]]), rest: undefined },
};

/**
 * Unknown and duplicate fields of JSON text decoded against `root`, as upstream's typed strict
 * decoder reports them: in document order, each message once, at most 100. A field that is both
 * unknown and repeated is reported as unknown; nothing inside unknown or opaque values is looked at.
 */
function strictJsonProblems(text: string, root: FieldNode): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (message: string) => {
    if (out.length < MAX_STRICT_ERRORS && !seen.has(message)) { seen.add(message); out.push(message); }
  };
  walkJsonKeys<FieldNode>(text, root, {
    member(parent, key, duplicate, path) {
      let child: FieldNode | undefined;
      if (parent.kind === 'struct') {
        child = parent.fields.get(key) ?? parent.rest;
        if (child === undefined) {
          add(`unknown field ${goQuote(formatJsonPath(path, key))}`);
          return undefined;
        }
      } else if (parent.kind === 'map') {
        child = parent.values;
      } else if (parent.kind === 'free') {
        child = FREE;
      } else {
        return undefined;
      }
      if (duplicate) add(`duplicate field ${goQuote(formatJsonPath(path, key))}`);
      return enterable(child);
    },
    element(parent) {
      if (parent.kind === 'list') return enterable(parent.items);
      return parent.kind === 'free' ? FREE : undefined;
    },
  });
  return out;
}

/** Scalars and opaque values are decoded whole (or by their own decoder): nothing to walk. */
function enterable(node: FieldNode): FieldNode | undefined {
  return node.kind === 'leaf' || node.kind === 'quantity' || node.kind === 'opaque' ? undefined : node;
}

function unknownField(path: string): string {
  return `unknown field ${goQuote(path)}`;
}

function capped(messages: string[]): string[] {
  return messages.length > MAX_STRICT_ERRORS ? messages.slice(0, MAX_STRICT_ERRORS) : messages;
}

function guessFormat(text: string): 'json' | 'yaml' {
  const first = text.trimStart()[0];
  return first === '{' || first === '[' ? 'json' : 'yaml';
}

// ---- YAML duplicate keys --------------------------------------------------------------------

/**
 * The duplicate keys of a YAML document as the strict YAML decoder upstream uses reports them:
 * `line 5: key "name" already set in map`, the line being where the repeated key's value starts,
 * nested problems before the key that holds them.
 */
export function yamlDuplicateKeyLines(text: string): string[] {
  const { LineCounter, isMap, isScalar, isSeq, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter });
  const out: string[] = [];
  const lineOf = (node: unknown): number => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : 0;
  };
  const visit = (node: unknown): void => {
    if (isMap(node)) {
      const keys = new Set<string>();
      for (const pair of node.items) {
        visit(pair.value);
        const key = pair.key;
        if (!isScalar(key) || key.value === '<<') continue;
        const id = `${typeof key.value}:${String(key.value)}`;
        if (!keys.has(id)) { keys.add(id); continue; }
        const line = lineOf(pair.value) || lineOf(key);
        out.push(`line ${line}: key ${goSyntax(key.value)} already set in map`);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) visit(item);
    }
  };
  visit(doc.contents);
  return out;
}

function yamlUnmarshalErrors(lines: string[]): string {
  return `yaml: unmarshal errors:\n  ${lines.join('\n  ')}`;
}

/** One warning per problem; a YAML error holding several lines becomes one warning per line. */
function warningTexts(problem: string): string[] {
  const prefix = 'yaml: unmarshal errors:\n';
  if (!problem.startsWith(prefix)) return [problem];
  return problem.slice(prefix.length).split('\n').map((s) => s.trim());
}

// ---- errors ---------------------------------------------------------------------------------

/**
 * The 400 for a body upstream could not decode into its Go type:
 * `Deployment in version "v1" cannot be handled as a Deployment: <detail>`.
 */
function decodeError(body: unknown, rootType: string, detail: string): ApiError {
  const parts = rootType.split('.');
  const objKind = parts[parts.length - 1];
  const defaultVersion = parts[parts.length - 2] ?? '';
  const b = (body && typeof body === 'object' ? body : {}) as { apiVersion?: unknown; kind?: unknown };
  const kind = typeof b.kind === 'string' && b.kind ? b.kind : objKind;
  let version = defaultVersion;
  if (typeof b.apiVersion === 'string' && b.apiVersion) {
    const slash = b.apiVersion.lastIndexOf('/');
    version = slash < 0 ? b.apiVersion : b.apiVersion.slice(slash + 1);
  }
  return badRequest(`${kind} in version ${goQuote(version)} cannot be handled as a ${objKind}: ${detail}`);
}

/** Upstream's NewInvalid with an empty kind and name over one `patch` field error. */
function invalidPatch(shown: string, detail: string): ApiError {
  const message = `Invalid value: ${goQuote(shown)}: ${detail}`;
  const cause: StatusCause = { reason: 'FieldValueInvalid', message, field: 'patch' };
  return new ApiError(422, 'Invalid', ` "" is invalid: patch: ${message}`, { causes: [cause] });
}

// ---- Warning headers ------------------------------------------------------------------------

const WARNING_TOTAL_RUNES = 4 * 1024;
const WARNING_ITEM_RUNES = 256;

/**
 * The values of the `Warning` response headers for these texts, as upstream's warning recorder
 * writes them: `299 - "text"`, each text once, and once more than 4096 characters in total are
 * written, every text cut to 256 characters and the rest dropped. Texts with control characters
 * are not sent. Values are byte strings (UTF-8 in latin1), ready for `res.setHeader`.
 */
export function warningHeaderValues(texts: readonly string[]): string[] {
  const recorded = new Set<string>();
  const ordered: string[] = [];
  let headers: string[] = [];
  let written = 0;
  let truncating = false;
  for (const text of texts) {
    if (text === '') continue;
    if (truncating && written >= WARNING_TOTAL_RUNES) break;
    if (recorded.has(text)) continue;
    recorded.add(text);
    ordered.push(text);
    const shown = truncating ? truncateRunes(text, WARNING_ITEM_RUNES) : text;
    const header = warningHeader(shown);
    if (header === undefined) continue;
    const runes = runeCount(shown);
    if (truncating || written + runes <= WARNING_TOTAL_RUNES) {
      written += runes;
      headers.push(header);
      continue;
    }
    // Over the limit: start again, with every text so far cut short.
    truncating = true;
    written = 0;
    headers = [];
    for (const earlier of ordered) {
      const cut = truncateRunes(earlier, WARNING_ITEM_RUNES);
      const h = warningHeader(cut);
      if (h === undefined) continue;
      written += runeCount(cut);
      headers.push(h);
    }
  }
  return headers;
}

/** `299 - "text"` with `"` and `\` escaped; undefined for text a header cannot carry. */
function warningHeader(text: string): string | undefined {
  // Control characters (C0, DEL, C1) and lone surrogates are refused, as upstream refuses them.
  if (/[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)) return undefined;
  const value = `299 - "${text.replace(/["\\]/g, '\\$&')}"`;
  return Buffer.from(value, 'utf8').toString('latin1');
}

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function truncateRunes(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    if (n++ === max) break;
    out += ch;
  }
  return out;
}

// ---- Go formatting --------------------------------------------------------------------------

/** Go's %q (strconv.Quote): printable text as is, escapes for the rest. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c < 0x80) out += GO_ESCAPES[c] ?? `\\x${c.toString(16).padStart(2, '0')}`;
    else if (/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) out += ch;
    else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

const GO_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

/** Go's %#v of a YAML key: quoted strings, plain numbers and booleans, <nil> for null. */
function goSyntax(v: unknown): string {
  if (typeof v === 'string') return goQuote(v);
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number') return goNumber(v);
  return String(v);
}

/**
 * Go's %+v of a decoded JSON value (map[string]interface{} and friends): `map[k:v ...]` with
 * sorted keys, `[a b]`, bare strings, <nil>.
 */
function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goValue(o[k])}`).join(' ')}]`;
  }
  if (typeof v === 'number') return goNumber(v);
  return String(v);
}

/** JSON integers decode to int64 (printed plainly); other numbers as Go's %v of a float64 (%g). */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  const [mantissa, exp] = n.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(n);
}
