// Preemption (upstream's DefaultPreemption post-filter): when a pod fits nowhere, look for a
// node where evicting lower-priority pods would make it fit, evicting as few and as unimportant
// pods as possible and, where possible, none that a PodDisruptionBudget protects. The decision
// is pure (nodes are cloned for the dry runs); executePreemption does the API calls: mark each
// victim DisruptionTarget, delete it, and record a Preempted event on it. The preemptor is then
// nominated to the node and waits, unschedulable, until the victims are gone.
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import type { Logger } from '../cli/log.ts';
import type { ResourceClient } from '../client/client.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import { ApiError } from '../machinery/errors.ts';
import { fromLabelSelector, isEverything, matchesLabels, type LabelSelector } from '../machinery/label-selector.ts';
import {
  addPodToCycle, cloneCycle, fitErrorMessage, removePodFromCycle, runFiltersWithNominated,
  type Diagnosis, type FilterCycle, type NominatedPods,
} from './framework.ts';
import type { NodeInfo } from './node-info.ts';
import { moreImportant, type PodInfo } from './pod-info.ts';
import { setPodCondition, updatePodStatus, type PodObject } from './pod-status.ts';
import { errorStatus, unresolvable, type ClusterView, type Status } from './types.ts';

const NOT_HELPFUL = unresolvable('Preemption is not helpful for scheduling');
const NO_VICTIMS = unresolvable('No preemption victims found for incoming pod');
/** Dry-run at least this share of the candidate nodes, and at least this many. */
const MIN_CANDIDATE_NODES_PERCENTAGE = 10;
const MIN_CANDIDATE_NODES_ABSOLUTE = 100;

export interface BudgetInfo {
  readonly namespace: string;
  readonly selector: LabelSelector;
  readonly disruptionsAllowed: number;
  /** Pods whose eviction the API server already counted against the budget. */
  readonly disruptedPods: ReadonlySet<string>;
}

/** The budgets that can protect anything (a missing or empty selector matches nothing). */
export function budgetInfos(pdbs: readonly PodDisruptionBudget[]): BudgetInfo[] {
  const out: BudgetInfo[] = [];
  for (const pdb of pdbs) {
    let selector: LabelSelector;
    try {
      selector = fromLabelSelector(pdb.spec?.selector);
    } catch {
      continue;
    }
    if (selector.nothing || isEverything(selector)) continue;
    out.push({
      namespace: pdb.metadata?.namespace ?? '',
      selector,
      disruptionsAllowed: pdb.status?.disruptionsAllowed ?? 0,
      disruptedPods: new Set(Object.keys(pdb.status?.disruptedPods ?? {})),
    });
  }
  return out;
}

/** Splits pods into those whose eviction would exceed some budget's allowance and the rest (in order). */
export function splitByBudgetViolation(pods: readonly PodInfo[], budgets: readonly BudgetInfo[]): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = budgets.map((b) => b.disruptionsAllowed);
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const p of pods) {
    let violates = false;
    if (Object.keys(p.labels).length) {
      budgets.forEach((b, i) => {
        if (b.namespace !== p.namespace || !matchesLabels(b.selector, p.labels) || b.disruptedPods.has(p.name)) return;
        if (--allowed[i] < 0) violates = true;
      });
    }
    (violates ? violating : nonViolating).push(p);
  }
  return { violating, nonViolating };
}

/** A pod on its way out because the scheduler preempted it. */
export function terminatingByPreemption(p: PodInfo): boolean {
  if (!p.terminating) return false;
  const c = p.pod.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
  return c?.status === 'True' && c.reason === 'PreemptionByScheduler';
}

/** Why the pod may not preempt, or undefined when it may. */
export function preemptionIneligibility(pod: PodInfo, policy: string | undefined, nominatedNodeStatus: Status | undefined, view: ClusterView): string | undefined {
  if (policy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
  const nominated = pod.pod.status?.nominatedNodeName;
  if (!nominated || nominatedNodeStatus?.code === 'UnschedulableAndUnresolvable') return undefined;
  const node = view.node(nominated);
  if (node) {
    // It already preempted there: wait for those victims rather than evict more.
    for (const p of node.pods.values()) {
      if (p.priority < pod.priority && terminatingByPreemption(p)) return 'not eligible due to a terminating pod on the nominated node.';
    }
  }
  return undefined;
}

export interface Candidate {
  readonly node: string;
  /** Most important first. */
  readonly victims: readonly PodInfo[];
  readonly pdbViolations: number;
}

/**
 * The fewest, least important pods to remove from `node` (a clone, changed in place) for `pod`
 * to fit: remove every lower-priority pod, then put back as many as still leave room — budget-
 * protected ones first, most important first.
 */
export function selectVictimsOnNode(cycle: FilterCycle, pod: PodInfo, node: NodeInfo, budgets: readonly BudgetInfo[],
  nominated: NominatedPods | undefined, now: number): { victims: PodInfo[]; pdbViolations: number } | { status: Status } {
  const potential: PodInfo[] = [];
  for (const p of node.pods.values()) if (p.priority < pod.priority) potential.push(p);
  if (potential.length === 0) return { status: NO_VICTIMS };
  for (const p of potential) removePodFromCycle(cycle, pod, p, node);
  const failure = runFiltersWithNominated(cycle, pod, node, nominated);
  if (failure) return { status: failure.status };
  potential.sort((a, b) => (moreImportant(a, b, now) ? -1 : moreImportant(b, a, now) ? 1 : 0));
  const { violating, nonViolating } = splitByBudgetViolation(potential, budgets);
  const victims: PodInfo[] = [];
  let pdbViolations = 0;
  const reprieve = (p: PodInfo): boolean => {
    addPodToCycle(cycle, pod, p, node);
    if (!runFiltersWithNominated(cycle, pod, node, nominated)) return true;
    removePodFromCycle(cycle, pod, p, node);
    victims.push(p);
    return false;
  };
  for (const p of violating) if (!reprieve(p)) pdbViolations++;
  for (const p of nonViolating) reprieve(p);
  if (violating.length && nonViolating.length) victims.sort((a, b) => (moreImportant(a, b, now) ? -1 : moreImportant(b, a, now) ? 1 : 0));
  return { victims, pdbViolations };
}

/**
 * Upstream's pickOneNodeForPreemption: fewest budget violations, then the lowest most-important
 * victim, the lowest sum of priorities, the fewest victims, the latest start of the most
 * important victims; then the first.
 */
export function pickCandidate(candidates: readonly Candidate[], now: number): Candidate {
  const criteria: Array<(c: Candidate) => number> = [
    (c) => -c.pdbViolations,
    (c) => -c.victims[0].priority,
    (c) => -c.victims.reduce((sum, v) => sum + v.priority + 2 ** 31, 0),
    (c) => -c.victims.length,
    (c) => {
      const top = c.victims[0].priority;
      let earliest = Infinity;
      for (const v of c.victims) if (v.priority === top) earliest = Math.min(earliest, v.startTime ?? now);
      return earliest;
    },
  ];
  let pool = [...candidates];
  for (const score of criteria) {
    if (pool.length === 1) break;
    let best = -Infinity;
    let kept: Candidate[] = [];
    for (const c of pool) {
      const s = score(c);
      if (s > best) { best = s; kept = [c]; } else if (s === best) kept.push(c);
    }
    pool = kept;
  }
  return pool[0];
}

function hasLowerPriorityPod(node: NodeInfo, priority: number): boolean {
  for (const p of node.pods.values()) if (p.priority < priority) return true;
  return false;
}

export interface PreemptionInput {
  pod: PodInfo;
  /** spec.preemptionPolicy, or the PriorityClass's when the pod does not say. */
  preemptionPolicy: string | undefined;
  view: ClusterView;
  /** The failed cycle's filters and state (undefined when pre-filter rejected the pod). */
  cycle: FilterCycle | undefined;
  diagnosis: Diagnosis;
  budgets: readonly BudgetInfo[];
  nominated?: NominatedPods;
  random?: () => number;
  now?: number;
}

export type PreemptionOutcome =
  | { readonly nominate: Candidate }
  /** `message` goes after the fit error; `clearNomination` drops a stale status.nominatedNodeName. */
  | { readonly message: string; readonly clearNomination: boolean };

export function findPreemption(input: PreemptionInput): PreemptionOutcome {
  const { pod, view, diagnosis, budgets, nominated } = input;
  const random = input.random ?? Math.random;
  const now = input.now ?? Date.now();
  const nominatedStatus = pod.pod.status?.nominatedNodeName ? diagnosis.nodeToStatus.get(pod.pod.status.nominatedNodeName) : undefined;
  const ineligible = preemptionIneligibility(pod, input.preemptionPolicy, nominatedStatus, view);
  if (ineligible) return { message: `preemption: ${ineligible}`, clearNomination: false };

  const allNodes = view.nodes;
  const statuses = new Map<string, Status>();
  const failed = () => ({
    message: `preemption: ${fitErrorMessage({ nodeToStatus: statuses, unschedulablePlugins: new Set(), preFilterMsg: '', numAllNodes: allNodes.length }, '', NOT_HELPFUL)}`,
    clearNomination: true,
  });
  // Only nodes that failed for reasons removing pods could cure are worth a dry run.
  const potential = input.cycle ? allNodes.filter((n) => diagnosis.nodeToStatus.get(n.name)?.code === 'Unschedulable') : [];
  if (potential.length === 0) return failed();

  const wanted = Math.min(Math.max(Math.trunc((potential.length * MIN_CANDIDATE_NODES_PERCENTAGE) / 100), MIN_CANDIDATE_NODES_ABSOLUTE), potential.length);
  const offset = Math.floor(random() * potential.length);
  const candidates: Candidate[] = [];
  let nonViolating = 0;
  for (let i = 0; i < potential.length; i++) {
    const node = potential[(offset + i) % potential.length];
    // Most nodes of a busy cluster have nothing to evict: say so without cloning them.
    if (!hasLowerPriorityPod(node, pod.priority)) { statuses.set(node.name, NO_VICTIMS); continue; }
    const r = selectVictimsOnNode(cloneCycle(input.cycle!), pod, node.clone(), budgets, nominated, now);
    if ('status' in r) { statuses.set(node.name, r.status); continue; }
    if (r.victims.length === 0) { statuses.set(node.name, errorStatus(`expected at least one victim pod on node "${node.name}"`)); continue; }
    candidates.push({ node: node.name, victims: r.victims, pdbViolations: r.pdbViolations });
    if (r.pdbViolations === 0) nonViolating++;
    if (nonViolating > 0 && candidates.length >= wanted) break;
  }
  if (candidates.length === 0) return failed();
  return { nominate: pickCandidate(candidates, now) };
}

// ---- acting on the decision --------------------------------------------------------------------

export interface PreemptionDeps {
  pods: ResourceClient<PodObject>;
  recorder: EventRecorder;
  log: Logger;
  now: () => Date;
  schedulerName?: string;
}

/** Evicts the candidate's victims: DisruptionTarget condition, delete, Preempted event. */
export async function executePreemption(deps: PreemptionDeps, preemptor: PodInfo, c: Candidate): Promise<void> {
  const schedulerName = deps.schedulerName ?? 'default-scheduler';
  await Promise.all(c.victims.map(async (victim) => {
    if (victim.terminating) return; // already on its way out
    const pod = victim.pod as PodObject;
    await updatePodStatus(deps.pods, pod, (_current, status) => setPodCondition(status, {
      type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler',
      message: `${schedulerName}: preempting to accommodate a higher priority pod`,
    }, deps.now()));
    try {
      await deps.pods.delete(victim.name, { namespace: victim.namespace, preconditions: { uid: victim.uid } });
    } catch (err) {
      if (err instanceof ApiError && (err.reason === 'NotFound' || err.reason === 'Conflict')) return; // gone already
      throw err;
    }
    deps.log.debug('preempted pod', { victim: `${victim.namespace}/${victim.name}`, preemptor: `${preemptor.namespace}/${preemptor.name}`, node: c.node });
    deps.recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata }, 'Normal', 'Preempted', `Preempted by pod ${preemptor.uid} on node ${c.node}`);
  }));
}
