// Resource amounts as the scheduler counts them: cpu in millicores, everything else in whole
// units (bytes, pods, devices), as plain numbers so the hot path never touches a Quantity.
// A pod's request follows upstream's PodRequests: the larger of (app containers + sidecars) and
// each init container (plus the sidecars started before it), plus the pod overhead.
import type { Container, PodSpec } from 'kubernetes-types/core/v1';
import { milliValue, parseQuantity, value } from '../machinery/quantity.ts';

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';

/** What the scheduler assumes a container without a cpu / memory request uses, for spreading. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** A mutable set of amounts (cpu in millicores); `scalar` holds extended resources, hugepages ... */
export interface Resources {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  scalar: Map<string, number> | undefined;
}

export function emptyResources(): Resources {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, scalar: undefined };
}

export function cloneResources(r: Resources): Resources {
  return { milliCPU: r.milliCPU, memory: r.memory, ephemeralStorage: r.ephemeralStorage, scalar: r.scalar && new Map(r.scalar) };
}

/** r += sign × d. */
export function addResources(r: Resources, d: Resources, sign = 1): void {
  r.milliCPU += sign * d.milliCPU;
  r.memory += sign * d.memory;
  r.ephemeralStorage += sign * d.ephemeralStorage;
  if (d.scalar) {
    r.scalar ??= new Map();
    for (const [name, n] of d.scalar) r.scalar.set(name, (r.scalar.get(name) ?? 0) + sign * n);
  }
}

// ---- quantities -------------------------------------------------------------------------------

// The same few strings ("100m", "128Mi") come up again and again; parse each once.
const MEMO_LIMIT = 10_000;
const milliMemo = new Map<string, number>();
const unitMemo = new Map<string, number>();

function memoized(memo: Map<string, number>, q: unknown, convert: (s: string) => number): number {
  if (q === undefined || q === null) return 0;
  const s = String(q);
  let n = memo.get(s);
  if (n === undefined) {
    try {
      n = convert(s);
    } catch {
      n = 0; // validation keeps bad quantities out; never let one stop the scheduler
    }
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(s, n);
  }
  return n;
}

/** A quantity in thousandths, rounded up (upstream's MilliValue). */
export function quantityMilli(q: unknown): number {
  return memoized(milliMemo, q, (s) => milliValue(parseQuantity(s)));
}

/** A quantity in whole units, rounded up (upstream's Value). */
export function quantityUnits(q: unknown): number {
  return memoized(unitMemo, q, (s) => value(parseQuantity(s)));
}

/** A ResourceList as numbers: cpu in millicores, the rest in units. */
export function resourceListAmounts(list: Record<string, unknown> | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (!list) return out;
  for (const [name, q] of Object.entries(list)) out.set(name, name === CPU ? quantityMilli(q) : quantityUnits(q));
  return out;
}

// ---- pod requests ----------------------------------------------------------------------------

type Amounts = Map<string, number>;

function addInto(into: Amounts, from: Amounts): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

function maxInto(into: Amounts, from: Amounts): void {
  for (const [k, v] of from) if (!into.has(k) || v > into.get(k)!) into.set(k, v);
}

function containerRequests(c: Container, nonMissing: boolean): Amounts {
  const reqs = resourceListAmounts(c.resources?.requests as Record<string, unknown> | undefined);
  if (nonMissing) {
    if (!reqs.has(CPU)) reqs.set(CPU, DEFAULT_MILLI_CPU_REQUEST);
    if (!reqs.has(MEMORY)) reqs.set(MEMORY, DEFAULT_MEMORY_REQUEST);
  }
  return reqs;
}

/**
 * The pod's effective requests (upstream's resourcehelper.PodRequests). With `nonMissing`,
 * containers without a cpu or memory request count the scheduler's defaults instead of zero
 * (used to score spreading, never to decide fit).
 */
export function podRequestAmounts(spec: PodSpec | undefined, nonMissing = false): Amounts {
  const reqs: Amounts = new Map();
  for (const c of spec?.containers ?? []) addInto(reqs, containerRequests(c, nonMissing));
  const sidecars: Amounts = new Map();
  const initPeak: Amounts = new Map();
  for (const c of spec?.initContainers ?? []) {
    const own = containerRequests(c, nonMissing);
    let effective: Amounts;
    if (c.restartPolicy === 'Always') {
      // A sidecar keeps running beside the app containers, and beside later init containers.
      addInto(reqs, own);
      addInto(sidecars, own);
      effective = new Map(sidecars);
    } else {
      effective = new Map(own);
      addInto(effective, sidecars);
    }
    maxInto(initPeak, effective);
  }
  maxInto(reqs, initPeak);
  if (spec?.overhead) addInto(reqs, resourceListAmounts(spec.overhead as Record<string, unknown>));
  return reqs;
}

/** Amounts as a Resources record (the pods count, if any, is dropped: it is not a request). */
export function toResources(amounts: Amounts): Resources {
  const r = emptyResources();
  for (const [name, n] of amounts) {
    switch (name) {
      case CPU: r.milliCPU = n; break;
      case MEMORY: r.memory = n; break;
      case EPHEMERAL_STORAGE: r.ephemeralStorage = n; break;
      case PODS: break;
      default:
        r.scalar ??= new Map();
        r.scalar.set(name, n);
    }
  }
  return r;
}
