// Which pending pods were promised room on which node by preemption (status.nominatedNodeName,
// or the scheduler's own decision before that status lands). Filtering counts them on their
// node, so lower-priority pods do not take the room their victims are freeing.
import type { NominatedPods } from './framework.ts';
import type { PodInfo } from './pod-info.ts';

/** Asked for on every node filtered, mostly of nodes nobody was promised: one shared empty answer. */
const NONE: readonly PodInfo[] = Object.freeze([]);

export class Nominator implements NominatedPods {
  private readonly byNode = new Map<string, Map<string, PodInfo>>();
  private readonly nodeOf = new Map<string, string>();

  /** Records (or, with no node, drops) the pod's nomination. */
  set(info: PodInfo, node: string | undefined): void {
    this.remove(info.uid);
    if (!node) return;
    let pods = this.byNode.get(node);
    if (!pods) this.byNode.set(node, (pods = new Map()));
    pods.set(info.uid, info);
    this.nodeOf.set(info.uid, node);
  }

  remove(uid: string): void {
    const node = this.nodeOf.get(uid);
    if (node === undefined) return;
    this.nodeOf.delete(uid);
    const pods = this.byNode.get(node);
    pods?.delete(uid);
    if (pods?.size === 0) this.byNode.delete(node);
  }

  nodeFor(uid: string): string | undefined {
    return this.nodeOf.get(uid);
  }

  any(): boolean {
    return this.byNode.size > 0;
  }

  nominatedOn(node: string): Iterable<PodInfo> {
    return this.byNode.get(node)?.values() ?? NONE;
  }
}
