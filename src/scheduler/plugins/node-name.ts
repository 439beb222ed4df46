// NodeName: a pod that names a node (spec.nodeName) fits only that node.
import { SKIP, unresolvable, type FilterPlugin } from '../types.ts';

export const NODE_NAME = 'NodeName';

const OTHER_NODE = unresolvable("node(s) didn't match the requested node name");

export const nodeName: FilterPlugin<string> = {
  name: NODE_NAME,
  preFilter(pod) {
    const wanted = pod.pod.spec?.nodeName;
    return wanted ? { state: wanted } : SKIP;
  },
  filter(_pod, node, wanted) {
    return node.name === wanted ? null : OTHER_NODE;
  },
};
