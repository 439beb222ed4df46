// NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that tolerate the
// node.kubernetes.io/unschedulable:NoSchedule taint (DaemonSet pods do).
import type { Taint } from 'kubernetes-types/core/v1';
import { unresolvable, type FilterPlugin } from '../types.ts';
import { tolerationsTolerate } from './taint-toleration.ts';

export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';

const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
const CORDONED = unresolvable('node(s) were unschedulable');

export const nodeUnschedulable: FilterPlugin<void> = {
  name: NODE_UNSCHEDULABLE,
  filter(pod, node) {
    if (!node.unschedulable) return null;
    return tolerationsTolerate(pod.tolerations, UNSCHEDULABLE_TAINT) ? null : CORDONED;
  },
};
