// DefaultStorageClass admission, as upstream: a new PersistentVolumeClaim that names no class (no
// storageClassName, no beta annotation — an explicit "" means "no class" and is left alone) gets
// the default StorageClass; with several defaults, the newest.
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1';
import type { StorageClass } from 'kubernetes-types/storage/v1';
import type { AdmissionPlugin } from '../admission.ts';
import { isDefaultClass } from '../../api/storage.k8s.io/v1/storageclasses.ts';

const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

export function defaultStorageClass(listStorageClasses: () => Promise<StorageClass[]>): AdmissionPlugin {
  return {
    name: 'DefaultStorageClass',
    async admit(a) {
      if (a.operation !== 'CREATE' || a.subresource || a.def.group !== '' || a.def.plural !== 'persistentvolumeclaims') return;
      const claim = a.object as PersistentVolumeClaim | undefined;
      if (!claim || typeof claim.spec !== 'object' || claim.spec === null) return;
      if (claim.spec.storageClassName !== undefined && claim.spec.storageClassName !== null) return;
      if (claim.metadata?.annotations?.[BETA_CLASS_ANNOTATION] !== undefined) return;
      const newestFirst = (x: StorageClass, y: StorageClass) => (y.metadata?.creationTimestamp ?? '').localeCompare(x.metadata?.creationTimestamp ?? '') || (x.metadata?.name ?? '').localeCompare(y.metadata?.name ?? '');
      const def = (await listStorageClasses()).filter(isDefaultClass).sort(newestFirst)[0];
      if (def?.metadata?.name) claim.spec.storageClassName = def.metadata.name;
    },
  };
}
