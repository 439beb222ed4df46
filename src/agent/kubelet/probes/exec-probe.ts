// exec probe: runs the command in the container through CRI ExecSync; exit code 0 succeeds. The
// output (stdout then stderr, at most 10 KiB) becomes the failure text; a command that outlives
// timeoutSeconds fails with upstream's `command "..." timed out`.
import type { Container } from 'kubernetes-types/core/v1';
import { goQuote } from './go-text.ts';
import type { ProbeExec, ProbeOutcome, Timers } from './types.ts';
import { realTimers } from './types.ts';

export const MAX_EXEC_OUTPUT_BYTES = 10 * 1024;
/** Extra time the runtime gets to report a timeout itself before skiff stops waiting. */
const EXEC_GRACE_MS = 5_000;
const DEADLINE_EXCEEDED = 4;

/**
 * Expands `$(VAR)` in a probe command from the container's literal env values, as upstream's
 * ExpandContainerCommandOnlyStatic: `$$` is a literal `$`, unknown references stay as written.
 */
export function expandCommand(cmd: string[], container: Container): string[] {
  const env = new Map<string, string>();
  for (const e of container.env ?? []) if (!e.valueFrom) env.set(e.name, e.value ?? '');
  return cmd.map((arg) => arg.replace(/\$(\$|\(([^)]*)\))/g, (whole, inner: string, name: string | undefined) => {
    if (inner === '$') return '$';
    return name !== undefined && env.has(name) ? env.get(name)! : whole;
  }));
}

/** Whether an ExecSync failure means the command ran out of time. */
export function isExecTimeout(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (e?.code === DEADLINE_EXCEEDED) return true;
  return typeof e?.message === 'string' && /deadline exceeded|timeout .* exceeded|timed out/i.test(e.message);
}

class TimedOut extends Error {}

export async function execProbe(exec: ProbeExec, containerId: string, cmd: string[], timeoutSeconds: number, timers: Timers = realTimers): Promise<ProbeOutcome> {
  const timedOut = `command ${goQuote(cmd.join(' '))} timed out`;
  let handle: unknown;
  const guard = new Promise<never>((_, reject) => {
    handle = timers.setTimer(() => reject(new TimedOut()), timeoutSeconds * 1000 + EXEC_GRACE_MS);
  });
  try {
    const res = await Promise.race([exec(containerId, cmd, timeoutSeconds), guard]);
    const output = Buffer.concat([res.stdout, res.stderr]).subarray(0, MAX_EXEC_OUTPUT_BYTES).toString('utf8');
    return { result: res.exitCode === 0 ? 'success' : 'failure', output };
  } catch (err) {
    if (err instanceof TimedOut || isExecTimeout(err)) return { result: 'failure', output: timedOut };
    return { result: 'unknown', output: '', error: err instanceof Error ? err.message : String(err) };
  } finally {
    timers.clearTimer(handle);
    guard.catch(() => {});
  }
}
