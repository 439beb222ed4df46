// NamespaceLifecycle admission, as upstream: nothing is created in a namespace that does not
// exist (404) or is being terminated (403), and the system namespaces cannot be deleted.
import type { KObject } from '../../api/types.ts';
import { ApiError, forbidden, notFound } from '../../machinery/errors.ts';
import type { AdmissionPlugin } from '../admission.ts';

const UNDELETABLE = new Set(['default', 'kube-system', 'kube-public']);

export function namespaceLifecycle(getNamespace: (name: string) => Promise<KObject | undefined>): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    async validate(a) {
      const gr = { group: a.def.group, resource: a.def.plural };
      if (a.operation === 'DELETE' && a.def.group === '' && a.def.plural === 'namespaces' && UNDELETABLE.has(a.name)) {
        throw forbidden({ group: '', resource: 'namespaces' }, a.name, 'this namespace may not be deleted');
      }
      if (a.operation !== 'CREATE' || !a.def.namespaced || !a.namespace) return;
      const ns = await getNamespace(a.namespace);
      if (!ns) {
        const err = notFound({ group: '', resource: 'namespaces' }, a.namespace);
        throw new ApiError(404, 'NotFound', err.message, err.details);
      }
      if (ns.metadata?.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating') {
        const why = `unable to create new content in namespace ${a.namespace} because it is being terminated`;
        const err = forbidden(gr, a.name, why);
        throw new ApiError(403, 'Forbidden', err.message, { ...err.details, causes: [{ reason: 'NamespaceTerminating', message: why, field: 'metadata.namespace' }] });
      }
    },
  };
}
