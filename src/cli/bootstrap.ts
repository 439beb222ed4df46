// What every cluster has from its first start: the system namespaces, the `kubernetes` Service
// (and its Endpoints) in `default`, the built-in PriorityClasses and the default StorageClass. Idempotent.
import type { KObject, ResourceDefinition } from '../api/types.ts';
import { ApiError } from '../machinery/errors.ts';
import type { GenericRegistry } from '../apiserver/generic-registry.ts';
import type { ResourceIndex } from '../apiserver/resource-index.ts';
import { nthAddress } from '../apiserver/admission/service-allocation.ts';
import { bootstrapPriorityClasses } from '../api/scheduling.k8s.io/v1/priorityclasses.ts';
import { LOCAL_PATH_STORAGE_CLASS } from '../controllers/local-path-provisioner.ts';
import type { Logger } from './log.ts';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export interface BootstrapOptions {
  serviceCidr: string;
  advertiseAddress: string;
  port: number;
}

export async function bootstrapCluster(registry: GenericRegistry, index: ResourceIndex, opts: BootstrapOptions, log: Logger): Promise<void> {
  const def = (group: string, version: string, plural: string) => index.lookup(group, version, plural)!;
  const ensure = async (group: string, version: string, plural: string, namespace: string | undefined, obj: KObject) => {
    try {
      // Look first: admission (e.g. a fixed cluster IP) would refuse a duplicate before the store could.
      await registry.get(def(group, version, plural), namespace, obj.metadata!.name!);
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    }
    try {
      await registry.create(def(group, version, plural), namespace, obj);
      log.debug('bootstrap object created', { resource: plural, name: obj.metadata?.name });
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
    }
  };

  for (const name of SYSTEM_NAMESPACES) await ensure('', 'v1', 'namespaces', undefined, { metadata: { name } });
  for (const pc of bootstrapPriorityClasses) await ensure('scheduling.k8s.io', 'v1', 'priorityclasses', undefined, structuredClone(pc) as unknown as KObject);
  // k3s's default StorageClass, served by the local-path provisioner.
  await ensure('storage.k8s.io', 'v1', 'storageclasses', undefined, structuredClone(LOCAL_PATH_STORAGE_CLASS) as unknown as KObject);

  await ensure('', 'v1', 'services', 'default', {
    metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP', clusterIP: nthAddress(opts.serviceCidr, 1), sessionAffinity: 'None',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: opts.port }],
    },
  });
  await reconcileObject(registry, def('discovery.k8s.io', 'v1', 'endpointslices'), 'default', {
    metadata: { name: 'kubernetes', labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'skiff-apiserver' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [opts.advertiseAddress], conditions: { ready: true } }],
    ports: [{ name: 'https', port: opts.port, protocol: 'TCP' }],
  }, ['addressType', 'endpoints', 'ports']);
  await reconcileObject(registry, def('', 'v1', 'endpoints'), 'default', {
    metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: opts.advertiseAddress }], ports: [{ name: 'https', port: opts.port, protocol: 'TCP' }] }],
  }, ['subsets']);
}

/** Creates the object, or updates the given fields when they differ (the API server's own endpoints move with it). */
async function reconcileObject(registry: GenericRegistry, def: ResourceDefinition, namespace: string, desired: KObject, fields: string[]): Promise<void> {
  try {
    const current = await registry.get(def, namespace, desired.metadata!.name!);
    if (fields.some((f) => JSON.stringify(current[f]) !== JSON.stringify(desired[f]))) {
      const next: KObject = { ...current };
      for (const f of fields) next[f] = desired[f];
      await registry.update(def, namespace, desired.metadata!.name!, next);
    }
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    await registry.create(def, namespace, desired);
  }
}
