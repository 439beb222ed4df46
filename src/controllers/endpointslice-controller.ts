// The EndpointSlice controller, as kube-controller-manager's: for every Service with a selector
// it keeps EndpointSlices (`<service>-<random>`, at most 100 endpoints each, one set per address
// type and port set) listing the matching pods with their ready/serving/terminating conditions,
// node, zone and pod reference. It changes as few slices as it can: endpoints stay in the slice
// they are in, new ones fill slices that are being written anyway, and a Service with no
// endpoints keeps one empty placeholder slice. Slices are owned by their Service, so the garbage
// collector removes them with it.
import type { Node } from 'kubernetes-types/core/v1';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { KObject } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import { type InformerFactory, objectKeyOf } from '../client/informer.ts';
import { ApiError } from '../machinery/errors.ts';
import { runController, type ReconcileResult } from './controller.ts';
import {
  HEADLESS_LABEL, LAST_CHANGE_TRIGGER_TIME, type PodObject, type ServiceObject, createTriggerTimeTracker, findPort, isIPv6,
  isPodReady, isServiceIPSet, podIPs, resourceVersionOlder, rfc3339Nano, selectorOf, selects, servicesForPodChange,
  servicesSelecting, shouldPodBeInEndpoints, shouldSetHostname,
} from './endpoints-util.ts';

export type EndpointSliceObject = EndpointSlice & KObject;
type NodeObject = Node & KObject;
type AddressType = 'IPv4' | 'IPv6';

export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const MAX_ENDPOINTS_PER_SLICE = 100;
const RESERVED_LABELS = new Set([SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL]);
const WORKERS = 5;

export interface EndpointSliceControllerDeps {
  client: Client;
  informers: InformerFactory;
  log: Logger;
  /** Records as "endpoint-slice-controller" (upstream only reports topology-hint events, which skiff does not compute). */
  recorder?: EventRecorder;
  /** Unused: the trigger times reported come from the objects themselves (kept for a uniform deps shape). */
  now?: () => Date;
  /** Upstream's --max-endpoints-per-slice (default 100). */
  maxEndpointsPerSlice?: number;
}

/** What one reconcile decided to write. */
export interface SlicePlan {
  create: EndpointSliceObject[];
  update: EndpointSliceObject[];
  delete: EndpointSliceObject[];
  /** Pods skipped because their node is unknown (the sync is retried). */
  missingNodes: string[];
}

// ---- the desired endpoints -----------------------------------------------------------------

/** The address types a Service's slices carry, from its IP families (as upstream guesses without them). */
export function addressTypesFor(svc: ServiceObject): AddressType[] {
  const families = svc.spec?.ipFamilies ?? [];
  const types = new Set<AddressType>();
  for (const f of families) if (f === 'IPv4' || f === 'IPv6') types.add(f);
  if (types.size) return [...types];
  if (isServiceIPSet(svc)) return [isIPv6(svc.spec!.clusterIP!) ? 'IPv6' : 'IPv4'];
  return ['IPv4', 'IPv6'];
}

/** The service's ports as this pod serves them; a port whose named target the pod lacks is left out. */
export function endpointPortsFor(svc: ServiceObject, pod: PodObject): EndpointPort[] {
  const ports = svc.spec?.ports ?? [];
  const out: EndpointPort[] = [];
  for (const svcPort of ports) {
    const port = findPort(pod, svcPort);
    if (port === undefined) continue;
    out.push({
      name: svcPort.name ?? '',
      port,
      protocol: svcPort.protocol ?? 'TCP',
      ...(svcPort.appProtocol ? { appProtocol: svcPort.appProtocol } : {}),
    });
  }
  return out;
}

export function podToEndpoint(pod: PodObject, node: NodeObject | undefined, svc: ServiceObject, addressType: AddressType): Endpoint {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  // A terminating pod is never "ready" unless the Service publishes not-ready addresses.
  const ready = !!svc.spec?.publishNotReadyAddresses || (serving && !terminating);
  const zone = node?.metadata?.labels?.[ZONE_LABEL];
  const meta = pod.metadata ?? {};
  return {
    addresses: podIPs(pod).filter((ip) => isIPv6(ip) === (addressType === 'IPv6')),
    conditions: { ready, serving, terminating },
    ...(shouldSetHostname(pod, svc) ? { hostname: pod.spec!.hostname } : {}),
    targetRef: { kind: 'Pod', namespace: meta.namespace, name: meta.name, uid: meta.uid },
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    ...(zone ? { zone } : {}),
  };
}

/** Which slice group a set of ports belongs to (order does not matter). */
export function portMapKey(ports: readonly EndpointPort[] | undefined): string {
  return JSON.stringify((ports ?? []).map((p) => [p.name ?? '', p.port ?? null, p.protocol ?? 'TCP', p.appProtocol ?? '']).sort());
}

/** An endpoint's identity: its addresses, hostname and pod. */
function endpointKey(ep: Endpoint): string {
  return JSON.stringify([[...(ep.addresses ?? [])].sort(), ep.hostname ?? '', ep.targetRef?.namespace ?? '', ep.targetRef?.name ?? '']);
}

/** Equal beyond the identity: node, zone, conditions and pod reference (its resourceVersion aside). */
function endpointsEqual(a: Endpoint, b: Endpoint): boolean {
  const ref = (e: Endpoint) => JSON.stringify(e.targetRef ? [e.targetRef.kind, e.targetRef.namespace, e.targetRef.name, e.targetRef.uid, e.targetRef.apiVersion, e.targetRef.fieldPath] : null);
  const cond = (e: Endpoint) => JSON.stringify([e.conditions?.ready ?? null, e.conditions?.serving ?? null, e.conditions?.terminating ?? null]);
  return a.nodeName === b.nodeName && a.zone === b.zone && cond(a) === cond(b) && ref(a) === ref(b);
}

// ---- slices --------------------------------------------------------------------------------

function ownedBy(slice: EndpointSliceObject, svc: ServiceObject): boolean {
  return (slice.metadata?.ownerReferences ?? []).some((o) => o.uid === svc.metadata?.uid && o.kind === 'Service' && o.apiVersion === 'v1');
}

function serviceOwnerRef(svc: ServiceObject): OwnerReference {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata!.name!, uid: svc.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

/** The labels a slice should carry: the Service's (reserved keys aside) plus the reserved ones. Also says whether the copied part changed. */
function sliceLabels(current: Record<string, string> | undefined, svc: ServiceObject): { labels: Record<string, string>; changed: boolean } {
  const fromSlice: Record<string, string> = {};
  for (const [k, v] of Object.entries(current ?? {})) if (!RESERVED_LABELS.has(k)) fromSlice[k] = v;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) if (!RESERVED_LABELS.has(k)) labels[k] = v;
  const changed = Object.keys(fromSlice).length !== Object.keys(labels).length || Object.entries(labels).some(([k, v]) => fromSlice[k] !== v);
  if (!isServiceIPSet(svc)) labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = svc.metadata!.name!;
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return { labels, changed };
}

/** The name prefix of a Service's slices: "<name>-", or the bare name when the dash would make it invalid. */
function slicePrefix(serviceName: string): string {
  return serviceName.length + 1 > 253 ? serviceName : `${serviceName}-`;
}

function newSlice(svc: ServiceObject, ports: EndpointPort[], addressType: AddressType): EndpointSliceObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: slicePrefix(svc.metadata!.name!),
      namespace: svc.metadata?.namespace,
      labels: sliceLabels(undefined, svc).labels,
      ownerReferences: [serviceOwnerRef(svc)],
    },
    addressType,
    endpoints: [],
    ports,
  };
}

/** The existing placeholder needs no replacing when it is one already: empty, same labels and owner. */
function isPlaceholderFor(slice: EndpointSliceObject, placeholder: EndpointSliceObject): boolean {
  const labels = JSON.stringify(Object.entries(slice.metadata?.labels ?? {}).sort());
  const want = JSON.stringify(Object.entries(placeholder.metadata?.labels ?? {}).sort());
  return labels === want && !(slice.endpoints ?? []).length && !(slice.ports ?? []).length &&
    slice.addressType === placeholder.addressType &&
    JSON.stringify(slice.metadata?.ownerReferences ?? []) === JSON.stringify(placeholder.metadata?.ownerReferences ?? []);
}

/** Upstream's getSliceToFill: the unchanged slice that comes closest to full with `count` more. */
function sliceToFill(slices: EndpointSliceObject[], count: number, max: number): EndpointSliceObject | undefined {
  let best: EndpointSliceObject | undefined;
  let bestGap = max;
  for (const slice of slices) {
    const gap = max - (count + (slice.endpoints ?? []).length);
    if (gap >= 0 && gap < bestGap) {
      best = slice;
      bestGap = gap;
      if (gap === 0) break;
    }
  }
  return best;
}

interface PortGroup {
  ports: EndpointPort[];
  /** endpoint key → endpoint, in a stable order. */
  endpoints: Map<string, Endpoint>;
}

/** One port set's slices: keep endpoints where they are, fill slices being written, then create. */
function planPortGroup(svc: ServiceObject, existing: EndpointSliceObject[], group: PortGroup, addressType: AddressType, max: number) {
  const desired = group.endpoints;
  const byName = new Map<string, EndpointSliceObject>();
  const unchanged: string[] = [];
  const toUpdate: string[] = [];
  const toDelete: string[] = [];

  for (const slice of existing) {
    const name = slice.metadata!.name!;
    byName.set(name, slice);
    const kept: Endpoint[] = [];
    let endpointChanged = false;
    for (const ep of slice.endpoints ?? []) {
      const key = endpointKey(ep);
      const want = desired.get(key);
      if (!want) continue;
      kept.push(want);
      if (!endpointsEqual(want, ep)) endpointChanged = true;
      desired.delete(key);
    }
    const { labels, changed: labelsChanged } = sliceLabels(slice.metadata?.labels, svc);
    if (endpointChanged || kept.length !== (slice.endpoints ?? []).length) {
      if (!kept.length) { toDelete.push(name); continue; }
      const next = structuredClone(slice);
      next.endpoints = kept;
      next.metadata!.labels = labels;
      byName.set(name, next);
      toUpdate.push(name);
    } else if (labelsChanged) {
      const next = structuredClone(slice);
      next.metadata!.labels = labels;
      byName.set(name, next);
      toUpdate.push(name);
    } else {
      unchanged.push(name);
    }
  }

  const remaining = [...desired.values()];
  // Fill the slices being written anyway, fullest first.
  if (remaining.length && toUpdate.length) {
    const slices = toUpdate.map((n) => byName.get(n)!).sort((a, b) => (b.endpoints ?? []).length - (a.endpoints ?? []).length);
    for (const slice of slices) {
      const eps = (slice.endpoints ??= []) as Endpoint[];
      while (remaining.length && eps.length < max) eps.push(remaining.shift()!);
    }
  }
  // Then an unchanged slice the rest fits into, or new slices.
  const create: EndpointSliceObject[] = [];
  while (remaining.length) {
    let target: EndpointSliceObject | undefined;
    if (remaining.length < max && unchanged.length) {
      const found = sliceToFill(unchanged.map((n) => byName.get(n)!), remaining.length, max);
      if (found) {
        target = structuredClone(found);
        byName.set(target.metadata!.name!, target);
      }
    }
    target ??= newSlice(svc, group.ports, addressType);
    const eps = (target.endpoints ??= []) as Endpoint[];
    while (remaining.length && eps.length < max) eps.push(remaining.shift()!);
    const name = target.metadata?.name;
    if (name) {
      toUpdate.push(name);
      unchanged.splice(unchanged.indexOf(name), 1);
    } else {
      create.push(target);
    }
  }
  return { create, update: toUpdate.map((n) => byName.get(n)!), delete: toDelete.map((n) => byName.get(n)!) };
}

/**
 * What to write for one Service (upstream's reconciler, without topology hints): a pure function
 * of the Service, its pods, the nodes and the slices it has now.
 */
export function planEndpointSlices(
  svc: ServiceObject, pods: PodObject[], nodeNamed: (name: string) => NodeObject | undefined,
  existing: EndpointSliceObject[], maxPerSlice = MAX_ENDPOINTS_PER_SLICE,
): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [], missingNodes: [] };
  const types = addressTypesFor(svc);
  const byType = new Map<string, EndpointSliceObject[]>();
  for (const slice of existing) {
    if (!types.includes(slice.addressType as AddressType)) { plan.delete.push(slice); continue; }
    const list = byType.get(slice.addressType) ?? [];
    list.push(slice);
    byType.set(slice.addressType, list);
  }
  // Pods in a stable order, so new endpoints land in slices the same way every time.
  const sortedPods = [...pods].sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
  for (const addressType of types) {
    const slices = byType.get(addressType) ?? [];
    const create: EndpointSliceObject[] = [];
    const update: EndpointSliceObject[] = [];
    const del: EndpointSliceObject[] = [];

    const existingByPorts = new Map<string, EndpointSliceObject[]>();
    for (const slice of slices) {
      if (!ownedBy(slice, svc)) { del.push(slice); continue; }
      const key = portMapKey(slice.ports);
      existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), slice]);
    }

    const desired = new Map<string, PortGroup>();
    for (const pod of sortedPods) {
      if (!shouldPodBeInEndpoints(pod, true)) continue;
      const ports = endpointPortsFor(svc, pod);
      const key = portMapKey(ports);
      let group = desired.get(key);
      if (!group) desired.set(key, group = { ports, endpoints: new Map() });
      const node = nodeNamed(pod.spec?.nodeName ?? '');
      if (!node && !svc.spec?.publishNotReadyAddresses) {
        plan.missingNodes.push(`${pod.metadata?.name}@${pod.spec?.nodeName ?? ''}`);
        continue;
      }
      const endpoint = podToEndpoint(pod, node, svc, addressType);
      if (endpoint.addresses.length) group.endpoints.set(endpointKey(endpoint), endpoint);
    }

    for (const [key, group] of desired) {
      const r = planPortGroup(svc, existingByPorts.get(key) ?? [], group, addressType, maxPerSlice);
      create.push(...r.create);
      update.push(...r.update);
      del.push(...r.delete);
    }
    for (const [key, group] of existingByPorts) if (!desired.has(key)) del.push(...group);

    // A Service with no endpoints still gets one (empty) slice.
    if (slices.length === del.length && !create.length) {
      const placeholder = newSlice(svc, [], addressType);
      if (del.length === 1 && isPlaceholderFor(del[0], placeholder)) del.length = 0;
      else create.push(placeholder);
    }

    // Rather than create one slice and delete another, rewrite the one being deleted.
    for (let i = 0; i < del.length && create.length;) {
      const victim = del[i];
      if (victim.addressType === addressType && ownedBy(victim, svc)) {
        const slice = create.pop()!;
        const meta = slice.metadata!;
        delete meta.generateName;
        slice.metadata = { ...victim.metadata, labels: meta.labels, ownerReferences: meta.ownerReferences };
        update.push(slice);
        del.splice(i, 1);
      } else {
        i++;
      }
    }
    plan.create.push(...create);
    plan.update.push(...update);
    plan.delete.push(...del);
  }
  return plan;
}

// ---- the controller ------------------------------------------------------------------------

/**
 * Remembers what this controller last wrote per Service (by slice uid: the resourceVersion, or
 * that it deleted it), so a sync never acts on a cache that has not yet seen its own writes
 * (upstream's EndpointSliceTracker).
 */
function createSliceTracker() {
  const DELETED = 'deleted';
  const byService = new Map<string, Map<string, string>>();
  const serviceKeyOf = (slice: EndpointSliceObject) => `${slice.metadata?.namespace}/${slice.metadata?.labels?.[SERVICE_NAME_LABEL] ?? ''}`;
  const forService = (key: string) => {
    let m = byService.get(key);
    if (!m) byService.set(key, m = new Map());
    return m;
  };
  return {
    written(slice: EndpointSliceObject) { forService(serviceKeyOf(slice)).set(slice.metadata!.uid!, slice.metadata!.resourceVersion!); },
    deleted(slice: EndpointSliceObject) { forService(serviceKeyOf(slice)).set(slice.metadata!.uid!, DELETED); },
    /** Whether the cached slices lag behind what we wrote. */
    stale(serviceKey: string, cached: EndpointSliceObject[]): boolean {
      const tracked = byService.get(serviceKey);
      if (!tracked) return false;
      const seen = new Set<string>();
      for (const slice of cached) {
        const uid = slice.metadata?.uid ?? '';
        seen.add(uid);
        const rv = tracked.get(uid);
        if (rv === DELETED || (rv !== undefined && resourceVersionOlder(slice.metadata?.resourceVersion, rv))) return true;
      }
      for (const [uid, rv] of tracked) if (rv !== DELETED && !seen.has(uid)) return true;
      return false;
    },
    /** An informer event for a slice is news unless it shows exactly what we wrote. */
    shouldSync(slice: EndpointSliceObject): boolean {
      const rv = byService.get(serviceKeyOf(slice))?.get(slice.metadata?.uid ?? '');
      return rv === undefined || rv !== slice.metadata?.resourceVersion;
    },
    /** Forgets a deleted slice; true when the deletion was not ours. */
    handleDeletion(slice: EndpointSliceObject): boolean {
      const tracked = byService.get(serviceKeyOf(slice));
      const uid = slice.metadata?.uid ?? '';
      const rv = tracked?.get(uid);
      tracked?.delete(uid);
      return rv !== DELETED;
    },
    deleteService(key: string) { byService.delete(key); },
  };
}

function managedByUs(slice: EndpointSliceObject): boolean {
  return slice.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME;
}

const POD_NODE_NAME_INDEX = 'spec.nodeName';

export function startEndpointSliceController(deps: EndpointSliceControllerDeps): { stop(): void } {
  const { client, informers, log } = deps;
  const maxPerSlice = deps.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE;
  const slicesApi = client.resource<EndpointSliceObject>('discovery.k8s.io', 'v1', 'endpointslices');
  const services = informers.informer<ServiceObject>('', 'v1', 'services');
  const pods = informers.informer<PodObject>('', 'v1', 'pods');
  const nodes = informers.informer<NodeObject>('', 'v1', 'nodes');
  const slices = informers.informer<EndpointSliceObject>('discovery.k8s.io', 'v1', 'endpointslices');
  // A node's pods without scanning every pod when its zone label changes.
  pods.addIndex(POD_NODE_NAME_INDEX, (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []));
  const tracker = createSliceTracker();
  const triggerTimes = createTriggerTimeTracker();
  // Nothing is written from half-filled caches (a restart would briefly empty every slice).
  const cachesSynced = Promise.all([services.synced(), pods.synced(), nodes.synced(), slices.synced()]);

  const controller = runController({ name: 'endpointslice', workers: WORKERS, reconcile: syncService }, log);
  const add = (keys: string[]) => { for (const key of keys) controller.queue.add(key); };
  const enqueueService = (svc: ServiceObject) => controller.queue.add(objectKeyOf(svc));
  const enqueueForSlice = (slice: EndpointSliceObject) => {
    const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (name) controller.queue.add(`${slice.metadata?.namespace}/${name}`);
  };
  /** Services of the pods on a node: their endpoints name its zone. */
  const enqueueForNode = (node: NodeObject) => {
    const keys = new Set<string>();
    for (const pod of pods.byIndex(POD_NODE_NAME_INDEX, node.metadata?.name ?? '')) {
      for (const key of servicesSelecting(services.list(pod.metadata?.namespace), pod.metadata?.labels)) keys.add(key);
    }
    add([...keys]);
  };

  services.addHandlers({ onAdd: enqueueService, onUpdate: (_o, svc) => enqueueService(svc), onDelete: enqueueService });
  pods.addHandlers({
    onAdd: (pod) => add(servicesForPodChange(services, undefined, pod)),
    onUpdate: (old, pod) => add(servicesForPodChange(services, old, pod)),
    onDelete: (pod) => add(servicesForPodChange(services, pod, undefined)),
  });
  nodes.addHandlers({
    onAdd: enqueueForNode,
    onUpdate: (old, node) => { if (old.metadata?.labels?.[ZONE_LABEL] !== node.metadata?.labels?.[ZONE_LABEL]) enqueueForNode(node); },
  });
  slices.addHandlers({
    onAdd: (slice) => { if (managedByUs(slice) && tracker.shouldSync(slice)) enqueueForSlice(slice); },
    onUpdate: (old, slice) => {
      if (managedByUs(old) !== managedByUs(slice)) { enqueueForSlice(old); enqueueForSlice(slice); return; }
      if (managedByUs(slice) && tracker.shouldSync(slice)) enqueueForSlice(slice);
    },
    onDelete: (slice) => { if (managedByUs(slice) && tracker.handleDeletion(slice)) enqueueForSlice(slice); },
  });

  async function syncService(key: string): Promise<ReconcileResult | void> {
    await cachesSynced;
    const [namespace, name] = key.split('/');
    const svc = services.get(name, namespace);
    if (!svc) {
      // Its slices are owned by it: the garbage collector takes them.
      triggerTimes.deleteService(namespace, name);
      tracker.deleteService(key);
      return;
    }
    const selector = selectorOf(svc);
    if (!selector) return;

    const selected = pods.list(namespace).filter((p) => selects(selector, p.metadata?.labels));
    const existing = slices.list(namespace).filter((s) =>
      s.metadata?.labels?.[SERVICE_NAME_LABEL] === name && managedByUs(s) && !s.metadata?.deletionTimestamp);
    if (tracker.stale(key, existing)) throw new Error('EndpointSlice informer cache is out of date');
    const trigger = triggerTimes.compute(svc, selected);
    const triggerTime = trigger.time;

    const plan = planEndpointSlices(svc, selected, (n) => nodes.get(n), existing, maxPerSlice);
    const stamp = (slice: EndpointSliceObject) => {
      const annotations: Record<string, string> = { ...slice.metadata!.annotations };
      if (triggerTime) annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(triggerTime);
      else delete annotations[LAST_CHANGE_TRIGGER_TIME];
      if (Object.keys(annotations).length) slice.metadata!.annotations = annotations;
      else delete slice.metadata!.annotations;
    };

    // A Service on its way out gets no new slices: the collector would race to delete them.
    if (!svc.metadata?.deletionTimestamp) {
      for (const slice of plan.create) {
        stamp(slice);
        try {
          tracker.written(await slicesApi.create(slice, { namespace }));
        } catch (err) {
          if (err instanceof ApiError && err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return;
          throw new Error(`failed to create EndpointSlice for Service ${key}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    for (const slice of plan.update) {
      stamp(slice);
      try {
        tracker.written(await slicesApi.update(slice, { namespace }));
      } catch (err) {
        throw new Error(`failed to update ${slice.metadata?.name} EndpointSlice for Service ${key}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    for (const slice of plan.delete) {
      try {
        await slicesApi.delete(slice.metadata!.name!, { namespace });
        tracker.deleted(slice);
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'NotFound')) {
          throw new Error(`failed to delete ${slice.metadata?.name} EndpointSlice for Service ${key}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    trigger.commit();
    if (plan.create.length + plan.update.length + plan.delete.length) {
      log.debug('endpointslices: written', { service: key, created: plan.create.length, updated: plan.update.length, deleted: plan.delete.length });
    }
    if (plan.missingNodes.length) {
      throw new Error(`skipping pods for Service ${key}: node not found (${plan.missingNodes.join(', ')})`);
    }
  }

  return { stop: () => controller.stop() };
}
