// The Endpoints controller, as kube-controller-manager's: for every Service with a selector it
// keeps an Endpoints object of the same name listing the matching pods' addresses, ready ones
// under `addresses` and the rest under `notReadyAddresses`, grouped into subsets by the ports
// they serve. Services without a selector are left to whoever writes their Endpoints; a deleted
// Service's Endpoints go with it.
import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints } from 'kubernetes-types/core/v1';
import type { KObject } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import { type InformerFactory, objectKeyOf } from '../client/informer.ts';
import { ApiError } from '../machinery/errors.ts';
import { runController, type ReconcileResult } from './controller.ts';
import {
  HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME, type PodObject, type ServiceObject, createTriggerTimeTracker, findPort, isIPv6,
  isPodReady, isServiceIPSet, podIPs, rfc3339Nano, selectorOf, selects, servicesForPodChange, shouldPodBeInEndpoints,
  shouldSetHostname,
} from './endpoints-util.ts';

export type EndpointsObject = Endpoints & KObject;

/** Most addresses one Endpoints object carries; beyond it the list is truncated and says so. */
export const MAX_ENDPOINTS_CAPACITY = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
/** Leader-election records once lived in Endpoints without a Service; those are not orphans. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
const WORKERS = 5;

export interface EndpointsControllerDeps {
  client: Client;
  informers: InformerFactory;
  log: Logger;
  /** Records as "endpoint-controller". */
  recorder?: EventRecorder;
  /** Unused: the trigger times reported come from the objects themselves (kept for a uniform deps shape). */
  now?: () => Date;
}

/** One address offered on one port, ready or not: what a pod contributes before repacking. */
interface AddressOnPort {
  address: EndpointAddress;
  /** Undefined for a headless service without ports. */
  port?: EndpointPort;
  ready: boolean;
}

/** The address of a pod for the Service's (first) IP family, with its node and pod reference. */
export function podEndpointAddress(svc: ServiceObject, pod: PodObject): EndpointAddress | undefined {
  const wantV6 = svc.spec?.ipFamilies?.length
    ? svc.spec.ipFamilies[0] === 'IPv6'
    : isServiceIPSet(svc) ? isIPv6(svc.spec!.clusterIP!) : isIPv6(pod.status?.podIP ?? '');
  const ip = podIPs(pod).find((candidate) => isIPv6(candidate) === wantV6);
  if (!ip) return undefined;
  const meta = pod.metadata ?? {};
  return {
    ip,
    ...(shouldSetHostname(pod, svc) ? { hostname: pod.spec!.hostname } : {}),
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: 'Pod', namespace: meta.namespace, name: meta.name, uid: meta.uid },
  };
}

/** The subsets a Service's Endpoints should hold for these pods, repacked and sorted. */
export function desiredSubsets(svc: ServiceObject, pods: PodObject[]): EndpointSubset[] {
  const publishNotReady = !!svc.spec?.publishNotReadyAddresses;
  const entries: AddressOnPort[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address = podEndpointAddress(svc, pod);
    if (!address) continue;
    const ready = publishNotReady || isPodReady(pod);
    const ports = svc.spec?.ports ?? [];
    if (!ports.length) {
      // Only a headless service may go without ports; its pods are listed bare.
      if (svc.spec?.clusterIP === 'None') entries.push({ address, ready });
      continue;
    }
    for (const svcPort of ports) {
      const portNumber = findPort(pod, svcPort);
      if (portNumber === undefined) continue;
      const port: EndpointPort = {
        ...(svcPort.name ? { name: svcPort.name } : {}),
        port: portNumber,
        protocol: svcPort.protocol ?? 'TCP',
        ...(svcPort.appProtocol ? { appProtocol: svcPort.appProtocol } : {}),
      };
      entries.push({ address, port, ready });
    }
  }
  return repackSubsets(entries);
}

function portKey(p: EndpointPort | undefined): string {
  return p ? JSON.stringify([p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? '']) : '';
}

function addressKey(a: EndpointAddress): string {
  return JSON.stringify([a.ip, a.targetRef?.uid ?? '']);
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid ?? '';
  const ub = b.targetRef?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/**
 * Upstream's RepackSubsets: addresses that offer exactly the same ports with the same readiness
 * share one subset (a ready entry beats a not-ready one for the same address and port). Sorted
 * so equal inputs always give equal output and no-op updates can be recognised.
 */
function repackSubsets(entries: AddressOnPort[]): EndpointSubset[] {
  const addresses = new Map<string, EndpointAddress>();
  // port key → (address key → ready)
  const byPort = new Map<string, { port?: EndpointPort; readiness: Map<string, boolean> }>();
  for (const { address, port, ready } of entries) {
    const ak = addressKey(address);
    if (!addresses.has(ak)) addresses.set(ak, address);
    const pk = portKey(port);
    let group = byPort.get(pk);
    if (!group) byPort.set(pk, group = { port, readiness: new Map() });
    if (!group.readiness.get(ak)) group.readiness.set(ak, ready);
  }
  // readiness set → the ports offered with exactly that set
  const bySet = new Map<string, { readiness: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const { port, readiness } of byPort.values()) {
    const setKey = JSON.stringify([...readiness].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let group = bySet.get(setKey);
    if (!group) bySet.set(setKey, group = { readiness, ports: [] });
    if (port) group.ports.push(port);
  }
  const subsets: EndpointSubset[] = [];
  for (const { readiness, ports } of bySet.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [ak, isReady] of readiness) (isReady ? ready : notReady).push(addresses.get(ak)!);
    ready.sort(compareAddresses);
    notReady.sort(compareAddresses);
    ports.sort((a, b) => (portKey(a) < portKey(b) ? -1 : portKey(a) > portKey(b) ? 1 : 0));
    subsets.push({
      ...(ready.length ? { addresses: ready } : {}),
      ...(notReady.length ? { notReadyAddresses: notReady } : {}),
      ...(ports.length ? { ports } : {}),
    });
  }
  const subsetKey = (s: EndpointSubset) => JSON.stringify([(s.ports ?? []).map(portKey), (s.addresses ?? []).map(addressKey), (s.notReadyAddresses ?? []).map(addressKey)]);
  return subsets.sort((a, b) => (subsetKey(a) < subsetKey(b) ? -1 : subsetKey(a) > subsetKey(b) ? 1 : 0));
}

/**
 * Cuts the subsets down to MAX_ENDPOINTS_CAPACITY addresses, as upstream: ready addresses are
 * kept before not-ready ones, each subset keeping its share. Returns whether it cut anything.
 */
export function truncateSubsets(subsets: EndpointSubset[]): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += s.addresses?.length ?? 0;
    totalNotReady += s.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= MAX_ENDPOINTS_CAPACITY) return false;
  const truncateReady = totalReady > MAX_ENDPOINTS_CAPACITY;
  const budget = truncateReady ? MAX_ENDPOINTS_CAPACITY : MAX_ENDPOINTS_CAPACITY - totalReady;
  const total = truncateReady ? totalReady : totalNotReady;
  let left = budget;
  for (let i = 0; i < subsets.length; i++) {
    const s = subsets[i] as { addresses?: EndpointAddress[]; notReadyAddresses?: EndpointAddress[]; ports?: EndpointPort[] };
    const inSubset = truncateReady ? s.addresses?.length ?? 0 : s.notReadyAddresses?.length ?? 0;
    const share = Math.min(Math.ceil((inSubset / total) * budget), left);
    if (truncateReady) {
      s.addresses = s.addresses?.slice(0, share);
      delete s.notReadyAddresses;
      left -= s.addresses?.length ?? 0;
    } else {
      s.notReadyAddresses = s.notReadyAddresses?.slice(0, share);
      left -= s.notReadyAddresses?.length ?? 0;
    }
    subsets[i] = s;
  }
  return true;
}

function countAddresses(subsets: EndpointSubset[] | undefined): number {
  return (subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
}

/** Subsets compare equal regardless of the pods' resourceVersions in targetRef. */
function normalizeSubsets(subsets: EndpointSubset[] | undefined): string {
  const addr = (a: EndpointAddress) => ({
    ip: a.ip, hostname: a.hostname ?? '', nodeName: a.nodeName ?? '',
    targetRef: a.targetRef ? { ...a.targetRef, resourceVersion: undefined } : undefined,
  });
  return JSON.stringify((subsets ?? []).map((s) => ({
    addresses: (s.addresses ?? []).map(addr),
    notReadyAddresses: (s.notReadyAddresses ?? []).map(addr),
    ports: (s.ports ?? []).map((p) => [p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? '']),
  })));
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ak = Object.keys(a ?? {}).sort();
  const bk = Object.keys(b ?? {}).sort();
  return ak.length === bk.length && ak.every((k, i) => k === bk[i] && a![k] === b![k]);
}

export function startEndpointsController(deps: EndpointsControllerDeps): { stop(): void } {
  const { client, informers, log, recorder } = deps;
  const endpointsApi = client.resource<EndpointsObject>('', 'v1', 'endpoints');
  const services = informers.informer<ServiceObject>('', 'v1', 'services');
  const pods = informers.informer<PodObject>('', 'v1', 'pods');
  const endpoints = informers.informer<EndpointsObject>('', 'v1', 'endpoints');
  const triggerTimes = createTriggerTimeTracker();
  // Nothing is written from half-filled caches (a restart would briefly empty every Endpoints).
  const cachesSynced = Promise.all([services.synced(), pods.synced(), endpoints.synced()]);
  /** The resourceVersion each Endpoints had before our last update: seeing it again means the cache lags. */
  const staleVersions = new Map<string, string>();
  /** Endpoints we created that the cache has not shown yet: creating them again would only fail. */
  const createdUnseen = new Set<string>();

  const controller = runController({ name: 'endpoint', workers: WORKERS, reconcile: syncService }, log);
  const enqueue = (obj: KObject) => controller.queue.add(objectKeyOf(obj));
  services.addHandlers({ onAdd: enqueue, onUpdate: (_o, svc) => enqueue(svc), onDelete: enqueue });
  pods.addHandlers({
    onAdd: (pod) => { for (const key of servicesForPodChange(services, undefined, pod)) controller.queue.add(key); },
    onUpdate: (old, pod) => { for (const key of servicesForPodChange(services, old, pod)) controller.queue.add(key); },
    onDelete: (pod) => { for (const key of servicesForPodChange(services, pod, undefined)) controller.queue.add(key); },
  });
  endpoints.addHandlers({
    onAdd: (ep) => createdUnseen.delete(objectKeyOf(ep)),
    onDelete: (ep) => { createdUnseen.delete(objectKeyOf(ep)); enqueue(ep); },
  });
  // Once the caches are full, look at every Endpoints once: those whose Service went while no
  // controller ran are orphans to delete.
  void cachesSynced.then(() => {
    for (const ep of endpoints.list()) if (!ep.metadata?.annotations?.[LEADER_ANNOTATION]) enqueue(ep);
  });

  async function syncService(key: string): Promise<ReconcileResult | void> {
    await cachesSynced;
    const [namespace, name] = key.split('/');
    const svc = services.get(name, namespace);
    if (!svc) {
      triggerTimes.deleteService(namespace, name);
      staleVersions.delete(key);
      createdUnseen.delete(key);
      // The API server keeps the `kubernetes` Service's Endpoints itself.
      if (namespace === 'default' && name === 'kubernetes') return;
      try {
        await endpointsApi.delete(name, { namespace });
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
      }
      return;
    }
    const selector = selectorOf(svc);
    if (!selector) return;

    const current = endpoints.get(name, namespace);
    if (current && staleVersions.get(key) === current.metadata?.resourceVersion) {
      throw new Error(`endpoints informer cache is out of date, resource version ${current.metadata?.resourceVersion} already processed for endpoints ${key}`);
    }
    if (!current && createdUnseen.has(key)) throw new Error(`endpoints informer cache is out of date, endpoints ${key} created but not yet seen`);
    const selected = pods.list(namespace).filter((p) => selects(selector, p.metadata?.labels));
    // Computed on every sync (and committed even when nothing is written) so the tracker's view stays current.
    const trigger = triggerTimes.compute(svc, selected);
    const triggerTime = trigger.time;
    const subsets = desiredSubsets(svc, selected);
    const labels = svc.metadata?.labels;
    if (current) {
      const { [HEADLESS_LABEL]: _headless, ...compareLabels } = current.metadata?.labels ?? {};
      const annotations = current.metadata?.annotations ?? {};
      const capacityMarkedRight = countAddresses(current.subsets) <= MAX_ENDPOINTS_CAPACITY && !(OVER_CAPACITY_ANNOTATION in annotations);
      if (normalizeSubsets(current.subsets) === normalizeSubsets(subsets) && sameLabels(compareLabels, labels) && capacityMarkedRight) {
        trigger.commit();
        return;
      }
    }

    const next: EndpointsObject = current
      ? structuredClone(current)
      : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace } };
    const meta = next.metadata!;
    const annotations: Record<string, string> = { ...meta.annotations };
    if (triggerTime) annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(triggerTime);
    else delete annotations[LAST_CHANGE_TRIGGER_TIME];
    if (truncateSubsets(subsets)) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    const nextLabels: Record<string, string> = { ...labels };
    if (isServiceIPSet(svc)) delete nextLabels[HEADLESS_LABEL];
    else nextLabels[HEADLESS_LABEL] = '';
    // Empty maps are left out, as upstream's JSON omits them.
    if (Object.keys(annotations).length) meta.annotations = annotations; else delete meta.annotations;
    if (Object.keys(nextLabels).length) meta.labels = nextLabels; else delete meta.labels;
    next.subsets = subsets;

    try {
      if (!current) {
        await endpointsApi.create(next, { namespace });
        createdUnseen.add(key);
      } else {
        const written = await endpointsApi.update(next, { namespace });
        if (written.metadata?.resourceVersion !== current.metadata?.resourceVersion) staleVersions.set(key, current.metadata!.resourceVersion!);
      }
      trigger.commit();
      log.debug('endpoints: written', { service: key, subsets: subsets.length });
    } catch (err) {
      // Nothing can be created in a terminating namespace: drop the key.
      if (!current && err instanceof ApiError && err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return;
      const message = err instanceof Error ? err.message : String(err);
      if (!current) recorder?.event(next, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${namespace}/${name}: ${message}`);
      else recorder?.event(next, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${namespace}/${name}: ${message}`);
      throw err;
    }
  }

  return { stop: () => controller.stop() };
}
