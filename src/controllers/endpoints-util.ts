// What the Endpoints and EndpointSlice controllers share, as upstream's endpointslice util
// package: which pods a Service publishes, how a service port resolves on a pod, which Services
// a pod change concerns, and the last-change-trigger-time each sync reports.
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1';
import type { KObject } from '../api/types.ts';
import type { Informer } from '../client/informer.ts';
import { isPodReady } from './pod-ranking.ts';

export type ServiceObject = Service & KObject;
export type PodObject = Pod & KObject;

/** Annotation on Endpoints and EndpointSlices: when the change they reflect happened. */
export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
/** Label on Endpoints and EndpointSlices of headless Services. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export { isPodReady };

/** A selector service: one with a non-empty selector that is not ExternalName (those get no endpoints). */
export function selectorOf(svc: ServiceObject): Record<string, string> | undefined {
  if (svc.spec?.type === 'ExternalName') return undefined;
  const selector = svc.spec?.selector;
  // An empty selector does not survive upstream's storage round trip: it is no selector.
  return selector && Object.keys(selector).length ? selector : undefined;
}

export function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** The cluster IP is neither empty nor None. */
export function isServiceIPSet(svc: ServiceObject): boolean {
  const ip = svc.spec?.clusterIP ?? '';
  return ip !== '' && ip !== 'None';
}

export function isHeadless(svc: ServiceObject): boolean {
  return svc.spec?.clusterIP === 'None';
}

function isPodTerminal(pod: PodObject): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Published at all: not finished, has an IP, and (unless asked for) not terminating. */
export function shouldPodBeInEndpoints(pod: PodObject, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !pod.status?.podIPs?.length) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** A pod names itself under a Service when its subdomain is that Service's name. */
export function shouldSetHostname(pod: PodObject, svc: ServiceObject): boolean {
  return !!pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace;
}

export function podIPs(pod: PodObject): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => !!ip);
  if (!ips.length && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}

export function isIPv6(ip: string): boolean {
  return ip.includes(':');
}

/**
 * The pod port a service port sends to: a numeric targetPort as is, a named one looked up in the
 * pod's container ports (then its sidecars') with the same protocol. Undefined when none matches.
 */
export function findPort(pod: PodObject, svcPort: ServicePort): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = svcPort.protocol ?? 'TCP';
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const container of [...(pod.spec?.containers ?? []), ...sidecars]) {
    for (const port of container.ports ?? []) {
      if (port.name === target && (port.protocol ?? 'TCP') === protocol) return port.containerPort;
    }
  }
  return undefined;
}

/** Services in a namespace whose selector matches the labels. */
export function servicesSelecting(services: ServiceObject[], labels: Record<string, string> | undefined): string[] {
  const keys: string[] = [];
  for (const svc of services) {
    const selector = selectorOf(svc);
    if (selector && selects(selector, labels)) keys.push(`${svc.metadata?.namespace}/${svc.metadata?.name}`);
  }
  return keys;
}

function sameStringMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b ?? {}).length) return false;
  return ak.every((k) => b?.[k] === a?.[k]);
}

/**
 * The Services to resync after a pod changed, as upstream: none when nothing endpoints show
 * changed; with changed labels, those whose membership changed (or all of old and new when the
 * pod itself changed too).
 */
export function servicesForPodChange(services: Informer<ServiceObject>, oldPod: PodObject | undefined, newPod: PodObject | undefined): string[] {
  const pod = newPod ?? oldPod;
  if (!pod) return [];
  const inNamespace = () => services.list(pod.metadata?.namespace);
  if (!oldPod || !newPod) return servicesSelecting(inNamespace(), pod.metadata?.labels);
  if (oldPod.metadata?.resourceVersion === newPod.metadata?.resourceVersion) return [];

  const labelsChanged = !sameStringMap(oldPod.metadata?.labels, newPod.metadata?.labels) ||
    oldPod.spec?.hostname !== newPod.spec?.hostname || oldPod.spec?.subdomain !== newPod.spec?.subdomain;
  const podChanged = !!oldPod.metadata?.deletionTimestamp !== !!newPod.metadata?.deletionTimestamp ||
    isPodReady(oldPod) !== isPodReady(newPod) ||
    podIPs(oldPod).join(',') !== podIPs(newPod).join(',') ||
    // Not in upstream's list, but a pod finishing leaves the endpoints too.
    isPodTerminal(oldPod) !== isPodTerminal(newPod);
  if (!podChanged && !labelsChanged) return [];
  const now = servicesSelecting(inNamespace(), newPod.metadata?.labels);
  if (!labelsChanged) return now;
  const before = servicesSelecting(inNamespace(), oldPod.metadata?.labels);
  if (podChanged) return [...new Set([...now, ...before])];
  // Only the labels changed: the services it joined or left.
  return [...now.filter((k) => !before.includes(k)), ...before.filter((k) => !now.includes(k))];
}

/** Go's RFC3339Nano in UTC: fractional seconds only when non-zero, without trailing zeros. */
export function rfc3339Nano(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, (_m, frac: string) => {
    const trimmed = frac.replace(/0+$/, '');
    return trimmed ? `.${trimmed}Z` : 'Z';
  });
}

/**
 * Upstream's TriggerTimeTracker: for each sync, the earliest change not yet reflected — a pod's
 * Ready transition newer than the last sync saw, or the Service's creation the first time.
 * `time` is undefined when nothing new triggered the sync (the annotation is then dropped). The
 * sync calls `commit()` once its writes succeeded, so a failed sync's retry still reports the
 * change that triggered it.
 */
export function createTriggerTimeTracker() {
  const states = new Map<string, { pods: Map<string, number>; service?: number }>();
  const earliest = (a: number | undefined, b: number) => (a === undefined || b < a ? b : a);
  return {
    compute(svc: ServiceObject, pods: PodObject[]): { time?: Date; commit(): void } {
      const key = `${svc.metadata?.namespace}/${svc.metadata?.name}`;
      const state = states.get(key);
      const next = { pods: new Map<string, number>(), service: undefined as number | undefined };
      let min: number | undefined;
      for (const pod of pods) {
        const t = readyTransitionTime(pod);
        if (t === undefined) continue;
        next.pods.set(pod.metadata?.name ?? '', t);
        if (t > (state?.pods.get(pod.metadata?.name ?? '') ?? -Infinity)) min = earliest(min, t);
      }
      const created = svc.metadata?.creationTimestamp ? Date.parse(svc.metadata.creationTimestamp) : NaN;
      if (!Number.isNaN(created)) {
        next.service = created;
        if (!state || created > (state.service ?? -Infinity)) min = earliest(min, created);
      }
      return { time: min === undefined ? undefined : new Date(min), commit: () => { states.set(key, next); } };
    },
    deleteService(namespace: string, name: string) {
      states.delete(`${namespace}/${name}`);
    },
  };
}

function readyTransitionTime(pod: PodObject): number | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === 'Ready');
  if (!c?.lastTransitionTime) return undefined;
  const t = Date.parse(c.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

/** A resourceVersion comparison for skiff's store: one global, numeric revision. */
export function resourceVersionOlder(a: string | undefined, b: string | undefined): boolean {
  const x = Number(a);
  const y = Number(b);
  return Number.isFinite(x) && Number.isFinite(y) && x < y;
}
