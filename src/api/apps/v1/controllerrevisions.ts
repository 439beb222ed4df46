// apps/v1 ControllerRevision: immutable snapshots of a controller's template (StatefulSet and
// DaemonSet history), with upstream's validation and table.
import type { ControllerRevision } from 'kubernetes-types/apps/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, invalidValue, required } from '../../../machinery/validation.ts';
import { nonNegative, semanticEqual } from '../../common/workload-validation.ts';
import { AGE_COLUMN, NAME_COLUMN } from '../../common/workload-table.ts';

/** "statefulset.apps/web": the controlling owner as upstream prints it, "<none>" without one. */
function controllerName(rev: ControllerRevision): string {
  const ref = rev.metadata?.ownerReferences?.find((r) => r.controller === true);
  if (!ref) return '<none>';
  const slash = (ref.apiVersion ?? '').indexOf('/');
  const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : '';
  const groupKind = group ? `${ref.kind}.${group}` : ref.kind;
  return groupKind ? `${groupKind.toLowerCase()}/${ref.name}` : ref.name;
}

export const controllerRevisions: ResourceDefinition<ControllerRevision & KObject> = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,

  defaults(rev) {
    // revision is a required int64; a missing one decodes as 0 upstream.
    rev.revision ??= 0;
  },
  validate(rev): FieldError[] {
    const errs: FieldError[] = [];
    if (rev.data === undefined || rev.data === null) errs.push(required('data', 'data is mandatory'));
    errs.push(...nonNegative(rev.revision, 'revision'));
    return errs;
  },
  validateUpdate(rev, old) {
    // Upstream renders the RawExtension with %#v here; JSON is the readable equivalent.
    return semanticEqual(rev.data, old.data) ? [] : [invalidValue('data', rev.data ?? null, 'field is immutable')];
  },

  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Controller', type: 'string', description: 'Controller of the object' },
      { name: 'Revision', type: 'string', description: 'Revision indicates the revision of the state represented by Data.' },
      AGE_COLUMN,
    ],
    row: (rev, ctx) => [rev.metadata?.name ?? '', controllerName(rev), rev.revision ?? 0, ctx.age(rev.metadata?.creationTimestamp)],
  },
};
