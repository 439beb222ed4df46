// managedFields on every write and server-side apply, bound to skiff's schema model. The
// generic registry calls these hooks without knowing about schemas.
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1';
import type { KObject, ResourceDefinition } from '../api/types.ts';
import { definitionName } from '../api/openapi/model.ts';
import { loadSchemaModel } from '../api/openapi/load-model.ts';
import { applyPatch, updateManagedFields } from '../machinery/managed-fields.ts';
import { rfc3339 } from '../machinery/meta.ts';

export interface FieldManager {
  /** The managedFields an ordinary write leaves (empty: none). */
  update(def: ResourceDefinition, old: KObject | undefined, updated: KObject, manager: string, subresource: string | undefined): ManagedFieldsEntry[];
  /** Server-side apply of `applied` onto `live` (undefined: the apply creates it). */
  apply(def: ResourceDefinition, live: KObject | undefined, applied: KObject, manager: string, force: boolean, subresource: string | undefined): KObject;
}

function rootType(def: ResourceDefinition, subresource: string | undefined): string {
  return subresource === 'scale' ? 'io.k8s.api.autoscaling.v1.Scale' : definitionName(def.group, def.version, def.kind);
}

export const schemaFieldManager: FieldManager = {
  update(def, old, updated, manager, subresource) {
    return updateManagedFields({
      old, updated, manager, operation: 'Update', subresource, now: rfc3339(new Date()),
      schema: loadSchemaModel(), rootType: rootType(def, subresource),
      resetFields: def.statusSubresource && !subresource ? ['status'] : undefined,
    });
  },
  apply(def, live, applied, manager, force, subresource) {
    const apiVersion = def.group ? `${def.group}/${def.version}` : def.version;
    return applyPatch({
      live, applied, manager, force, now: rfc3339(new Date()), schema: loadSchemaModel(),
      rootType: rootType(def, subresource), apiVersion, subresource,
      resetFields: def.statusSubresource && !subresource ? ['status'] : undefined,
    }).object as KObject;
  },
};
