// JSON Patch (RFC 6902, `application/json-patch+json`) with the semantics kube-apiserver has: it
// applies patches with evanphx/json-patch v4, whose quirks clients can observe and we keep:
//  - a null member and a missing member look the same ("replace" of a missing member adds it,
//    "test" for null passes on a missing member, "copy" from a missing member copies null);
//  - negative array indices count from the end;
//  - the whole document ("" path) can only be replaced or tested;
//  - the first path segment is ignored, so only the segments after the first "/" matter.
// A patch document that is not a list of objects is a 400. Every failure while applying is a 422
// whose message says nothing more than upstream's does; the detail rides along as `cause`.
import { ApiError, badRequest } from './errors.ts';

/** kube-apiserver refuses longer patches (maxJSONPatchOperations). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;
/** How much "copy" operations may grow a document (the apiserver's default JSONPatchMaxCopyBytes). */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

export const JSON_PATCH_REJECTED = 'the server rejected our request due to an error in our request';

type JsonObject = Record<string, unknown>;
type Container = JsonObject | unknown[];
type Operation = Record<string, unknown>;

/** Internal: why the patch did not apply, as the library would say it. */
class PatchFailure extends Error {}

function rejected(detail: string): ApiError {
  const err = new ApiError(422, 'Invalid', JSON_PATCH_REJECTED, {});
  err.cause = new Error(detail);
  return err;
}

/** Go's name for a JSON value's kind, as encoding/json's UnmarshalTypeError prints it. */
function goJsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v; // object, string, number
}

/** The patch document as upstream's DecodePatch accepts it: a JSON list of objects (or null). */
function decodePatch(patch: unknown): (Operation | null)[] {
  if (patch === null || patch === undefined) return [];
  if (!Array.isArray(patch)) {
    throw badRequest(`json: cannot unmarshal ${goJsonKind(patch)} into Go value of type jsonpatch.Patch`);
  }
  return patch.map((op) => {
    if (op === null) return null;
    if (typeof op !== 'object' || Array.isArray(op)) {
      throw badRequest(`json: cannot unmarshal ${goJsonKind(op)} into Go value of type jsonpatch.Operation`);
    }
    return op as Operation;
  });
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;

/** Sets a member without letting a "__proto__" key reach the prototype. */
function setMember(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** RFC 6901 unescaping: "~1" is "/", then "~0" is "~". */
const decodeKey = (k: string) => k.replaceAll('~1', '/').replaceAll('~0', '~');

/** strconv.Atoi, the library's index parser: an optional sign and decimal digits. */
function parseIndex(key: string): number {
  if (!/^[+-]?[0-9]+$/.test(key)) throw new PatchFailure(`strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`);
  return Number(key);
}

/** Resolves a possibly negative index against `length`, or fails. */
function resolveIndex(idx: number, length: number): number {
  if (idx >= length || idx < -length) throw new PatchFailure(`Unable to access invalid index: ${idx}`);
  return idx < 0 ? idx + length : idx;
}

/** The member at `key`, with null and absent both reading as undefined. */
function get(con: Container, key: string): unknown {
  if (Array.isArray(con)) {
    const v = con[resolveIndex(parseIndex(key), con.length)];
    return v === null ? undefined : v;
  }
  const v = Object.hasOwn(con, key) ? con[key] : undefined;
  return v === null ? undefined : v;
}

function add(con: Container, key: string, value: unknown): void {
  if (!Array.isArray(con)) return setMember(con, key, value);
  if (key === '-') {
    con.push(value);
    return;
  }
  const idx = resolveIndex(parseIndex(key), con.length + 1);
  con.splice(idx, 0, value);
}

function remove(con: Container, key: string): void {
  if (Array.isArray(con)) {
    con.splice(resolveIndex(parseIndex(key), con.length), 1);
    return;
  }
  if (!Object.hasOwn(con, key)) throw new PatchFailure(`Unable to remove nonexistent key: ${key}: missing value`);
  delete con[key];
}

/** The container holding `path`'s target and the target's key, as the library finds it. */
function findContainer(root: Container, path: string): [Container, string] | undefined {
  const segments = path.split('/');
  if (segments.length < 2) return undefined;
  let doc: Container = root;
  for (const part of segments.slice(1, -1)) {
    let next: unknown;
    try {
      next = get(doc, decodeKey(part));
    } catch {
      return undefined;
    }
    if (!isContainer(next)) return undefined;
    doc = next;
  }
  return [doc, decodeKey(segments[segments.length - 1])];
}

function stringField(op: Operation, name: 'path' | 'from', what: string): string {
  const v = op[name];
  if (v === undefined || v === null) throw new PatchFailure(`${what}: missing value`);
  if (typeof v !== 'string') throw new PatchFailure(`${what}: json: cannot unmarshal ${goJsonKind(v)} into Go value of type string`);
  return v;
}

/** The operation's value; an absent value is null to the library. */
const operationValue = (op: Operation) => (op.value === undefined ? null : structuredClone(op.value));

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Applies the patch to a copy of `doc`; neither argument is modified. */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  const ops = decodePatch(patch);
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new ApiError(413, 'RequestEntityTooLarge',
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  }
  if (!isContainer(doc)) throw rejected('the document to patch is not a JSON object or array');
  let root: Container = structuredClone(doc);
  let copiedBytes = 0;

  const target = (path: string, what: string): [Container, string] => {
    const found = findContainer(root, path);
    if (!found) throw new PatchFailure(`${what}: "${path}"`);
    return found;
  };

  try {
    for (const op of ops) {
      const kind = op && typeof op.op === 'string' ? op.op : 'unknown';
      switch (kind) {
        case 'add': {
          const path = stringField(op!, 'path', 'add operation failed to decode path');
          const [con, key] = target(path, 'add operation does not apply: doc is missing path');
          add(con, key, operationValue(op!));
          break;
        }
        case 'remove': {
          const path = stringField(op!, 'path', 'remove operation failed to decode path');
          const [con, key] = target(path, 'remove operation does not apply: doc is missing path');
          remove(con, key);
          break;
        }
        case 'replace': {
          const path = stringField(op!, 'path', 'replace operation failed to decode path');
          if (path === '') {
            const value = operationValue(op!);
            if (!isContainer(value)) throw new PatchFailure('replace operation value must be object or array');
            root = value;
            break;
          }
          const [con, key] = target(path, 'replace operation does not apply: doc is missing path');
          get(con, key); // an array index must exist; an object member need not
          if (Array.isArray(con)) con[resolveIndex(parseIndex(key), con.length)] = operationValue(op!);
          else setMember(con, key, operationValue(op!));
          break;
        }
        case 'move': {
          const from = stringField(op!, 'from', 'move operation failed to decode from');
          const [fromCon, fromKey] = target(from, 'move operation does not apply: doc is missing from path');
          const value = get(fromCon, fromKey);
          remove(fromCon, fromKey);
          const path = stringField(op!, 'path', 'move operation failed to decode path');
          const [con, key] = target(path, 'move operation does not apply: doc is missing destination path');
          add(con, key, value ?? null);
          break;
        }
        case 'copy': {
          const from = stringField(op!, 'from', 'copy operation failed to decode from');
          const [fromCon, fromKey] = target(from, 'copy operation does not apply: doc is missing from path');
          const value = get(fromCon, fromKey);
          const path = stringField(op!, 'path', 'copy operation failed to decode path');
          const [con, key] = target(path, 'copy operation does not apply: doc is missing destination path');
          if (value !== undefined) copiedBytes += Buffer.byteLength(JSON.stringify(value));
          if (copiedBytes > MAX_JSON_PATCH_COPY_BYTES) {
            throw new PatchFailure(`Unable to complete the copy, the accumulated size increase of copy is ${copiedBytes}, exceeding the limit ${MAX_JSON_PATCH_COPY_BYTES}`);
          }
          add(con, key, value === undefined ? null : structuredClone(value));
          break;
        }
        case 'test': {
          const path = stringField(op!, 'path', 'test operation failed to decode path');
          if (op!.value === undefined) throw new PatchFailure(`testing value ${path} failed: test failed`);
          const expected = op!.value;
          const actual = path === '' ? root : get(...target(path, 'test operation does not apply: is missing path'));
          // A null or absent member only ever equals null.
          const equal = actual === undefined ? expected === null : deepEqual(actual, expected);
          if (!equal) throw new PatchFailure(`testing value ${path} failed: test failed`);
          break;
        }
        default:
          throw new PatchFailure(`Unexpected kind: ${kind}`);
      }
    }
  } catch (err) {
    if (err instanceof PatchFailure) throw rejected(err.message);
    throw err;
  }
  return root;
}
