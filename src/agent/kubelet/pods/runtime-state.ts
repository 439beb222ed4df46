// What the runtime holds for one pod, read through the CRI by the pod UID label: its sandboxes
// and containers (newest first) with the details status and restart decisions need.
import { readFile } from 'node:fs/promises';
import type { ContainerState, CriClient, PodSandboxState } from '../../runtime/cri-client.ts';
import {
  CONTAINER_HASH_ANNOTATION, CONTAINER_NAME_LABEL, POD_UID_LABEL, RESTART_COUNT_ANNOTATION,
  TERMINATION_MESSAGE_PATH_ANNOTATION, TERMINATION_MESSAGE_POLICY_ANNOTATION,
} from './labels.ts';

export interface SandboxRecord {
  id: string;
  attempt: number;
  state: PodSandboxState;
  createdAt: number;
  ips: string[];
}

export interface ContainerRecord {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  restartCount: number;
  hash: string;
  state: ContainerState;
  /** Milliseconds since the epoch (0 when not yet). */
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  image: string;
  imageRef: string;
  logPath: string;
  /** The host file behind the termination message path, when mounted. */
  terminationMessageFile?: string;
  terminationMessagePolicy: string;
}

export interface PodRuntime {
  sandboxes: SandboxRecord[];
  containers: ContainerRecord[];
}

const nsToMs = (ns: number) => (ns > 0 ? Math.floor(ns / 1e6) : 0);

export async function readPodRuntime(cri: CriClient, uid: string): Promise<PodRuntime> {
  const [sandboxList, containerList] = await Promise.all([
    cri.listPodSandbox({ filter: { labelSelector: { [POD_UID_LABEL]: uid } } }),
    cri.listContainers({ filter: { labelSelector: { [POD_UID_LABEL]: uid } } }),
  ]);
  const sandboxes: SandboxRecord[] = [];
  for (const s of sandboxList.items) {
    let ips: string[] = [];
    if (s.state === 'SANDBOX_READY') {
      const st = await cri.podSandboxStatus({ podSandboxId: s.id }).then((r) => r.status).catch(() => null);
      if (st?.network?.ip) ips = [st.network.ip, ...st.network.additionalIps.map((a) => a.ip)];
    }
    sandboxes.push({ id: s.id, attempt: s.metadata?.attempt ?? 0, state: s.state, createdAt: nsToMs(s.createdAt), ips });
  }
  sandboxes.sort((a, b) => b.createdAt - a.createdAt);

  const containers: ContainerRecord[] = [];
  for (const c of containerList.containers) {
    const st = await cri.containerStatus({ containerId: c.id }).then((r) => r.status).catch(() => null);
    if (!st) continue; // removed meanwhile
    const msgPath = st.annotations[TERMINATION_MESSAGE_PATH_ANNOTATION];
    const mount = msgPath ? st.mounts.find((m) => m.containerPath === msgPath) : undefined;
    containers.push({
      id: c.id,
      sandboxId: c.podSandboxId,
      name: c.labels[CONTAINER_NAME_LABEL] ?? c.metadata?.name ?? '',
      attempt: c.metadata?.attempt ?? 0,
      restartCount: Number(st.annotations[RESTART_COUNT_ANNOTATION] ?? c.metadata?.attempt ?? 0) || 0,
      hash: st.annotations[CONTAINER_HASH_ANNOTATION] ?? '',
      state: st.state,
      createdAt: nsToMs(st.createdAt),
      startedAt: nsToMs(st.startedAt),
      finishedAt: nsToMs(st.finishedAt),
      exitCode: st.exitCode,
      reason: st.reason,
      message: st.message,
      image: st.image?.image ?? '',
      imageRef: st.imageRef,
      logPath: st.logPath,
      terminationMessageFile: mount?.hostPath,
      terminationMessagePolicy: st.annotations[TERMINATION_MESSAGE_POLICY_ANNOTATION] ?? 'File',
    });
  }
  containers.sort((a, b) => b.restartCount - a.restartCount || b.createdAt - a.createdAt);
  return { sandboxes, containers };
}

/** A container name's records, newest first. */
export function recordsFor(rt: PodRuntime, name: string): ContainerRecord[] {
  return rt.containers.filter((c) => c.name === name);
}

const MAX_MESSAGE_BYTES = 4096;
const FALLBACK_LOG_LINES = 80;
const FALLBACK_LOG_BYTES = 2048;

/**
 * The termination message of an exited container: its message file, or for
 * FallbackToLogsOnError after a failure with an empty file, the tail of its log.
 */
export async function terminationMessage(c: ContainerRecord): Promise<string> {
  let msg = c.terminationMessageFile ? await readFile(c.terminationMessageFile, 'utf8').catch(() => '') : '';
  if (Buffer.byteLength(msg) > MAX_MESSAGE_BYTES) msg = Buffer.from(msg).subarray(0, MAX_MESSAGE_BYTES).toString();
  if (!msg && c.terminationMessagePolicy === 'FallbackToLogsOnError' && c.exitCode !== 0 && c.logPath) {
    const text = await readFile(c.logPath, 'utf8').catch(() => '');
    const lines = text.split('\n').filter(Boolean).slice(-FALLBACK_LOG_LINES).map(stripCriPrefix);
    msg = joinCriLines(lines);
    if (Buffer.byteLength(msg) > FALLBACK_LOG_BYTES) msg = Buffer.from(msg).subarray(Buffer.byteLength(msg) - FALLBACK_LOG_BYTES).toString();
  }
  return msg;
}

/** `<time> <stream> <F|P> <text>` → [text, partial?]. */
function stripCriPrefix(line: string): [string, boolean] {
  const m = /^\S+ (?:stdout|stderr) ([FP]) ?(.*)$/.exec(line);
  return m ? [m[2], m[1] === 'P'] : [line, false];
}

function joinCriLines(lines: [string, boolean][]): string {
  let out = '';
  for (const [text, partial] of lines) out += partial ? text : `${text}\n`;
  return out;
}
