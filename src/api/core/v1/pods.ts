// core/v1 Pod: upstream's pod defaults on top of the shared pod-spec ones, the pod strategy
// (status reset with the QoS class on create, status kept on update, the narrow set of spec
// fields an update may change), field selectors and the server-side Table `kubectl get pods` prints.
import type { Pod, PodSpec, PodStatus } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition, TableColumn, TableContext } from '../../types.ts';
import {
  type FieldError, duplicate, forbiddenField, invalidValue, isDNS1123Subdomain, isQualifiedName, required,
} from '../../../machinery/validation.ts';
import { AGE_COLUMN, NAME_COLUMN } from '../../common/workload-table.ts';
import {
  defaultPodSpec, isIPAddress, podQOSClass, validateImageWhitespace, validatePodSpecWith, validateTolerations,
} from './pod-spec.ts';

type Json = Record<string, any>;
const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string => (typeof x === 'string' ? x : '');
const MAX_INT32 = 2147483647;

// =============================================================================================
// Defaults
// =============================================================================================

/**
 * Upstream's SetDefaults_Pod (what only Pods get, not pod templates) followed by the pod-spec
 * defaults: requests default to limits, service links on, and under hostNetwork every
 * container port is also a host port.
 */
export function defaultPod(pod: Pod): void {
  if (!isObj(pod)) return;
  // A missing spec decodes upstream as an empty one, which then gets its defaults.
  if (!isObj(pod.spec)) (pod as Json).spec = {};
  const spec = pod.spec as Json;
  for (const kind of ['containers', 'initContainers']) {
    for (const c of arr(spec[kind])) {
      if (!isObj(c) || !isObj(c.resources) || !isObj(c.resources.limits)) continue;
      // An empty map is left out of upstream's JSON, so only a non-empty one shows.
      if (c.resources.requests == null && Object.keys(c.resources.limits).length > 0) c.resources.requests = {};
      if (!isObj(c.resources.requests)) continue;
      for (const [name, value] of Object.entries(c.resources.limits)) {
        if (!(name in c.resources.requests)) c.resources.requests[name] = value;
      }
    }
  }
  if (spec.enableServiceLinks == null) spec.enableServiceLinks = true;
  if (spec.hostNetwork === true) {
    for (const kind of ['containers', 'initContainers']) {
      for (const c of arr(spec[kind])) {
        if (!isObj(c)) continue;
        for (const p of arr(c.ports)) if (isObj(p) && !p.hostPort) p.hostPort = p.containerPort;
      }
    }
  }
  defaultPodSpec(spec as PodSpec);
}

// =============================================================================================
// Strategy
// =============================================================================================

/** Upstream's status on create: Pending, with the QoS class computed from the (defaulted) spec. */
function prepareForCreate(pod: Pod): void {
  const status: Json = { phase: 'Pending', qosClass: podQOSClass(pod.spec) };
  const spec: Json = isObj(pod.spec) ? pod.spec : {};
  if (arr(spec.schedulingGates).length > 0) {
    // Go serialises the zero times as null, and kubectl shows them that way.
    status.conditions = [{
      type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: null,
      reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates',
    }];
  }
  (pod as { status?: PodStatus }).status = status;
  applyMatchLabelKeys(pod);
}

/**
 * matchLabelKeys / mismatchLabelKeys in pod (anti-)affinity terms (on by default in 1.32) are
 * folded into the term's labelSelector using the pod's own label values.
 */
function applyMatchLabelKeys(pod: Pod): void {
  const affinity: Json = isObj(pod.spec) && isObj(pod.spec.affinity) ? pod.spec.affinity : {};
  const labels: Json = isObj(pod.metadata?.labels) ? pod.metadata!.labels! : {};
  const apply = (term: unknown) => {
    if (!isObj(term) || !isObj(term.labelSelector)) return;
    const add = (keys: unknown, operator: 'In' | 'NotIn') => {
      for (const key of arr(keys)) {
        if (typeof key !== 'string' || !(key in labels)) continue;
        if (!Array.isArray(term.labelSelector.matchExpressions)) term.labelSelector.matchExpressions = [];
        term.labelSelector.matchExpressions.push({ key, operator, values: [labels[key]] });
      }
    };
    add(term.matchLabelKeys, 'In');
    add(term.mismatchLabelKeys, 'NotIn');
  };
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const pa = affinity[kind];
    if (!isObj(pa)) continue;
    for (const t of arr(pa.requiredDuringSchedulingIgnoredDuringExecution)) apply(t);
    for (const w of arr(pa.preferredDuringSchedulingIgnoredDuringExecution)) if (isObj(w)) apply(w.podAffinityTerm);
  }
}

function prepareForUpdate(pod: Pod, old: Pod): void {
  (pod as { status?: PodStatus }).status = old.status;
}

// ---- validation on create and update ----------------------------------------------------------

const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

function validatePod(pod: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const spec: Json = isObj(pod.spec) ? pod.spec : {};
  const annotations: Json = isObj(pod.metadata?.annotations) ? pod.metadata!.annotations! : {};
  if (MIRROR_POD_ANNOTATION in annotations && !str(spec.nodeName)) {
    errs.push(invalidValue(`metadata.annotations[${MIRROR_POD_ANNOTATION}]`, annotations[MIRROR_POD_ANNOTATION], 'must set spec.nodeName if mirror pod annotation is set'));
  }
  if (DELETION_COST_ANNOTATION in annotations && !isInt32(annotations[DELETION_COST_ANNOTATION])) {
    errs.push(invalidValue(`metadata.annotations[${DELETION_COST_ANNOTATION}]`, annotations[DELETION_COST_ANNOTATION], 'must be a 32bit integer'));
  }
  errs.push(...validatePodSpecWith(pod.spec, 'spec', { resourceIsPod: true, podName: pod.metadata?.name }));

  // Only a pod's spec, not a template's: a token needs a service account to be issued for.
  if (!str(spec.serviceAccountName)) {
    arr(spec.volumes).forEach((v, i) => {
      if (!isObj(v) || !isObj(v.projected)) return;
      arr(v.projected.sources).forEach((s, j) => {
        if (isObj(s) && s.serviceAccountToken != null) {
          errs.push(forbiddenField(`spec.volumes[${i}].projected.sources[${j}].serviceAccountToken`, 'must not be specified when serviceAccountName is not set'));
        }
      });
    });
  }
  for (const kind of ['containers', 'initContainers']) {
    arr(spec[kind]).forEach((c, i) => {
      if (isObj(c)) errs.push(...validateImageWhitespace(c, `spec.${kind}[${i}]`));
    });
  }
  return errs;
}

/** Upstream's create-only pod checks. */
function validatePodCreate(pod: Pod): FieldError[] {
  const spec = (pod.spec ?? {}) as Json;
  const errs: FieldError[] = [];
  // Ephemeral containers are added only through their own subresource, never on create.
  if (arr(spec.ephemeralContainers).length > 0) errs.push(forbiddenField('spec.ephemeralContainers', 'cannot be set on create'));
  if (str(spec.nodeName) && arr(spec.schedulingGates).length > 0) {
    errs.push(forbiddenField('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

function isInt32(v: unknown): boolean {
  return typeof v === 'string' && /^[+-]?\d+$/.test(v) && Math.abs(Number(v)) <= 2 ** 31 && Number(v) <= MAX_INT32;
}

// ---- update: what a pod's spec may still change ---------------------------------------------

const UPDATABLE_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/** Upstream's ValidatePodUpdate, after the whole-object validation has run. */
function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const spec: Json = isObj(pod.spec) ? pod.spec : {};
  const oldSpec: Json = isObj(old.spec) ? old.spec : {};
  const errs: FieldError[] = [];
  const oldAnnotations: Json = isObj(old.metadata?.annotations) ? old.metadata!.annotations! : {};
  const newAnnotations: Json = isObj(pod.metadata?.annotations) ? pod.metadata!.annotations! : {};
  if (MIRROR_POD_ANNOTATION in oldAnnotations && newAnnotations[MIRROR_POD_ANNOTATION] !== oldAnnotations[MIRROR_POD_ANNOTATION]) {
    errs.push(forbiddenField(`metadata.annotations[${MIRROR_POD_ANNOTATION}]`, 'may not remove or update mirror pod annotation'));
  } else if (!(MIRROR_POD_ANNOTATION in oldAnnotations) && MIRROR_POD_ANNOTATION in newAnnotations) {
    errs.push(forbiddenField(`metadata.annotations[${MIRROR_POD_ANNOTATION}]`, 'may not add mirror pod annotation'));
  }

  for (const kind of ['containers', 'initContainers']) {
    const now = arr(spec[kind]);
    if (now.length !== arr(oldSpec[kind]).length) {
      errs.push(forbiddenField(`spec.${kind}`, 'pod updates may not add or remove containers'));
      return errs;
    }
    now.forEach((c, i) => {
      const image = isObj(c) ? str(c.image) : '';
      if (image === '') errs.push(required(`spec.${kind}[${i}].image`));
      if (image.trim() !== image) errs.push(invalidValue(`spec.${kind}[${i}].image`, image, 'must not have leading or trailing whitespace'));
    });
  }

  // activeDeadlineSeconds may be set, or lowered, but never raised or removed.
  if (spec.activeDeadlineSeconds != null) {
    const v = Number(spec.activeDeadlineSeconds);
    if (v < 0 || v > MAX_INT32) {
      errs.push(invalidValue('spec.activeDeadlineSeconds', v, `must be between 0 and ${MAX_INT32}, inclusive`));
      return errs;
    }
    if (oldSpec.activeDeadlineSeconds != null && Number(oldSpec.activeDeadlineSeconds) < v) {
      errs.push(invalidValue('spec.activeDeadlineSeconds', v, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldSpec.activeDeadlineSeconds != null) {
    // Upstream prints the nil it got as the string "null".
    errs.push(invalidValue('spec.activeDeadlineSeconds', 'null', 'must not update from a positive integer to nil value'));
  }

  errs.push(...validateOnlyAddedTolerations(spec.tolerations, oldSpec.tolerations, 'spec.tolerations'));
  errs.push(...validateOnlyDeletedSchedulingGates(spec.schedulingGates, oldSpec.schedulingGates, 'spec.schedulingGates'));

  if (semanticEqual(spec, oldSpec)) return errs;

  // Everything that may change takes its old value; whatever still differs may not change.
  const munged: Json = structuredClone(spec);
  for (const kind of ['containers', 'initContainers']) {
    arr(munged[kind]).forEach((c, i) => {
      const was = arr(oldSpec[kind])[i];
      if (isObj(c)) c.image = isObj(was) ? was.image : undefined;
    });
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.schedulingGates = oldSpec.schedulingGates;
  munged.tolerations = oldSpec.tolerations;
  if (typeof oldSpec.terminationGracePeriodSeconds === 'number' && oldSpec.terminationGracePeriodSeconds < 0 &&
      munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  }
  if (arr(oldSpec.schedulingGates).length > 0) {
    // A gated pod may still gain nodeSelector entries (additions only).
    const before: Json = isObj(oldSpec.nodeSelector) ? oldSpec.nodeSelector : {};
    const after: Json = isObj(munged.nodeSelector) ? munged.nodeSelector : {};
    if (Object.entries(before).every(([k, v]) => after[k] === v)) munged.nodeSelector = oldSpec.nodeSelector;
  }
  if (!semanticEqual(munged, oldSpec)) {
    errs.push(forbiddenField('spec', `pod updates may not change fields other than ${UPDATABLE_FIELDS.join(',')}\n${specDiff(oldSpec, munged)}`));
  }
  return errs;
}

function validateOnlyAddedTolerations(now: unknown, before: unknown, path: string): FieldError[] {
  for (const old of arr(before)) {
    // tolerationSeconds of an existing toleration may change; nothing else about it may.
    const found = arr(now).some((t) => isObj(t) && isObj(old) &&
      semanticEqual({ ...old, tolerationSeconds: undefined }, { ...t, tolerationSeconds: undefined }));
    if (!found) return [forbiddenField(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(now, path);
}

function validateOnlyDeletedSchedulingGates(now: unknown, before: unknown, path: string): FieldError[] {
  const oldNames = new Set(arr(before).map((g) => (isObj(g) ? str(g.name) : '')));
  const errs: FieldError[] = [];
  arr(now).forEach((g, i) => {
    const name = isObj(g) ? str(g.name) : '';
    if (!oldNames.has(name)) errs.push(forbiddenField(`${path}[${i}].name`, `only deletion is allowed, but found new scheduling gate '${name}'`));
  });
  return errs;
}

/**
 * Equality as upstream's semantic DeepEqual sees JSON: a missing field, null, an empty list and
 * an empty object all mean "unset".
 */
function semanticEqual(a: unknown, b: unknown): boolean {
  const empty = (x: unknown) => x == null || (Array.isArray(x) && x.length === 0) || (isObj(x) && Object.keys(x).length === 0);
  if (empty(a) && empty(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => semanticEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!semanticEqual(a[k], b[k])) return false;
    return true;
  }
  return a === b;
}

/** A short diff of the changed top-level spec fields, in the spirit of the cmp.Diff upstream appends. */
function specDiff(before: Json, after: Json): string {
  const lines = ['  core.PodSpec{'];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  for (const k of keys) {
    if (semanticEqual(before[k], after[k])) continue;
    const goName = k.charAt(0).toUpperCase() + k.slice(1);
    lines.push(`- \t${goName}: ${JSON.stringify(before[k] ?? null)},`);
    lines.push(`+ \t${goName}: ${JSON.stringify(after[k] ?? null)},`);
  }
  lines.push('  }');
  return lines.join('\n');
}

// ---- status writes (the kubelet's) ------------------------------------------------------------

const SYSTEM_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized']);

/** Upstream's ValidatePodStatusUpdate (metadata is checked generically). */
function validatePodStatus(pod: Pod, old: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const status: Json = isObj(pod.status) ? pod.status : {};
  const oldStatus: Json = isObj(old.status) ? old.status : {};
  // Upstream reports condition types under "metadata.conditions" (sic).
  arr(status.conditions).forEach((c, i) => {
    const type = isObj(c) ? str(c.type) : '';
    if (SYSTEM_CONDITIONS.has(type)) return;
    for (const m of isQualifiedName(type)) errs.push(invalidValue(`metadata.conditions[${i}].Type`, type, m));
  });
  if (str(pod.spec?.nodeName) !== str(old.spec?.nodeName)) errs.push(forbiddenField('status.nodeName', 'may not be changed directly'));
  const nominated = str(status.nominatedNodeName);
  if (nominated && nominated !== str(oldStatus.nominatedNodeName)) {
    for (const m of isDNS1123Subdomain(nominated)) errs.push(invalidValue('status.nominatedNodeName', nominated, m));
  }
  // The QoS class is fixed at creation; a status write that leaves it out keeps the old one.
  if (str(status.qosClass) && str(status.qosClass) !== str(oldStatus.qosClass)) {
    errs.push(invalidValue('status.qosClass', status.qosClass, 'field is immutable'));
  }
  const restartPolicy = str(old.spec?.restartPolicy);
  errs.push(...validateStateTransitions(status.containerStatuses, oldStatus.containerStatuses, 'status.containerStatuses', restartPolicy, new Set()));
  const restartableInits = new Set(arr(old.spec?.initContainers).filter((c) => isObj(c) && c.restartPolicy === 'Always').map((c) => str((c as Json).name)));
  errs.push(...validateStateTransitions(status.initContainerStatuses, oldStatus.initContainerStatuses, 'status.initContainerStatuses', restartPolicy, restartableInits));
  errs.push(...validateStateTransitions(status.ephemeralContainerStatuses, oldStatus.ephemeralContainerStatuses, 'status.ephemeralContainerStatuses', 'Never', new Set()));
  errs.push(...validateIPList(status.podIPs, 'status.podIPs'));
  const hostIPs = arr(status.hostIPs);
  if (hostIPs.length > 0) {
    const first = isObj(hostIPs[0]) ? str(hostIPs[0].ip) : '';
    if (str(status.hostIP) !== first) errs.push(invalidValue('status.hostIPs[0].ip', first, 'must be equal to `hostIP`'));
    errs.push(...validateIPList(status.hostIPs, 'status.hostIPs'));
  }
  return errs;
}

/** A container that should not restart may not leave the terminated state. */
function validateStateTransitions(now: unknown, before: unknown, path: string, restartPolicy: string, restartable: Set<string>): FieldError[] {
  if (restartPolicy === 'Always') return [];
  const errs: FieldError[] = [];
  arr(before).forEach((old, i) => {
    if (!isObj(old) || !isObj(old.state) || !isObj(old.state.terminated)) return;
    if (Number(old.state.terminated.exitCode ?? 0) !== 0 && restartPolicy === 'OnFailure') return;
    if (restartable.has(str(old.name))) return;
    for (const s of arr(now)) {
      if (isObj(s) && s.name === old.name && !(isObj(s.state) && isObj(s.state.terminated))) {
        errs.push(forbiddenField(`${path}[${i}].state`, 'may not be transitioned to non-terminated state'));
      }
    }
  });
  return errs;
}

function validateIPList(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ips = arr(list).map((x) => (isObj(x) ? str(x.ip) : ''));
  ips.forEach((ip, i) => {
    if (!isIPAddress(ip)) errs.push(invalidValue(`${path}[${i}]`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  if (ips.length > 1) {
    const v4 = ips.filter((ip) => ip.includes('.') && !ip.includes(':')).length;
    if (ips.length > 2 || v4 !== 1) errs.push(invalidValue(path, list, 'may specify no more than one IP for each IP family'));
    const seen = new Set<string>();
    ips.forEach((ip, i) => {
      if (seen.has(ip)) errs.push(duplicate(`${path}[${i}]`, arr(list)[i]));
      seen.add(ip);
    });
  }
  return errs;
}

// =============================================================================================
// Table
// =============================================================================================

const POD_COLUMNS: TableColumn[] = [
  NAME_COLUMN,
  { name: 'Ready', type: 'string', description: 'The aggregate readiness state of this pod for accepting traffic.' },
  { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.' },
  { name: 'Restarts', type: 'string', description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.' },
  AGE_COLUMN,
  { name: 'IP', type: 'string', priority: 1, description: 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.' },
  { name: 'Node', type: 'string', priority: 1, description: 'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename' },
  { name: 'Nominated Node', type: 'string', priority: 1, description: 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.' },
  { name: 'Readiness Gates', type: 'string', priority: 1, description: 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates' },
];

/** The reason a node controller sets on pods of a node that stopped responding. */
const NODE_UNREACHABLE_REASON = 'NodeLost';

const time = (t: unknown): number => {
  const ms = typeof t === 'string' ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? -Infinity : ms;
};

/** Upstream's printPod: READY, STATUS, RESTARTS and the -o wide cells for one pod. */
export function podRow(pod: Pod, ctx: TableContext): unknown[] {
  const spec: Json = isObj(pod.spec) ? pod.spec : {};
  const status: Json = isObj(pod.status) ? pod.status : {};
  const conditions = arr(status.conditions).filter(isObj);
  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  const inits = new Map<string, Json>();
  let total = arr(spec.containers).length;
  for (const c of arr(spec.initContainers)) {
    if (!isObj(c)) continue;
    inits.set(str(c.name), c);
    if (c.restartPolicy === 'Always') total++; // sidecars count as containers
  }
  const isSidecar = (name: string) => inits.get(name)?.restartPolicy === 'Always';

  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = -Infinity;
  let lastSidecarRestart = -Infinity;
  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs: Json = isObj(initStatuses[i]) ? initStatuses[i] as Json : {};
    const state: Json = isObj(cs.state) ? cs.state : {};
    const finished = lastTerminationTime(cs);
    restarts += Number(cs.restartCount ?? 0);
    lastRestart = Math.max(lastRestart, finished);
    if (isSidecar(str(cs.name))) {
      sidecarRestarts += Number(cs.restartCount ?? 0);
      lastSidecarRestart = Math.max(lastSidecarRestart, finished);
    }
    const terminated = isObj(state.terminated) ? state.terminated : undefined;
    const waiting = isObj(state.waiting) ? state.waiting : undefined;
    if (terminated && Number(terminated.exitCode ?? 0) === 0) continue;
    if (isSidecar(str(cs.name)) && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    if (terminated) {
      reason = str(terminated.reason) ? `Init:${terminated.reason}`
        : Number(terminated.signal ?? 0) !== 0 ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode ?? 0}`;
    } else if (waiting && str(waiting.reason) && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${arr(spec.initContainers).length}`;
    }
    initializing = true;
    break;
  }

  const initialized = conditions.find((c) => c.type === 'Initialized')?.status === 'True';
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    // Walked from the last container so the first one's state wins, as upstream does.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs: Json = isObj(statuses[i]) ? statuses[i] as Json : {};
      const state: Json = isObj(cs.state) ? cs.state : {};
      restarts += Number(cs.restartCount ?? 0);
      lastRestart = Math.max(lastRestart, lastTerminationTime(cs));
      const terminated = isObj(state.terminated) ? state.terminated : undefined;
      const waiting = isObj(state.waiting) ? state.waiting : undefined;
      if (waiting && str(waiting.reason)) reason = waiting.reason;
      else if (terminated && str(terminated.reason)) reason = terminated.reason;
      else if (terminated) {
        reason = Number(terminated.signal ?? 0) !== 0 ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
      } else if (cs.ready === true && isObj(state.running)) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }

  const deleting = pod.metadata?.deletionTimestamp != null;
  if (deleting && status.reason === NODE_UNREACHABLE_REASON) reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart !== -Infinity) {
    restartsCell = `${restarts} (${ctx.age(new Date(lastRestart).toISOString())} ago)`;
  }

  const podIPs = arr(status.podIPs);
  const ip = (isObj(podIPs[0]) ? str(podIPs[0].ip) : '') || '<none>';
  let gates = '<none>';
  const readinessGates = arr(spec.readinessGates);
  if (readinessGates.length > 0) {
    let trueConditions = 0;
    for (const g of readinessGates) {
      const type = isObj(g) ? g.conditionType : undefined;
      if (conditions.find((c) => c.type === type)?.status === 'True') trueConditions++;
    }
    gates = `${trueConditions}/${readinessGates.length}`;
  }
  return [
    pod.metadata?.name ?? '', `${ready}/${total}`, reason, restartsCell, ctx.age(pod.metadata?.creationTimestamp),
    ip, str(spec.nodeName) || '<none>', str(status.nominatedNodeName) || '<none>', gates,
  ];
}

function lastTerminationTime(cs: Json): number {
  const last = isObj(cs.lastState) && isObj(cs.lastState.terminated) ? cs.lastState.terminated : undefined;
  return last ? time(last.finishedAt) : -Infinity;
}

// =============================================================================================
// Registration
// =============================================================================================

export const pods: ResourceDefinition<Pod & KObject> = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  statusSubresource: true,
  // Pods carry no metadata.generation in 1.32 (it arrived with 1.33's observedGeneration work).

  defaults: defaultPod,
  prepareForCreate,
  prepareForUpdate,
  validate: validatePod,
  validateCreate: validatePodCreate,
  validateUpdate: validatePodUpdate,
  validateStatus: validatePodStatus,

  // Upstream's pod field label conversion. status.podIPs is accepted but never set, so it matches
  // only the empty value, exactly as upstream behaves.
  fieldSelectors: {
    'spec.nodeName': (p) => str(p.spec?.nodeName),
    'spec.restartPolicy': (p) => str(p.spec?.restartPolicy),
    'spec.schedulerName': (p) => str(p.spec?.schedulerName),
    'spec.serviceAccountName': (p) => str(p.spec?.serviceAccountName),
    'spec.hostNetwork': (p) => String(p.spec?.hostNetwork === true),
    'status.phase': (p) => str(p.status?.phase),
    'status.podIP': (p) => str(p.status?.podIPs?.[0]?.ip),
    'status.podIPs': () => '',
    'status.nominatedNodeName': (p) => str(p.status?.nominatedNodeName),
  },

  table: {
    columns: POD_COLUMNS,
    row: podRow,
  },
};
