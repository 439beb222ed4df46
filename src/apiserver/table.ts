// Server-side printing: objects as a meta.k8s.io/v1 Table with each kind's upstream columns,
// which is what `kubectl get` prints.
import type { KObject, ResourceDefinition, TableColumn } from '../api/types.ts';
import { age } from '../machinery/duration.ts';

const NAME_DESCRIPTION = 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

export interface TableListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export function toTable(def: ResourceDefinition, objects: KObject[], listMeta: TableListMeta,
  includeObject: 'None' | 'Metadata' | 'Object', withColumns = true): KObject {
  const now = new Date();
  const ctx = { now, age: (ts: string | undefined) => age(ts, now) };
  const rows = objects.map((obj) => {
    const row: Record<string, unknown> = { cells: safeRow(def, obj, ctx) };
    if (includeObject === 'Object') row.object = obj;
    else if (includeObject === 'Metadata') row.object = partialMetadata(obj);
    return row;
  });
  const table: KObject = {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { ...listMeta },
    columnDefinitions: withColumns ? def.table.columns.map(columnDefinition) : [],
    rows,
  };
  return table;
}

export function partialMetadata(obj: KObject): KObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

function columnDefinition(c: TableColumn) {
  return {
    name: c.name, type: c.type, format: c.format ?? '',
    description: c.description ?? (c.format === 'name' ? NAME_DESCRIPTION : ''),
    priority: c.priority ?? 0,
  };
}

/** A bad object must not fail a whole list: print what can be printed. */
function safeRow(def: ResourceDefinition, obj: KObject, ctx: { now: Date; age(ts: string | undefined): string }): unknown[] {
  try {
    return def.table.row(obj, ctx);
  } catch {
    return def.table.columns.map((c, i) => (i === 0 ? obj.metadata?.name ?? '' : c.type === 'string' ? '<unknown>' : 0));
  }
}
