// core/v1 Node: a machine that runs pods. The kubelet registers it with its status filled in
// (so create keeps status), then reports through /status; spec holds scheduling controls.
import type { Node as NodeType, NodeSpec, NodeStatus, Taint } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import {
  type FieldError, forbiddenField, invalidValue, isValidLabelValue, notSupported, required,
} from '../../../machinery/validation.ts';
import { parseIP, roundResourceList, validateCIDR, validateQualifiedNameField, validateResourceQuantityValue } from './core-rules.ts';
import { duplicateGo, goNodeAddress, goStringSlice, goTaint, invalidGo } from './go-values.ts';

type Node = NodeType & KObject & { status?: NodeStatus };

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
const LEGACY_ROLE_LABEL = 'kubernetes.io/role';

// Upstream checks taints at metadata.taints, not spec.taints; messages keep that path.
function validateTaints(taints: Taint[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Map<string, Set<string>>();
  taints.forEach((taint, i) => {
    const field = `metadata.taints[${i}]`;
    errs.push(...validateQualifiedNameField(taint.key ?? '', `${field}.key`));
    const valueErrs = isValidLabelValue(taint.value ?? '');
    if (valueErrs.length) errs.push(invalidValue(`${field}.value`, taint.value ?? '', valueErrs.join(';')));
    if (!taint.effect) errs.push(required(`${field}.effect`));
    else if (!TAINT_EFFECTS.includes(taint.effect)) errs.push(notSupported(`${field}.effect`, taint.effect, TAINT_EFFECTS));
    const keys = seen.get(taint.effect ?? '') ?? new Set<string>();
    if (keys.has(taint.key ?? '')) {
      errs.push(duplicateGo(field, taint, goTaint(taint), 'taints must be unique by key and effect pair'));
      return;
    }
    keys.add(taint.key ?? '');
    seen.set(taint.effect ?? '', keys);
  });
  return errs;
}

function validateResources(status: NodeStatus | undefined): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, q] of Object.entries(status?.capacity ?? {})) {
    errs.push(...validateResourceQuantityValue(name, q, `status.capacity.${name}`));
  }
  for (const [name, q] of Object.entries(status?.allocatable ?? {})) {
    errs.push(...validateResourceQuantityValue(name, q, `status.allocatable.${name}`));
  }
  return errs;
}

function validatePodCIDRs(spec: NodeSpec | undefined): FieldError[] {
  const cidrs = spec?.podCIDRs ?? [];
  const errs = cidrs.flatMap((c, i) => validateCIDR(c, `spec.podCIDRs[${i}]`));
  if (cidrs.length > 1) {
    const v6 = cidrs.map((c) => parseIP(c.split('/')[0])?.length === 16);
    const dualStack = cidrs.length === 2 && v6[0] !== v6[1];
    if (!dualStack) errs.push(invalidGo('spec.podCIDRs', cidrs, goStringSlice(cidrs), 'may specify no more than one CIDR for each IP family'));
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push(duplicateGo(`spec.podCIDRs[${i}]`, c, JSON.stringify(c)));
      seen.add(c);
    });
  }
  return errs;
}

/** What upstream's ValidateNodeUpdate adds to the create-time checks. */
function validateNodeChanges(node: Node, old: Node): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (node.status?.addresses ?? []).forEach((a, i) => {
    const key = `${a.type}\u0000${a.address}`;
    if (seen.has(key)) errs.push(duplicateGo(`status.addresses[${i}]`, a, goNodeAddress(a)));
    seen.add(key);
  });
  const oldCIDRs = old.spec?.podCIDRs ?? [];
  const cidrs = node.spec?.podCIDRs ?? [];
  // A pod CIDR may be assigned once, never changed.
  const cidrMsg = 'node updates may not change podCIDR except from "" to valid';
  if (oldCIDRs.length > 0) {
    if (oldCIDRs.length !== cidrs.length) errs.push(forbiddenField('spec.podCIDRs', cidrMsg));
    else oldCIDRs.forEach((c, i) => { if (c !== cidrs[i]) errs.push(forbiddenField('spec.podCIDRs', cidrMsg)); });
  }
  if (old.spec?.providerID && old.spec.providerID !== node.spec?.providerID) {
    errs.push(forbiddenField('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  if ((node.spec?.externalID ?? '') !== (old.spec?.externalID ?? '')) errs.push(forbiddenField('spec.externalID', 'may not be updated'));
  return errs;
}

/** The Status cell: "Ready", "NotReady" or "Unknown", then ",SchedulingDisabled" when cordoned. */
function nodeStatusCell(node: Node): string {
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').pop();
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

/** Roles from node-role.kubernetes.io/<role> labels and the legacy kubernetes.io/role label, sorted. */
export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(ROLE_LABEL_PREFIX)) {
      const role = k.slice(ROLE_LABEL_PREFIX.length);
      if (role) roles.add(role);
    } else if (k === LEGACY_ROLE_LABEL && v) {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

const addressOf = (node: Node, type: string): string =>
  node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';

export const nodes: ResourceDefinition<Node> = {
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  statusSubresource: true,

  defaults(node) {
    const spec = node.spec;
    // The singular podCIDR mirrors the first of podCIDRs, whichever the client set.
    if (spec?.podCIDR && !spec.podCIDRs?.length) spec.podCIDRs = [spec.podCIDR];
    if (spec?.podCIDRs?.length && !spec.podCIDR) spec.podCIDR = spec.podCIDRs[0];
    const status = node.status;
    if (status) {
      roundResourceList(status.capacity);
      roundResourceList(status.allocatable);
      if (!status.allocatable && status.capacity) status.allocatable = { ...status.capacity };
    }
  },

  prepareForCreate(node) {
    // Dynamic kubelet configuration is gone upstream; its fields are dropped.
    if (node.spec) delete node.spec.configSource;
    if (node.status) delete node.status.config;
  },

  prepareForUpdate(node, old) {
    if (node.spec && !old.spec?.configSource) delete node.spec.configSource;
  },

  validate(node) {
    const errs: FieldError[] = [];
    if (node.spec?.taints?.length) errs.push(...validateTaints(node.spec.taints));
    errs.push(...validateResources(node.status));
    errs.push(...validatePodCIDRs(node.spec));
    return errs;
  },

  validateUpdate: validateNodeChanges,

  // A /status write gets upstream's whole ValidateNodeUpdate.
  validateStatus: (node, old) => [
    ...validateResources(node.status),
    ...validateNodeChanges(node, old),
    ...(node.spec?.taints?.length ? validateTaints(node.spec.taints) : []),
  ],

  fieldSelectors: {
    'spec.unschedulable': (node) => String(node.spec?.unschedulable ?? false),
  },

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Status', type: 'string', description: 'The status of the node' },
      { name: 'Roles', type: 'string', description: 'The roles of the node' },
      { name: 'Age', type: 'string' },
      { name: 'Version', type: 'string' },
      { name: 'Internal-IP', type: 'string', priority: 1 },
      { name: 'External-IP', type: 'string', priority: 1 },
      { name: 'OS-Image', type: 'string', priority: 1 },
      { name: 'Kernel-Version', type: 'string', priority: 1 },
      { name: 'Container-Runtime', type: 'string', priority: 1 },
    ],
    row(node, ctx) {
      const info = node.status?.nodeInfo;
      return [
        node.metadata?.name ?? '',
        nodeStatusCell(node),
        nodeRoles(node).join(',') || '<none>',
        ctx.age(node.metadata?.creationTimestamp),
        info?.kubeletVersion ?? '',
        addressOf(node, 'InternalIP'),
        addressOf(node, 'ExternalIP'),
        info?.osImage || '<unknown>',
        info?.kernelVersion || '<unknown>',
        info?.containerRuntimeVersion || '<unknown>',
      ];
    },
  },
};
