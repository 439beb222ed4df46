// The ServiceAccounts controller, as kube-controller-manager's: every active namespace has a
// `default` ServiceAccount, created with the namespace and again whenever it is deleted.
import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1';
import type { KObject } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import type { InformerFactory } from '../client/informer.ts';
import { ApiError } from '../machinery/errors.ts';
import { runController } from './controller.ts';

type NamespaceObject = Namespace & KObject;
type ServiceAccountObject = ServiceAccount & KObject;

/** The accounts every namespace gets. */
export const SERVICE_ACCOUNTS_TO_ENSURE = ['default'];
const WORKERS = 1;

export interface ServiceAccountControllerDeps {
  client: Client;
  informers: InformerFactory;
  log: Logger;
}

export function startServiceAccountController(deps: ServiceAccountControllerDeps): { stop(): void } {
  const { client, informers, log } = deps;
  const accountsApi = client.resource<ServiceAccountObject>('', 'v1', 'serviceaccounts');
  const namespaces = informers.informer<NamespaceObject>('', 'v1', 'namespaces');
  const accounts = informers.informer<ServiceAccountObject>('', 'v1', 'serviceaccounts');

  const cachesSynced = Promise.all([namespaces.synced(), accounts.synced()]);
  const controller = runController({ name: 'serviceaccount', workers: WORKERS, reconcile: syncNamespace }, log);
  const enqueue = (ns: NamespaceObject) => { if (ns.metadata?.name) controller.queue.add(ns.metadata.name); };
  namespaces.addHandlers({ onAdd: enqueue, onUpdate: (_old, ns) => enqueue(ns) });
  accounts.addHandlers({
    onDelete: (sa) => {
      if (SERVICE_ACCOUNTS_TO_ENSURE.includes(sa.metadata?.name ?? '') && sa.metadata?.namespace) controller.queue.add(sa.metadata.namespace);
    },
  });

  async function syncNamespace(name: string): Promise<void> {
    await cachesSynced;
    const ns = namespaces.get(name);
    // Nothing is created in a namespace that is going away.
    if (!ns || ns.status?.phase !== 'Active') return;
    const failures: string[] = [];
    for (const account of SERVICE_ACCOUNTS_TO_ENSURE) {
      if (accounts.get(account, name)) continue;
      try {
        await accountsApi.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account, namespace: name } }, { namespace: name });
        log.debug('serviceaccount: created', { namespace: name, name: account });
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'AlreadyExists') continue;
        if (err instanceof ApiError && err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) continue;
        failures.push(err instanceof Error ? err.message : String(err));
      }
    }
    if (failures.length) throw new Error(failures.join('; '));
  }

  return { stop: () => controller.stop() };
}
