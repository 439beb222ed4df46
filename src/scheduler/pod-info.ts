// Everything the scheduler needs from a pod, worked out once when the pod is seen (requests as
// numbers, host ports, parsed affinity terms) so that filtering thousands of nodes never
// re-reads the pod spec or re-parses a quantity or a selector.
import type { Pod, PodAffinityTerm, Toleration, WeightedPodAffinityTerm } from 'kubernetes-types/core/v1';
import { fromLabelSelector, matchesLabels, NOTHING, type LabelSelector } from '../machinery/label-selector.ts';
import { CPU, MEMORY, podRequestAmounts, toResources, type Resources } from './resources.ts';

export interface AffinityTerm {
  /** Namespaces named by the term (the pod's own when neither names nor a selector are given). */
  readonly namespaces: ReadonlySet<string>;
  /** NOTHING when the term has no namespaceSelector. */
  readonly namespaceSelector: LabelSelector;
  readonly selector: LabelSelector;
  readonly topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

export interface PodInfo {
  readonly pod: Pod;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** spec.priority (filled from the PriorityClass by admission); absent counts as 0. */
  readonly priority: number;
  readonly terminating: boolean;
  /** What the pod requests (decides fit). */
  readonly requests: Resources;
  /** cpu / memory with the defaults for containers that request nothing (decides spreading). */
  readonly nonZeroMilliCPU: number;
  readonly nonZeroMemory: number;
  readonly hostPorts: readonly HostPort[];
  readonly tolerations: readonly Toleration[];
  /** True when the pod has any pod affinity or anti-affinity (upstream's PodsWithAffinity). */
  readonly hasPodAffinity: boolean;
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  /** uid of the controlling owner (ReplicaSet, StatefulSet ...), for default spreading. */
  readonly ownerUid: string | undefined;
  /** status.startTime in ms since the epoch; undefined before the kubelet starts the pod. */
  readonly startTime: number | undefined;
}

function selectorOrNothing(sel: PodAffinityTerm['labelSelector']): LabelSelector {
  try {
    return fromLabelSelector(sel);
  } catch {
    return NOTHING; // an unparsable selector matches nothing, as upstream treats it
  }
}

function affinityTerm(pod: Pod, t: PodAffinityTerm): AffinityTerm {
  const names = t.namespaces ?? [];
  const namespaces = new Set(names.length === 0 && !t.namespaceSelector ? [pod.metadata?.namespace ?? ''] : names);
  return {
    namespaces,
    namespaceSelector: t.namespaceSelector ? selectorOrNothing(t.namespaceSelector) : NOTHING,
    selector: selectorOrNothing(t.labelSelector),
    topologyKey: t.topologyKey,
  };
}

function weighted(pod: Pod, terms: WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] {
  return (terms ?? []).map((w) => ({ ...affinityTerm(pod, w.podAffinityTerm), weight: w.weight }));
}

function hostPortsOf(pod: Pod): HostPort[] {
  const ports: HostPort[] = [];
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      ports.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return ports;
}

export function podInfoOf(pod: Pod): PodInfo {
  const spec = pod.spec;
  const meta = pod.metadata ?? {};
  const affinity = spec?.affinity;
  const requested = podRequestAmounts(spec);
  const nonZero = podRequestAmounts(spec, true);
  const owner = (meta.ownerReferences ?? []).find((r) => r.controller);
  const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : NaN;
  return {
    pod,
    uid: meta.uid ?? `${meta.namespace}/${meta.name}`,
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    labels: meta.labels ?? {},
    priority: spec?.priority ?? 0,
    terminating: !!meta.deletionTimestamp,
    requests: toResources(requested),
    nonZeroMilliCPU: nonZero.get(CPU) ?? 0,
    nonZeroMemory: nonZero.get(MEMORY) ?? 0,
    hostPorts: hostPortsOf(pod),
    tolerations: spec?.tolerations ?? [],
    hasPodAffinity: !!(affinity?.podAffinity || affinity?.podAntiAffinity),
    requiredAffinityTerms: (affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => affinityTerm(pod, t)),
    requiredAntiAffinityTerms: (affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => affinityTerm(pod, t)),
    preferredAffinityTerms: weighted(pod, affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    preferredAntiAffinityTerms: weighted(pod, affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    ownerUid: owner?.uid,
    startTime: Number.isNaN(start) ? undefined : start,
  };
}

/** Does `term` (of some pod) select `pod`? `nsLabels` are the labels of `pod`'s namespace. */
export function termMatches(term: AffinityTerm, pod: PodInfo, nsLabels: Readonly<Record<string, string>> | undefined): boolean {
  // NOTHING (no namespaceSelector) never matches, so only the named namespaces count then.
  const inNamespace = term.namespaces.has(pod.namespace) || matchesLabels(term.namespaceSelector, nsLabels);
  return inNamespace && matchesLabels(term.selector, pod.labels);
}

/** Upstream's MoreImportantPod: higher priority first, then the one that started earlier. */
export function moreImportant(a: PodInfo, b: PodInfo, now: number): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return (a.startTime ?? now) < (b.startTime ?? now);
}
