// Field paths and field sets, the vocabulary of server-side apply's ownership tracking.
// A path is a list of elements, each written in its FieldsV1 form: "f:<field>" for a struct or
// map field, "k:<json of key fields>" for an item of an associative list, "v:<json>" for an item
// of a set, "i:<index>" for an item picked by position. That written form is canonical (key
// fields sorted, JSON as Go writes it), so an element is simply a string and a set of paths is a
// tree of strings. Ordering and printing follow upstream so managedFields and conflict messages
// read exactly as kube-apiserver's do.

export type Path = readonly string[];

type ParsedElement =
  | { type: 'field'; name: string }
  | { type: 'key'; fields: Array<[string, unknown]> }
  | { type: 'value'; value: unknown }
  | { type: 'index'; index: number };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// ---- JSON and quoting as Go writes them ------------------------------------------------------

/** A JSON string as Go's encoding/json writes it (HTML-safe escapes included). */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029\b\f]/g, (c) => {
    if (c === '\b') return '\\u0008';
    if (c === '\f') return '\\u000c';
    return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
  });
}

/** JSON as Go's encoding/json writes a decoded value: map keys sorted, HTML characters escaped. */
export function goJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${goJsonString(k)}:${goJson(v[k])}`).join(',')}}`;
  }
  return 'null';
}

/** Go's %q: a double-quoted string with Go escapes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** How upstream prints a value inside a path ("web" quoted, numbers bare). */
function valueToString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(valueToString).join(',')}]`;
  if (isPlainObject(v)) return Object.keys(v).sort().map((k) => `${k}=${valueToString(v[k])}`).join('');
  return String(v);
}

// ---- path elements ---------------------------------------------------------------------------

export function fieldElement(name: string): string {
  return `f:${name}`;
}

/** An associative-list item named by its key fields (sorted by name, as upstream keeps them). */
export function keyElement(fields: Array<[string, unknown]>): string {
  const sorted = [...fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `k:{${sorted.map(([name, value]) => `${goJsonString(name)}:${goJson(value)}`).join(',')}}`;
}

export function valueElement(value: unknown): string {
  return `v:${goJson(value)}`;
}

export function indexElement(index: number): string {
  return `i:${index}`;
}

export class PathElementError extends Error {}

const parsedCache = new Map<string, ParsedElement>();

/** Parses a serialized element; throws PathElementError when it is malformed or of unknown type. */
export function parseElement(s: string): ParsedElement {
  const hit = parsedCache.get(s);
  if (hit) return hit;
  if (s.length < 2 || s[1] !== ':') throw new PathElementError(`invalid path element ${JSON.stringify(s)}`);
  const body = s.slice(2);
  let parsed: ParsedElement;
  try {
    switch (s[0]) {
      case 'f':
        parsed = { type: 'field', name: body };
        break;
      case 'k': {
        const obj = JSON.parse(body) as unknown;
        if (!isPlainObject(obj)) throw new PathElementError(`invalid key ${body}`);
        parsed = { type: 'key', fields: Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
        break;
      }
      case 'v':
        parsed = { type: 'value', value: JSON.parse(body) };
        break;
      case 'i': {
        if (!/^-?\d+$/.test(body)) throw new PathElementError(`invalid index ${body}`);
        parsed = { type: 'index', index: Number(body) };
        break;
      }
      default:
        throw new PathElementError(`unknown path element type ${JSON.stringify(s)}`);
    }
  } catch (err) {
    if (err instanceof PathElementError) throw err;
    throw new PathElementError(`invalid path element ${JSON.stringify(s)}: ${(err as Error).message}`);
  }
  if (parsedCache.size > 10_000) parsedCache.clear();
  parsedCache.set(s, parsed);
  return parsed;
}

/** The canonical written form of an element read from a client (key fields re-sorted). */
export function canonicalElement(s: string): string {
  const pe = parseElement(s);
  switch (pe.type) {
    case 'field': return s;
    case 'key': return keyElement(pe.fields);
    case 'value': return valueElement(pe.value);
    case 'index': return indexElement(pe.index);
  }
}

const TYPE_RANK = { field: 0, key: 1, value: 2, index: 3 } as const;

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function valueRank(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (isPlainObject(v)) return 4;
  return 5; // null
}

/** A total order on values: numbers, strings, booleans, lists, maps, null. */
function compareValues(a: unknown, b: unknown): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0: return (a as number) - (b as number);
    case 1: return compareStrings(a as string, b as string);
    case 2: return Number(a) - Number(b);
    case 3: {
      const la = a as unknown[];
      const lb = b as unknown[];
      for (let i = 0; i < Math.min(la.length, lb.length); i++) {
        const c = compareValues(la[i], lb[i]);
        if (c !== 0) return c;
      }
      return la.length - lb.length;
    }
    case 4: return compareStrings(goJson(a), goJson(b));
    default: return 0;
  }
}

/** Upstream's element order: fields, then keys, then values, then indexes. */
export function compareElements(a: string, b: string): number {
  if (a === b) return 0;
  const pa = parseElement(a);
  const pb = parseElement(b);
  if (pa.type !== pb.type) return TYPE_RANK[pa.type] - TYPE_RANK[pb.type];
  switch (pa.type) {
    case 'field': return compareStrings(pa.name, (pb as typeof pa).name);
    case 'index': return pa.index - (pb as typeof pa).index;
    case 'value': return compareValues(pa.value, (pb as typeof pa).value);
    case 'key': {
      const fa = pa.fields;
      const fb = (pb as typeof pa).fields;
      for (let i = 0; i < Math.min(fa.length, fb.length); i++) {
        const c = compareStrings(fa[i][0], fb[i][0]) || compareValues(fa[i][1], fb[i][1]);
        if (c !== 0) return c;
      }
      return fa.length - fb.length;
    }
  }
}

/** An element as upstream prints it in paths: `.name`, `[name="web"]`, `[=value]`, `[3]`. */
export function elementString(s: string): string {
  const pe = parseElement(s);
  switch (pe.type) {
    case 'field': return `.${pe.name}`;
    case 'key': return `[${pe.fields.map(([n, v]) => `${n}=${valueToString(v)}`).join(',')}]`;
    case 'value': return `[=${valueToString(pe.value)}]`;
    case 'index': return `[${pe.index}]`;
  }
}

/** A path as upstream prints it, e.g. `.spec.template.spec.containers[name="web"].image`. */
export function pathString(path: Path): string {
  return path.map(elementString).join('');
}

// ---- field sets ------------------------------------------------------------------------------

/**
 * A set of paths kept as a tree: `members` are the elements that end a path at this level,
 * `children` the elements that lead to deeper paths. An element may be both.
 */
export class FieldSet {
  readonly members = new Set<string>();
  readonly children = new Map<string, FieldSet>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: Path): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) {
      let child = node.children.get(path[i]);
      if (!child) node.children.set(path[i], (child = new FieldSet()));
      node = child;
    }
    node.members.add(path[path.length - 1]);
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && node; i++) node = node.children.get(path[i]);
    return !!node && node.members.has(path[path.length - 1]);
  }

  isEmpty(): boolean {
    if (this.members.size) return false;
    for (const child of this.children.values()) if (!child.isEmpty()) return false;
    return true;
  }

  clone(): FieldSet {
    return this.union(new FieldSet());
  }

  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const m of other.members) out.members.add(m);
    for (const [pe, child] of this.children) {
      const o = other.children.get(pe);
      out.children.set(pe, o ? child.union(o) : child.clone());
    }
    for (const [pe, child] of other.children) if (!this.children.has(pe)) out.children.set(pe, child.clone());
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (other.members.has(m)) out.members.add(m);
    for (const [pe, child] of this.children) {
      const o = other.children.get(pe);
      if (!o) continue;
      const i = child.intersection(o);
      if (!i.isEmpty()) out.children.set(pe, i);
    }
    return out;
  }

  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    for (const [pe, child] of this.children) {
      const o = other.children.get(pe);
      const d = o ? child.difference(o) : child.clone();
      if (!d.isEmpty()) out.children.set(pe, d);
    }
    return out;
  }

  /** Like difference, but a path in `other` also takes away everything beneath it. */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    for (const [pe, child] of this.children) {
      if (other.members.has(pe)) continue;
      const o = other.children.get(pe);
      const d = o ? child.recursiveDifference(o) : child.clone();
      if (!d.isEmpty()) out.children.set(pe, d);
    }
    return out;
  }

  /** Every path, in upstream's order: a level's members (sorted), then its children (sorted). */
  paths(): Path[] {
    const out: Path[] = [];
    const walk = (node: FieldSet, prefix: string[]) => {
      for (const m of [...node.members].sort(compareElements)) out.push([...prefix, m]);
      for (const pe of [...node.children.keys()].sort(compareElements)) walk(node.children.get(pe)!, [...prefix, pe]);
    };
    walk(this, []);
    return out;
  }

  /** The FieldsV1 document: `{}` for a member, `"."` marking a member that also has children. */
  toFieldsV1(): Record<string, unknown> {
    return emitV1(this, false);
  }

  /** Reads a FieldsV1 document; throws PathElementError on malformed input. */
  static fromFieldsV1(doc: unknown): FieldSet {
    if (!isPlainObject(doc)) throw new PathElementError('FieldsV1 must be a JSON object');
    return readV1(doc).set ?? new FieldSet();
  }
}

function emitV1(set: FieldSet, includeSelf: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const elements = new Set<string>([...set.members, ...[...set.children.entries()].filter(([, c]) => !c.isEmpty()).map(([pe]) => pe)]);
  if (includeSelf && elements.size) out['.'] = {};
  for (const pe of [...elements].sort(compareElements)) {
    const child = set.children.get(pe);
    const hasChild = !!child && !child.isEmpty();
    out[pe] = hasChild ? emitV1(child!, set.members.has(pe)) : {};
  }
  return out;
}

function readV1(doc: Record<string, unknown>): { set: FieldSet | undefined; isMember: boolean } {
  let set: FieldSet | undefined;
  let isMember = false;
  for (const [key, value] of Object.entries(doc)) {
    if (key === '.') { isMember = true; continue; }
    if (!isPlainObject(value)) throw new PathElementError(`FieldsV1 entry ${JSON.stringify(key)} must be an object`);
    let pe: string;
    try {
      pe = canonicalElement(key);
    } catch (err) {
      // Upstream drops element types it does not know (a newer format), and rejects malformed ones.
      if (err instanceof PathElementError && !/^[fkvi]:/.test(key)) continue;
      throw err;
    }
    const child = readV1(value);
    set ??= new FieldSet();
    if (child.isMember) set.members.add(pe);
    if (child.set) {
      const existing = set.children.get(pe);
      set.children.set(pe, existing ? existing.union(child.set) : child.set);
    }
  }
  if (!set) isMember = true;
  return { set, isMember };
}
