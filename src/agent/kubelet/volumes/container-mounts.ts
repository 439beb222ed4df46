// A container's CRI mounts from its volumeMounts: the volume's node path (plus subPath or the
// expanded subPathExpr), read-only when the mount or the volume says so, and the propagation
// mode. A missing subPath directory is created first, as upstream's kubelet does, so it gets the
// volume's mode rather than whatever the runtime would choose.
import type { Container, EnvVar, Pod, VolumeMount } from 'kubernetes-types/core/v1';
import { chmodSync, existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';
import type { Mount, MountPropagation } from '../../runtime/cri-client.ts';
import { podFieldValue } from './downward-api.ts';

export interface VolumePath { hostPath: string; readOnly: boolean }

export function mountsForContainer(pod: Pod, container: Container, paths: Map<string, VolumePath>): Mount[] {
  return (container.volumeMounts ?? []).map((vm) => {
    const vol = paths.get(vm.name);
    if (!vol) throw new Error(`cannot find volume "${vm.name}" to mount into container "${container.name}"`);
    let hostPath = vol.hostPath;
    const subPath = vm.subPathExpr ? expandSubPath(vm.subPathExpr, pod, container) : vm.subPath;
    if (subPath) hostPath = subPathOf(vol.hostPath, subPath, vm, container, !vol.readOnly);
    return {
      containerPath: vm.mountPath,
      hostPath,
      readonly: !!vm.readOnly || vol.readOnly,
      selinuxRelabel: false,
      propagation: propagationOf(vm, container),
    };
  });
}

function propagationOf(vm: VolumeMount, container: Container): MountPropagation {
  switch (vm.mountPropagation ?? 'None') {
    case 'None': return 'PROPAGATION_PRIVATE';
    case 'HostToContainer': return 'PROPAGATION_HOST_TO_CONTAINER';
    case 'Bidirectional':
      if (!container.securityContext?.privileged) throw new Error('Bidirectional mount propagation is available only to privileged containers');
      return 'PROPAGATION_BIDIRECTIONAL';
    default: throw new Error(`invalid MountPropagation mode: ${vm.mountPropagation}`);
  }
}

function subPathOf(volumePath: string, subPath: string, vm: VolumeMount, container: Container, mayCreate: boolean): string {
  if (isAbsolute(subPath) || subPath.split('/').includes('..')) {
    throw new Error(`subPath "${subPath}" of volumeMount "${vm.name}" must be a relative path without '..'`);
  }
  const full = join(volumePath, subPath);
  if (!existsSync(full)) {
    if (!mayCreate) throw new Error(`failed to create subPath directory for volumeMount "${vm.name}" of container "${container.name}"`);
    const mode = statSync(volumePath).mode & 0o7777;
    let dir = volumePath;
    for (const part of subPath.split('/').filter(Boolean)) {
      dir = join(dir, part);
      if (existsSync(dir)) continue;
      mkdirSync(dir);
      chmodSync(dir, mode); // past the umask
    }
  }
  // A symlink inside the volume must not lead the container out of it.
  const root = realpathSync(volumePath);
  const real = realpathSync(full);
  if (real !== root && !real.startsWith(root + sep)) {
    throw new Error(`subpath "${real}" not within volume path "${root}"`);
  }
  return full;
}

/** `$(VAR)` from the container's env (literal values and pod fields); unknown references stay as written. */
export function expandSubPath(expr: string, pod: Pod, container: Container): string {
  const env = new Map<string, string>();
  for (const e of container.env ?? []) {
    const v = envValue(e, pod, env);
    if (v !== undefined) env.set(e.name, v);
  }
  const out = expand(expr, env);
  if (isAbsolute(out)) throw new Error(`subPathExpr "${expr}" expands to an absolute path "${out}"`);
  if (out.split('/').includes('..')) throw new Error(`subPathExpr "${expr}" expands to a path with '..'`);
  return out;
}

function envValue(e: EnvVar, pod: Pod, earlier: Map<string, string>): string | undefined {
  if (e.value !== undefined) return expand(e.value, earlier);
  if (e.valueFrom?.fieldRef) {
    try { return podFieldValue(pod, e.valueFrom.fieldRef.fieldPath); } catch { return undefined; }
  }
  return undefined;
}

/** Kubernetes' $(VAR) expansion: `$$` escapes, unknown names are left as written. */
function expand(s: string, env: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([^)]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && env.has(name) ? env.get(name)! : m;
  });
}
