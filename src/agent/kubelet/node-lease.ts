// The node's heartbeat: a Lease in kube-node-lease renewed every 10 s (40 s duration), which the
// node lifecycle controller reads to decide whether the node is alive.
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { KObject } from '../../api/types.ts';
import type { Logger } from '../../cli/log.ts';
import type { Client } from '../../client/client.ts';
import { ApiError } from '../../machinery/errors.ts';
import { rfc3339Micro } from '../../machinery/meta.ts';

type LeaseObject = Lease & KObject;
const NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;
export const LEASE_RENEW_MS = 10_000;

export function startNodeLease(client: Client, nodeName: string, nodeUid: () => string | undefined, log: Logger): { renew(): Promise<void>; stop(): void } {
  const api = client.resource<LeaseObject>('coordination.k8s.io', 'v1', 'leases');
  let current: LeaseObject | undefined;
  let stopped = false;

  const renewed = (lease: LeaseObject): LeaseObject => {
    const uid = nodeUid();
    return {
      ...lease,
      metadata: { ...lease.metadata, ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid }] } : {}) },
      spec: { ...lease.spec, holderIdentity: nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: rfc3339Micro(new Date()) },
    };
  };

  async function renew(): Promise<void> {
    try {
      if (current) {
        current = await api.update(renewed(current), { namespace: NAMESPACE });
        return;
      }
    } catch (err) {
      if (!(err instanceof ApiError) || (err.reason !== 'Conflict' && err.reason !== 'NotFound')) throw err;
    }
    try {
      current = await api.update(renewed(await api.get(nodeName, NAMESPACE)), { namespace: NAMESPACE });
    } catch (err) {
      if (!(err instanceof ApiError) || err.reason !== 'NotFound') throw err;
      current = await api.create(renewed({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: nodeName, namespace: NAMESPACE } }), { namespace: NAMESPACE });
    }
  }

  const timer = setInterval(() => {
    if (stopped) return;
    renew().catch((err) => { current = undefined; log.warn('lease renewal failed, retrying', { error: err instanceof Error ? err.message : String(err) }); });
  }, LEASE_RENEW_MS);
  return { renew, stop() { stopped = true; clearInterval(timer); } };
}
