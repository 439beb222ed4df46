// The root CA certificate publisher, as kube-controller-manager's: every namespace has a
// `kube-root-ca.crt` ConfigMap holding the cluster CA, so pods can verify the API server at
// kubernetes.default.svc. It is created with the namespace and put back when changed or deleted.
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1';
import type { KObject } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import type { InformerFactory } from '../client/informer.ts';
import { ApiError } from '../machinery/errors.ts';
import { runController } from './controller.ts';

type NamespaceObject = Namespace & KObject;
type ConfigMapObject = ConfigMap & KObject;

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const ROOT_CA_DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints ' +
  'such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';
const WORKERS = 1;

export interface RootCAControllerDeps {
  client: Client;
  informers: InformerFactory;
  log: Logger;
  /** The cluster CA certificate, PEM. */
  caCert: string;
}

export function startRootCAController(deps: RootCAControllerDeps): { stop(): void } {
  const { client, informers, log, caCert } = deps;
  const configMapsApi = client.resource<ConfigMapObject>('', 'v1', 'configmaps');
  const namespaces = informers.informer<NamespaceObject>('', 'v1', 'namespaces');
  const configMaps = informers.informer<ConfigMapObject>('', 'v1', 'configmaps');

  const cachesSynced = Promise.all([namespaces.synced(), configMaps.synced()]);
  const controller = runController({ name: 'root-ca-cert-publisher', workers: WORKERS, reconcile: syncNamespace }, log);
  namespaces.addHandlers({
    onAdd: (ns) => controller.queue.add(ns.metadata!.name!),
    onUpdate: (_old, ns) => { if (ns.status?.phase === 'Active') controller.queue.add(ns.metadata!.name!); },
  });
  const onConfigMap = (cm: ConfigMapObject) => {
    if (cm.metadata?.name === ROOT_CA_CONFIGMAP && cm.metadata.namespace) controller.queue.add(cm.metadata.namespace);
  };
  configMaps.addHandlers({ onUpdate: (_old, cm) => onConfigMap(cm), onDelete: onConfigMap });

  async function syncNamespace(namespace: string): Promise<void> {
    await cachesSynced;
    const data = { 'ca.crt': caCert };
    const current = configMaps.get(ROOT_CA_CONFIGMAP, namespace);
    if (!current) {
      try {
        await configMapsApi.create({
          apiVersion: 'v1', kind: 'ConfigMap',
          metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } },
          data,
        }, { namespace });
        log.debug('root-ca: published', { namespace });
      } catch (err) {
        // A namespace that is gone or terminating gets nothing: no retry.
        if (err instanceof ApiError && (err.reason === 'NotFound' || err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating'))) return;
        throw err;
      }
      return;
    }
    const same = Object.keys(current.data ?? {}).length === 1 && current.data?.['ca.crt'] === caCert;
    if (same && current.metadata?.annotations?.[DESCRIPTION_ANNOTATION]) return;
    const next = structuredClone(current);
    next.data = data;
    next.metadata = { ...next.metadata, annotations: { ...next.metadata?.annotations, [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } };
    await configMapsApi.update(next, { namespace });
    log.debug('root-ca: restored', { namespace });
  }

  return { stop: () => controller.stop() };
}
