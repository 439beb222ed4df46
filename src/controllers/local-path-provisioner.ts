// The local-path provisioner, as k3s ships it (rancher.io/local-path), together with the part of
// upstream's PersistentVolume controller it needs: a claim of the `local-path` class gets, once a
// pod that uses it is on a node, a hostPath PersistentVolume at
// <storageDir>/pvc-<uid>_<namespace>_<name> pinned to that node, and the two are bound (claim
// Bound with the volume's size and modes, volume Bound with a claimRef). When the claim goes, a
// Delete-policy volume's directory and object go too; a Retain one is marked Released.
// Claims without a class are given the default class, as upstream's controller does retroactively.
import type { PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1';
import type { StorageClass } from 'kubernetes-types/storage/v1';
import { rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { KObject } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { InformerFactory } from '../client/informer.ts';
import { ApiError } from '../machinery/errors.ts';
import { runController } from './controller.ts';
import { isDefaultClass } from '../api/storage.k8s.io/v1/storageclasses.ts';

type ClaimObject = PersistentVolumeClaim & KObject;
type VolumeObject = PersistentVolume & KObject;
type ClassObject = StorageClass & KObject;
type PodObject = Pod & KObject;

export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
const CLAIM_INDEX = 'claims';

/** The StorageClass k3s installs, and skiff bootstraps: the cluster's default. */
export const LOCAL_PATH_STORAGE_CLASS: StorageClass = {
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
  metadata: { name: 'local-path', annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
  provisioner: LOCAL_PATH_PROVISIONER,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
};

export interface LocalPathProvisionerDeps {
  client: Client;
  informers: InformerFactory;
  log: Logger;
  /** Where volumes live on each node: <dataDir>/storage. */
  storageDir: string;
  recorder?: EventRecorder;
}

export function startLocalPathProvisioner(deps: LocalPathProvisionerDeps): { stop(): void } {
  const { client, informers, log, recorder } = deps;
  const storageDir = resolve(deps.storageDir);
  const claimsApi = client.resource<ClaimObject>('', 'v1', 'persistentvolumeclaims');
  const volumesApi = client.resource<VolumeObject>('', 'v1', 'persistentvolumes');
  const claims = informers.informer<ClaimObject>('', 'v1', 'persistentvolumeclaims');
  const volumes = informers.informer<VolumeObject>('', 'v1', 'persistentvolumes');
  const classes = informers.informer<ClassObject>('storage.k8s.io', 'v1', 'storageclasses');
  const pods = informers.informer<PodObject>('', 'v1', 'pods');
  pods.addIndex(CLAIM_INDEX, (p) => (p.spec?.volumes ?? []).filter((v) => v.persistentVolumeClaim).map((v) => `${p.metadata?.namespace}/${v.persistentVolumeClaim!.claimName}`));

  const cachesSynced = Promise.all([claims.synced(), volumes.synced(), classes.synced(), pods.synced()]);
  const controller = runController({ name: 'local-path-provisioner', workers: 1, reconcile }, log);
  const claimKey = (c: ClaimObject) => `claim:${c.metadata?.namespace}/${c.metadata?.name}`;
  claims.addHandlers({
    onAdd: (c) => controller.queue.add(claimKey(c)),
    onUpdate: (_o, c) => controller.queue.add(claimKey(c)),
    // A claim that goes releases the volume bound to it.
    onDelete: (c) => { if (c.spec?.volumeName) controller.queue.add(`volume:${c.spec.volumeName}`); },
  });
  volumes.addHandlers({
    onAdd: (v) => controller.queue.add(`volume:${v.metadata?.name}`),
    onUpdate: (_o, v) => controller.queue.add(`volume:${v.metadata?.name}`),
  });
  // A claim waiting for its first consumer moves when a pod using it lands on a node.
  const onPod = (p: PodObject) => {
    if (!p.spec?.nodeName) return;
    for (const v of p.spec.volumes ?? []) {
      if (v.persistentVolumeClaim) controller.queue.add(`claim:${p.metadata?.namespace}/${v.persistentVolumeClaim.claimName}`);
    }
  };
  pods.addHandlers({ onAdd: onPod, onUpdate: (_o, p) => onPod(p) });
  // A default class appearing may take in claims that have none.
  classes.addHandlers({ onAdd: () => { for (const c of claims.list()) if (classOf(c) === undefined) controller.queue.add(claimKey(c)); } });

  async function reconcile(key: string): Promise<void> {
    await cachesSynced;
    const [kind, rest] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    if (kind === 'volume') return syncVolume(rest);
    const [namespace, name] = rest.split('/');
    return syncClaim(namespace, name);
  }

  async function syncClaim(namespace: string, name: string): Promise<void> {
    const claim = claims.get(name, namespace);
    if (!claim || claim.metadata?.deletionTimestamp) return;
    const className = classOf(claim);
    if (className === undefined) {
      const def = defaultClass(classes.list());
      if (!def || claim.status?.phase === 'Bound' || claim.spec?.volumeName) return;
      // Retroactive default class: the claim now belongs to it (and is looked at again on that update).
      await claimsApi.update({ ...structuredClone(claim), spec: { ...claim.spec, storageClassName: def.metadata!.name } }, { namespace });
      return;
    }
    const sc = classes.get(className);
    if (sc?.provisioner !== LOCAL_PATH_PROVISIONER) return;
    const pvName = claim.spec?.volumeName || `pvc-${claim.metadata?.uid}`;
    let pv = volumes.get(pvName);
    if (claim.status?.phase === 'Bound' && pv) return;
    if (!pv) {
      if (claim.spec?.volumeName) return; // bound by hand to a volume that is not (yet) there
      const node = claim.metadata?.annotations?.[SELECTED_NODE_ANNOTATION] ?? consumerNode(namespace, name);
      if (!node) {
        if (sc.volumeBindingMode === 'WaitForFirstConsumer') recorder?.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
        return;
      }
      if (claim.spec?.volumeMode === 'Block') {
        recorder?.event(claim, 'Warning', 'ProvisioningFailed', 'failed to provision volume with StorageClass "local-path": Block volume mode is not supported');
        return;
      }
      pv = await createVolume(claim, sc, node, pvName);
    }
    if (pv.spec?.claimRef?.uid && pv.spec.claimRef.uid !== claim.metadata?.uid) return; // someone else's
    await bind(claim, pv);
  }

  function consumerNode(namespace: string, name: string): string | undefined {
    const users = pods.byIndex(CLAIM_INDEX, `${namespace}/${name}`).filter((p) => !p.metadata?.deletionTimestamp && p.spec?.nodeName);
    return users[0]?.spec?.nodeName;
  }

  async function createVolume(claim: ClaimObject, sc: ClassObject, node: string, pvName: string): Promise<VolumeObject> {
    const ns = claim.metadata!.namespace!;
    const path = join(storageDir, `${pvName}_${ns}_${claim.metadata!.name}`);
    const pv: VolumeObject = {
      apiVersion: 'v1', kind: 'PersistentVolume',
      metadata: { name: pvName, annotations: { [PROVISIONED_BY]: LOCAL_PATH_PROVISIONER, 'local.path.provisioner/selected-node': node } },
      spec: {
        capacity: { storage: claim.spec?.resources?.requests?.storage ?? '0' },
        accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
        storageClassName: sc.metadata!.name,
        volumeMode: 'Filesystem',
        hostPath: { path, type: 'DirectoryOrCreate' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name: claim.metadata!.name, uid: claim.metadata!.uid, resourceVersion: claim.metadata!.resourceVersion },
      },
    };
    recorder?.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${ns}/${claim.metadata!.name}"`);
    let created: VolumeObject;
    try {
      created = await volumesApi.create(pv);
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
      created = await volumesApi.get(pvName);
    }
    log.info('local-path: provisioned', { claim: `${ns}/${claim.metadata!.name}`, volume: pvName, node, path });
    recorder?.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
    return created;
  }

  async function bind(claim: ClaimObject, pv: VolumeObject): Promise<void> {
    const ns = claim.metadata!.namespace!;
    const pvName = pv.metadata!.name!;
    let current = claim;
    if (current.spec?.volumeName !== pvName || current.metadata?.annotations?.['pv.kubernetes.io/bind-completed'] !== 'yes') {
      const next = structuredClone(current);
      next.spec = { ...next.spec, volumeName: pvName };
      next.metadata!.annotations = {
        ...next.metadata!.annotations,
        'pv.kubernetes.io/bind-completed': 'yes',
        'pv.kubernetes.io/bound-by-controller': 'yes',
        'volume.beta.kubernetes.io/storage-provisioner': LOCAL_PATH_PROVISIONER,
        'volume.kubernetes.io/storage-provisioner': LOCAL_PATH_PROVISIONER,
      };
      current = await claimsApi.update(next, { namespace: ns });
    }
    if (pv.status?.phase !== 'Bound') {
      await volumesApi.update({ ...structuredClone(pv), status: { ...pv.status, phase: 'Bound' } }, { subresource: 'status' });
    }
    if (current.status?.phase !== 'Bound') {
      await claimsApi.update({
        ...current,
        status: { ...current.status, phase: 'Bound', accessModes: pv.spec?.accessModes, capacity: pv.spec?.capacity },
      }, { namespace: ns, subresource: 'status' });
      log.debug('local-path: bound', { claim: `${ns}/${current.metadata?.name}`, volume: pvName });
    }
  }

  async function syncVolume(name: string): Promise<void> {
    const pv = volumes.get(name);
    if (!pv || pv.metadata?.deletionTimestamp || pv.metadata?.annotations?.[PROVISIONED_BY] !== LOCAL_PATH_PROVISIONER) return;
    const ref = pv.spec?.claimRef;
    if (!ref?.name) return;
    const claim = claims.get(ref.name, ref.namespace);
    if (claim && (!ref.uid || claim.metadata?.uid === ref.uid)) return; // still claimed
    if (pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') {
      if (pv.status?.phase !== 'Released') await volumesApi.update({ ...structuredClone(pv), status: { ...pv.status, phase: 'Released' } }, { subresource: 'status' });
      return;
    }
    await removeDirectory(pv.spec?.hostPath?.path);
    try {
      await volumesApi.delete(name);
      log.info('local-path: deleted', { volume: name });
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    }
  }

  /** Removes a volume's directory when it is on this machine and inside the storage dir (nothing else, ever). */
  async function removeDirectory(path: string | undefined): Promise<void> {
    if (!path) return;
    const full = resolve(path);
    if (!full.startsWith(storageDir + sep) || full.slice(storageDir.length + 1).includes(sep)) return;
    if (!await stat(full).catch(() => undefined)) return;
    await rm(full, { recursive: true, force: true });
  }

  return { stop: () => controller.stop() };
}

function classOf(claim: ClaimObject): string | undefined {
  return claim.metadata?.annotations?.[BETA_CLASS_ANNOTATION] ?? claim.spec?.storageClassName;
}

/** The default StorageClass; with several, the newest (upstream's rule since 1.28). */
export function defaultClass(all: ClassObject[]): ClassObject | undefined {
  return all.filter(isDefaultClass).sort(newestFirst)[0];
}

function newestFirst(a: KObject, b: KObject): number {
  return (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}
