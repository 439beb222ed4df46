// Repeated keys in JSON text. JSON.parse keeps the last value of a repeated key and says
// nothing, while upstream's strict decoder reports `duplicate field "metadata.name"`; so the raw
// text is walked once more, linearly, to see what the parsed value no longer shows.
//
// `walkJsonKeys` is the general walk: a walker decides, member by member, whether to look inside a
// value (and with what state) and learns whether the member repeats a key of its object. Values it
// declines are skipped without tracking keys, the way a typed decoder skips what it does not know.

export type JsonPathSegment = string | number;

export interface JsonKeyWalker<S> {
  /**
   * A member `key` of an object the walker entered with state `parent`; `path` leads to that
   * object. Returns the state to enter the member's value with, or undefined to skip the value.
   */
  member(parent: S, key: string, duplicate: boolean, path: readonly JsonPathSegment[]): S | undefined;
  /** An element of an array entered with state `parent`; same contract as `member`. */
  element(parent: S, index: number, path: readonly JsonPathSegment[]): S | undefined;
}

/** upstream's field path: keys joined with ".", list positions as "[i]" ("spec.containers[0].name"). */
export function formatJsonPath(path: readonly JsonPathSegment[], last?: JsonPathSegment): string {
  let out = '';
  for (const seg of path) out = appendSegment(out, seg);
  return last === undefined ? out : appendSegment(out, last);
}

function appendSegment(out: string, seg: JsonPathSegment): string {
  if (typeof seg === 'number') return `${out}[${seg}]`;
  return out === '' ? seg : `${out}.${seg}`;
}

/** The paths of keys that repeat within their object, each once, in the order they first repeat. */
export function findDuplicateKeys(text: string): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  walkJsonKeys<true>(text, true, {
    member(_parent, key, duplicate, path) {
      if (duplicate) {
        const p = formatJsonPath(path, key);
        if (!seen.has(p)) { seen.add(p); found.push(p); }
      }
      return true;
    },
    element: () => true,
  });
  return found;
}

const OBJECT = 1;
const ARRAY = 2;
/** Objects with more keys than this remember them in a Set instead of scanning a list. */
const SMALL_OBJECT = 16;

/**
 * Walks the members and elements of the JSON text in document order. The text is expected to be
 * valid JSON (it was parsed before); on anything unexpected the walk simply stops. The walk is
 * iterative, so deeply nested input cannot overflow the stack.
 */
export function walkJsonKeys<S>(text: string, root: S, walker: JsonKeyWalker<S>): void {
  const n = text.length;
  const path: JsonPathSegment[] = [];
  // One entry per open container the walker entered.
  const kinds: number[] = [];
  const states: S[] = [];
  const counts: number[] = [];
  const bigKeys: (Set<string> | undefined)[] = [];
  // Key lists are reused across objects at the same depth, so steady state allocates nothing.
  const keyLists: string[][] = [];

  let i = skipSpace(text, 0);

  /** Starts the value at i: opens a container to walk, or skips it. Returns false on bad input. */
  const begin = (state: S | undefined, segment: JsonPathSegment | undefined): boolean => {
    const c = text.charCodeAt(i);
    if (state !== undefined && (c === 0x7b /* { */ || c === 0x5b /* [ */)) {
      if (segment !== undefined) path.push(segment);
      const depth = kinds.length;
      kinds.push(c === 0x7b ? OBJECT : ARRAY);
      states.push(state);
      counts.push(0);
      bigKeys.push(undefined);
      if (c === 0x7b) {
        while (keyLists.length <= depth) keyLists.push([]);
        keyLists[depth].length = 0;
      }
      i++;
      return true;
    }
    const end = skipValue(text, i);
    if (end < 0) return false;
    i = end;
    return true;
  };

  if (i >= n || !begin(root, undefined)) return;
  while (kinds.length > 0) {
    i = skipSpace(text, i);
    const top = kinds.length - 1;
    let c = text.charCodeAt(i);
    if (c === 0x2c /* , */) {
      i = skipSpace(text, i + 1);
      c = text.charCodeAt(i);
    }
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      i++;
      kinds.pop(); states.pop(); counts.pop(); bigKeys.pop();
      if (kinds.length > 0) path.pop();
      continue;
    }
    if (kinds[top] === ARRAY) {
      const index = counts[top]++;
      if (!begin(walker.element(states[top], index, path), index)) return;
      continue;
    }
    // An object member: "key" : value
    if (c !== 0x22 /* " */) return;
    const close = skipString(text, i);
    if (close < 0) return;
    const key = readKey(text, i, close);
    i = skipSpace(text, close);
    if (text.charCodeAt(i) !== 0x3a /* : */) return;
    i = skipSpace(text, i + 1);
    const duplicate = rememberKey(keyLists[top], bigKeys, top, key);
    if (!begin(walker.member(states[top], key, duplicate, path), key)) return;
  }
}

/** Records key in the object's key list; true when it was already there. */
function rememberKey(list: string[], bigKeys: (Set<string> | undefined)[], top: number, key: string): boolean {
  const big = bigKeys[top];
  if (big !== undefined) {
    if (big.has(key)) return true;
    big.add(key);
    return false;
  }
  for (let k = 0; k < list.length; k++) if (list[k] === key) return true;
  list.push(key);
  if (list.length > SMALL_OBJECT) bigKeys[top] = new Set(list);
  return false;
}

function readKey(text: string, open: number, close: number): string {
  const raw = text.slice(open + 1, close - 1);
  return raw.includes('\\') ? JSON.parse(text.slice(open, close)) as string : raw;
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** From an opening quote, the index just past the closing one (-1 when unterminated). */
function skipString(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) return -1;
    let backslashes = 0;
    for (let k = q - 1; text.charCodeAt(k) === 0x5c /* \ */; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** The index just past the value starting at i, without looking inside it (-1 on bad input). */
function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x22) return skipString(text, i);
  if (c !== 0x7b && c !== 0x5b) {
    // A number, true, false or null: runs until a delimiter.
    let j = i;
    for (;;) {
      const d = text.charCodeAt(j);
      if (Number.isNaN(d) || d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
      j++;
    }
    return j === i ? -1 : j;
  }
  let depth = 0;
  let j = i;
  const n = text.length;
  while (j < n) {
    const d = text.charCodeAt(j);
    if (d === 0x22) {
      j = skipString(text, j);
      if (j < 0) return -1;
      continue;
    }
    if (d === 0x7b || d === 0x5b) depth++;
    else if (d === 0x7d || d === 0x5d) {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  return -1;
}
