// Where a pod's volumes live on the node, as upstream lays them out:
// <agentDir>/pods/<podUID>/volumes/<plugin>/<volumeName>, plugin names with `~` for `/`.

import { join } from 'node:path';

export const PLUGIN_DIRS = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
} as const;

export type PluginKind = keyof typeof PLUGIN_DIRS;

export function podDir(agentDir: string, podUid: string): string {
  if (!podUid || podUid.includes('/') || podUid.startsWith('.')) throw new Error(`invalid pod uid ${JSON.stringify(podUid)}`);
  return join(agentDir, 'pods', podUid);
}

export function podVolumesDir(agentDir: string, podUid: string): string {
  return join(podDir(agentDir, podUid), 'volumes');
}

export function volumeDir(agentDir: string, podUid: string, kind: PluginKind, volumeName: string): string {
  return join(podVolumesDir(agentDir, podUid), PLUGIN_DIRS[kind], volumeName);
}
