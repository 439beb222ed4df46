// JSON Merge Patch (RFC 7386, `application/merge-patch+json`) as kube-apiserver applies it (with
// evanphx/json-patch's MergePatch): null deletes a member, objects merge recursively, anything
// else replaces. Like upstream, nulls inside a value that is newly added (or that replaces a
// non-object) are pruned from the objects within it, even objects nested in arrays.
import { badRequest } from './errors.ts';

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets a member without letting a "__proto__" key reach the prototype. */
function setMember(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A copy of `v` with null members dropped from every object in it (array elements stay). */
function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pruneNulls);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, child] of Object.entries(v)) {
    if (child !== null) setMember(out, k, pruneNulls(child));
  }
  return out;
}

/** Merges `patch` into `doc` in place (`doc` is already the caller's private copy). */
function mergeInto(doc: JsonObject, patch: JsonObject): JsonObject {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete doc[k];
      continue;
    }
    const current = Object.hasOwn(doc, k) ? doc[k] : null;
    if (isObject(current) && isObject(v)) mergeInto(current, v);
    else if (isObject(current)) setMember(doc, k, structuredClone(v)); // upstream skips pruning here
    else setMember(doc, k, pruneNulls(v));
  }
  return doc;
}

/**
 * Applies the merge patch to a copy of `doc`; neither argument is modified, and the result
 * shares nothing with them. A patch that is null or not an object or array is a 400.
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) return pruneNulls(patch);
  if (!isObject(patch)) throw badRequest('Invalid JSON Patch');
  if (!isObject(doc)) return pruneNulls(patch);
  return mergeInto(structuredClone(doc), patch);
}
