// Shared shapes of the prober: what a probe runs against, how it execs in a container, and the
// four-way result upstream's pkg/probe returns (warning counts as success but records an event).
import type { Container, Pod } from 'kubernetes-types/core/v1';

export interface ProbeTarget {
  pod: Pod;
  container: Container;
  containerId: string;
  podIP: string;
  /** When the container started running, ms since the epoch. */
  startedAt: number;
}

/** CRI ExecSync: run cmd in the container and collect its output and exit code. */
export interface ProbeExec {
  (containerId: string, cmd: string[], timeoutSeconds: number): Promise<{ exitCode: number; stdout: Buffer; stderr: Buffer }>;
}

export type ProbeResult = 'success' | 'warning' | 'failure' | 'unknown';

/**
 * One probe attempt. `output` is what upstream puts after "probe failed: "; `error` marks a
 * prober error (upstream's non-nil err): the attempt is retried and its result thrown away.
 */
export interface ProbeOutcome {
  result: ProbeResult;
  output: string;
  error?: string;
}

/** Timer functions, injectable so tests can run on fake time. */
export interface Timers {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** The kubelet minor version the User-Agent advertises (kube-probe/1.32, kube-lifecycle/1.32). */
export const KUBE_VERSION = '1.32';
