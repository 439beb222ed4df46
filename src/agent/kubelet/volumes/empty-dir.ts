// emptyDir volumes: a directory under the pod's dir that lives as long as the pod, on disk
// (mode 0777, as upstream) or, for `medium: Memory`, a tmpfs capped at sizeLimit (or the pod's
// memory limit when every container has one).
import type { EmptyDirVolumeSource, Pod } from 'kubernetes-types/core/v1';
import { chmod, mkdir } from 'node:fs/promises';
import { parseQuantity, value } from '../../../machinery/quantity.ts';
import { mountTmpfs } from './tmpfs.ts';

export async function setUpEmptyDir(dir: string, source: EmptyDirVolumeSource, pod: Pod): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (source.medium === 'Memory') {
    await mountTmpfs(dir, memoryVolumeSize(source, pod));
    return;
  }
  if (source.medium && source.medium !== '') throw new Error(`unsupported emptyDir medium ${JSON.stringify(source.medium)}`);
  await chmod(dir, 0o777);
}

/** Bytes for a memory-backed emptyDir: the smaller of sizeLimit and the pod's memory limit; undefined when neither is known. */
export function memoryVolumeSize(source: EmptyDirVolumeSource, pod: Pod): number | undefined {
  const sizes: number[] = [];
  if (source.sizeLimit !== undefined) sizes.push(value(parseQuantity(source.sizeLimit)));
  const containers = pod.spec?.containers ?? [];
  const limits = containers.map((c) => c.resources?.limits?.memory);
  if (containers.length && limits.every((l) => l !== undefined)) {
    sizes.push(limits.reduce((sum, l) => sum + value(parseQuantity(l!)), 0));
  }
  const positive = sizes.filter((s) => s > 0);
  return positive.length ? Math.min(...positive) : undefined;
}
