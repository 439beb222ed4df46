// postStart / preStop hooks, as upstream's lifecycle handler runner: exec (any non-zero exit
// fails), httpGet (any HTTP response succeeds — the status code is not checked; an HTTPS hook
// that gets a plain-HTTP answer is retried over HTTP), sleep. tcpSocket hooks are accepted by the
// API only for compatibility and never run. On failure the message is upstream's, e.g.
// `Exec lifecycle hook ([sh -c exit 3]) for Container "app" in Pod "web_default(uid)" failed - error: command 'sh -c exit 3' exited with 3: , message: ""`.
// The caller records the events: FailedPostStartHook ("PostStartHook failed", the message is
// kept out of the event as upstream does) or FailedPreStopHook (with this message).
import type { LifecycleHandler, TCPSocketAction } from 'kubernetes-types/core/v1';
import { isExecTimeout } from './exec-probe.ts';
import { formatPod, goQuote } from './go-text.ts';
import type { HttpGetRequest } from './http-get.ts';
import { buildHttpGetRequest, sendHttpGet } from './http-get.ts';
import type { ProbeExec, ProbeTarget } from './types.ts';

/** How long an httpGet hook may take when the caller gives no limit. */
const DEFAULT_HTTP_HOOK_TIMEOUT_SECONDS = 30;

/**
 * Runs a hook. timeoutSeconds bounds it (≤ 0: no bound for exec and sleep); `signal` aborts a
 * sleep early (the container is gone). Never rejects.
 */
export async function runHandler(h: LifecycleHandler, t: ProbeTarget, exec: ProbeExec, timeoutSeconds: number, signal?: AbortSignal): Promise<{ ok: boolean; message: string }> {
  const who = `for Container ${goQuote(t.container.name)} in Pod ${goQuote(formatPod(t.pod))}`;
  if (h.exec) {
    const cmd = h.exec.command ?? [];
    const error = await runExecHook(exec, t.containerId, cmd, timeoutSeconds);
    if (!error) return { ok: true, message: '' };
    return { ok: false, message: `Exec lifecycle hook ([${cmd.join(' ')}]) ${who} failed - error: ${error.error}, message: ${goQuote(error.output)}` };
  }
  if (h.httpGet) {
    const error = await runHttpHook(h, t, timeoutSeconds > 0 ? timeoutSeconds : DEFAULT_HTTP_HOOK_TIMEOUT_SECONDS);
    if (!error) return { ok: true, message: '' };
    return { ok: false, message: `HTTP lifecycle hook (${h.httpGet.path ?? ''}) ${who} failed - error: ${error}` };
  }
  if (h.sleep) {
    const finished = await sleep(h.sleep.seconds, timeoutSeconds, signal);
    if (finished) return { ok: true, message: '' };
    return { ok: false, message: `Sleep lifecycle hook (${h.sleep.seconds}) ${who} failed - error: container terminated before sleep hook finished` };
  }
  return { ok: false, message: `Cannot run handler: invalid handler: ${describeHandler(h)}` };
}

async function runExecHook(exec: ProbeExec, containerId: string, cmd: string[], timeoutSeconds: number): Promise<{ error: string; output: string } | undefined> {
  try {
    const res = await exec(containerId, cmd, Math.max(0, timeoutSeconds));
    if (res.exitCode === 0) return undefined;
    const output = Buffer.concat([res.stdout, res.stderr]).toString('utf8');
    return { error: `command '${cmd.join(' ')}' exited with ${res.exitCode}: ${res.stderr.toString('utf8')}`, output };
  } catch (err) {
    if (isExecTimeout(err)) return { error: `command ${goQuote(cmd.join(' '))} timed out`, output: '' };
    return { error: err instanceof Error ? err.message : String(err), output: '' };
  }
}

async function runHttpHook(h: LifecycleHandler, t: ProbeTarget, timeoutSeconds: number): Promise<string | undefined> {
  let req: HttpGetRequest;
  try {
    req = buildHttpGetRequest(h.httpGet!, t.container, t.podIP, 'lifecycle');
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const res = await sendHttpGet(req, timeoutSeconds * 1000);
  if (res.ok) return undefined;
  // An HTTPS hook answered in plain HTTP: upstream retries over HTTP without Authorization.
  if (req.url.startsWith('https://') && /wrong version number|packet length too long|EPROTO/i.test(res.error)) {
    const headers = { ...req.headers };
    delete headers['Authorization'];
    const retry = await sendHttpGet({ url: 'http://' + req.url.slice('https://'.length), headers }, timeoutSeconds * 1000);
    if (retry.ok) return undefined;
  }
  return res.error;
}

function sleep(seconds: number, timeoutSeconds: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    const done = (finished: boolean) => {
      for (const x of timers) clearTimeout(x);
      signal?.removeEventListener('abort', onAbort);
      resolve(finished);
    };
    const onAbort = () => done(false);
    timers.push(setTimeout(() => done(true), Math.max(0, seconds) * 1000));
    // The grace period ends before the sleep: upstream's context is cancelled then.
    if (timeoutSeconds > 0 && timeoutSeconds < seconds) timers.push(setTimeout(() => done(false), timeoutSeconds * 1000));
    signal?.addEventListener('abort', onAbort);
  });
}

/** Roughly Go's %v of the handler, for the "invalid handler" message. */
function describeHandler(h: LifecycleHandler): string {
  const tcp = (a: TCPSocketAction) => {
    const port = typeof a.port === 'number' ? `{0 ${a.port} }` : `{1 0 ${a.port}}`;
    return `&TCPSocketAction{Port:${port},Host:${a.host ?? ''},}`;
  };
  return `&LifecycleHandler{Exec:nil,HTTPGet:nil,TCPSocket:${h.tcpSocket ? tcp(h.tcpSocket) : 'nil'},Sleep:nil,}`;
}
