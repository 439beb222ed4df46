// persistentVolumeClaim volumes: the node path of the PersistentVolume the claim is bound to
// (hostPath or local volumes, as the local-path provisioner makes), with upstream's messages for
// a missing, unbound or deleting claim.
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1';
import type { Client } from '../../../client/client.ts';
import type { KObject } from '../../../api/types.ts';
import { checkHostPath } from './host-path.ts';

export async function persistentVolumePath(client: Client, namespace: string, claimName: string): Promise<string> {
  const fail = (why: string) => new Error(`error processing PVC ${namespace}/${claimName}: ${why}`);
  let claim: PersistentVolumeClaim;
  try {
    claim = await client.resource<PersistentVolumeClaim & KObject>('', 'v1', 'persistentvolumeclaims').get(claimName, namespace);
  } catch (err) {
    throw fail(`failed to fetch PVC from API server: ${(err as Error).message}`);
  }
  if (claim.metadata?.deletionTimestamp) throw new Error(`can't start pod because PVC ${namespace}/${claimName} is being deleted`);
  const pvName = claim.spec?.volumeName;
  if (claim.status?.phase !== 'Bound' || !pvName) throw fail('PVC is not bound');
  let pv: PersistentVolume;
  try {
    pv = await client.resource<PersistentVolume & KObject>('', 'v1', 'persistentvolumes').get(pvName);
  } catch (err) {
    throw fail(`failed to fetch PV ${pvName} from API server: ${(err as Error).message}`);
  }
  if (pv.spec?.claimRef?.uid && pv.spec.claimRef.uid !== claim.metadata?.uid) {
    throw fail(`PV ${pvName} is bound to a different claim`);
  }
  if (pv.spec?.hostPath?.path) {
    await checkHostPath(pv.spec.hostPath.path, pv.spec.hostPath.type);
    return pv.spec.hostPath.path;
  }
  if (pv.spec?.local?.path) {
    await checkHostPath(pv.spec.local.path, 'Directory');
    return pv.spec.local.path;
  }
  throw fail(`PV ${pvName} has a volume source this node cannot mount (only hostPath and local are supported)`);
}
