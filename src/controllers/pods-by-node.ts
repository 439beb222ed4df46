// An index of the pod informer's cache by spec.nodeName, so the node controllers can find a
// node's pods without scanning every pod on every pass.
import { objectKeyOf, type Informer } from '../client/informer.ts';
import type { PodObject } from './pod-ranking.ts';

export interface PodsByNode {
  podsOn(nodeName: string): PodObject[];
}

export function indexPodsByNode(podInformer: Informer<PodObject>): PodsByNode {
  const byNode = new Map<string, Set<string>>();
  const nodeOf = new Map<string, string>();

  function place(pod: PodObject) {
    const key = objectKeyOf(pod);
    const node = pod.spec?.nodeName ?? '';
    const was = nodeOf.get(key);
    if (was === node) return;
    if (was !== undefined) unplace(key, was);
    if (!node) return;
    nodeOf.set(key, node);
    let set = byNode.get(node);
    if (!set) byNode.set(node, (set = new Set()));
    set.add(key);
  }

  function unplace(key: string, node: string) {
    nodeOf.delete(key);
    const set = byNode.get(node);
    set?.delete(key);
    if (set && !set.size) byNode.delete(node);
  }

  podInformer.addHandlers({
    onAdd: place,
    onUpdate: (_old, pod) => place(pod),
    onDelete(pod) {
      const key = objectKeyOf(pod);
      const node = nodeOf.get(key);
      if (node !== undefined) unplace(key, node);
    },
  });

  return {
    podsOn(nodeName) {
      const out: PodObject[] = [];
      for (const key of byNode.get(nodeName) ?? []) {
        const slash = key.indexOf('/');
        const pod = podInformer.get(key.slice(slash + 1), key.slice(0, slash));
        if (pod && pod.spec?.nodeName === nodeName) out.push(pod);
      }
      return out;
    },
  };
}
