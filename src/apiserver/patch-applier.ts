// Strategic merge patches (and, later, server-side apply) need each kind's schema: merge keys,
// patch strategies, list types. This binds the patch machinery to skiff's schema model.
import type { KObject, ResourceDefinition } from '../api/types.ts';
import { definitionName } from '../api/openapi/model.ts';
import { loadSchemaModel } from '../api/openapi/load-model.ts';
import { applyStrategicMergePatch, StrategicMergePatchError } from '../machinery/strategic-merge-patch.ts';
import { ApiError } from '../machinery/errors.ts';
import { applyMergePatch } from '../machinery/merge-patch.ts';
import type { PatchType } from './generic-registry.ts';

export function schemaPatchApplier(def: ResourceDefinition, current: KObject, patch: unknown, type: PatchType): KObject {
  if (type !== 'strategic') return applyMergePatch(current, patch) as KObject;
  try {
    const result = applyStrategicMergePatch(current, patch, loadSchemaModel(), definitionName(def.group, def.version, def.kind));
    // Upstream decodes the result into typed structs, where a null is simply absent.
    return dropNulls(result) as KObject;
  } catch (err) {
    if (!(err instanceof StrategicMergePatchError)) throw err;
    if (err.code === 400) throw new ApiError(400, 'BadRequest', err.message);
    if (err.code === 422) throw new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request');
    throw new ApiError(500, '', err.message);
  }
}

function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x);
    return out;
  }
  return v;
}
