// One probe of one container, as upstream's prober: run the probe's handler (retrying up to 3
// times while the prober itself errors), record the Unhealthy / ProbeWarning event with
// upstream's text, and reduce the outcome to success, failure, or error (result thrown away).
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1';
import type { KObject } from '../../../api/types.ts';
import type { Logger } from '../../../cli/log.ts';
import type { EventRecorder } from '../../../client/event-recorder.ts';
import { execProbe, expandCommand } from './exec-probe.ts';
import { formatPod } from './go-text.ts';
import { grpcProbe } from './grpc-probe.ts';
import { buildHttpGetRequest } from './http-get.ts';
import { httpProbe } from './http-probe.ts';
import { resolveContainerPort } from './port.ts';
import { tcpProbe } from './tcp-probe.ts';
import type { ProbeExec, ProbeOutcome, ProbeTarget, Timers } from './types.ts';
import { realTimers } from './types.ts';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

/** Upstream's probeType String(), which starts every probe event message. */
export const PROBE_KIND_TITLE: Record<ProbeKind, string> = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' };

const MAX_PROBE_RETRIES = 3;

/** Probe fields with the API defaults filled in (the API server defaults them too). */
export interface DefaultedProbe extends Probe {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

export function withProbeDefaults(p: Probe): DefaultedProbe {
  return {
    ...p,
    initialDelaySeconds: Math.max(0, p.initialDelaySeconds ?? 0),
    periodSeconds: Math.max(1, p.periodSeconds ?? 10),
    timeoutSeconds: Math.max(1, p.timeoutSeconds ?? 1),
    successThreshold: Math.max(1, p.successThreshold ?? 1),
    failureThreshold: Math.max(1, p.failureThreshold ?? 3),
  };
}

/** Runs the probe's handler once. Never rejects. */
export async function runProbeHandler(p: Probe, t: ProbeTarget, exec: ProbeExec, timers: Timers = realTimers): Promise<ProbeOutcome> {
  const timeout = Math.max(1, p.timeoutSeconds ?? 1);
  try {
    if (p.exec) return await execProbe(exec, t.containerId, expandCommand(p.exec.command ?? [], t.container), timeout, timers);
    if (p.httpGet) return await httpProbe(buildHttpGetRequest(p.httpGet, t.container, t.podIP, 'probe'), timeout);
    if (p.tcpSocket) return await tcpProbe(p.tcpSocket.host || t.podIP, resolveContainerPort(p.tcpSocket.port, t.container), timeout);
    if (p.grpc) return await grpcProbe(t.podIP, p.grpc.port, p.grpc.service ?? '', timeout);
    return { result: 'unknown', output: '', error: `missing probe handler for ${formatPod(t.pod)}:${t.container.name}` };
  } catch (err) {
    // Port resolution and other set-up failures: upstream's Unknown result with an error.
    return { result: 'unknown', output: '', error: err instanceof Error ? err.message : String(err) };
  }
}

/** The object events about a pod's container are recorded against, and the container's field path. */
export function containerEventTarget(pod: Pod, container: Container): { obj: KObject; fieldPath: string } {
  const isInit = (pod.spec?.initContainers ?? []).some((c) => c.name === container.name)
    && !(pod.spec?.containers ?? []).some((c) => c.name === container.name);
  return {
    obj: { ...(pod as KObject), apiVersion: 'v1', kind: 'Pod' },
    fieldPath: `spec.${isInit ? 'initContainers' : 'containers'}{${container.name}}`,
  };
}

export interface ProberDeps {
  exec: ProbeExec;
  recorder: EventRecorder;
  log: Logger;
  timers?: Timers;
}

/** Probes once and records upstream's events; 'error' means the result must be discarded. */
export async function probeContainer(kind: ProbeKind, p: Probe, t: ProbeTarget, deps: ProberDeps): Promise<'success' | 'failure' | 'error'> {
  let outcome: ProbeOutcome = { result: 'unknown', output: '' };
  for (let i = 0; i < MAX_PROBE_RETRIES; i++) {
    outcome = await runProbeHandler(p, t, deps.exec, deps.timers);
    if (outcome.error === undefined) break;
  }
  const title = PROBE_KIND_TITLE[kind];
  const { obj, fieldPath } = containerEventTarget(t.pod, t.container);
  const log = deps.log.with({ pod: `${t.pod.metadata?.namespace}/${t.pod.metadata?.name}`, container: t.container.name, probe: kind });
  if (outcome.error !== undefined) {
    log.debug('probe errored', { result: outcome.result, error: outcome.error });
    deps.recorder.event(obj, 'Warning', 'Unhealthy', `${title} probe errored and resulted in ${outcome.result} state: ${outcome.error}`, fieldPath);
    return 'error';
  }
  switch (outcome.result) {
    case 'success':
      return 'success';
    case 'warning':
      deps.recorder.event(obj, 'Warning', 'ProbeWarning', `${title} probe warning: ${outcome.output}`, fieldPath);
      return 'success';
    case 'failure':
      log.debug('probe failed', { output: outcome.output });
      deps.recorder.event(obj, 'Warning', 'Unhealthy', `${title} probe failed: ${outcome.output}`, fieldPath);
      return 'failure';
    default:
      return 'failure';
  }
}
