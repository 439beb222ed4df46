// The node IPAM controller, as kube-controller-manager's with --allocate-node-cidrs (k3s runs it
// so): every Node without spec.podCIDR gets the next free /24 of the cluster CIDR. A kubelet waits
// for it before it sets up its pod network. Simulated nodes pick their own and are counted as used.
import type { Node } from 'kubernetes-types/core/v1';
import type { KObject } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { InformerFactory } from '../client/informer.ts';
import { allocateSubnets, formatCidr, parseIpv4Cidr, type Ipv4Cidr } from '../agent/node-cidrs.ts';
import { runController } from './controller.ts';

type NodeObject = Node & KObject;

export interface NodeIpamControllerDeps {
  client: Client;
  informers: InformerFactory;
  log: Logger;
  recorder: EventRecorder;
  clusterCidr: string;
}

export function startNodeIpamController(deps: NodeIpamControllerDeps): { stop(): void } {
  const { client, informers, log, recorder } = deps;
  const pool = parseIpv4Cidr(deps.clusterCidr);
  const nodesApi = client.resource<NodeObject>('', 'v1', 'nodes');
  const nodes = informers.informer<NodeObject>('', 'v1', 'nodes');
  // Subnets handed out but not yet seen in the cache, so two quick nodes never get the same one.
  const pending = new Map<string, Ipv4Cidr>();
  // One worker: allocation reads the whole set of used subnets, so it must not race itself.
  const controller = runController({ name: 'node-ipam', workers: 1, reconcile }, log);
  const enqueue = (n: NodeObject) => { if (!n.spec?.podCIDR) controller.queue.add(n.metadata!.name!); };
  nodes.addHandlers({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: (n) => pending.delete(n.metadata!.name!) });

  async function reconcile(name: string): Promise<void> {
    await nodes.synced();
    const node = nodes.get(name);
    if (!node || node.spec?.podCIDR || !pool) return;
    const used: Ipv4Cidr[] = [...pending].filter(([node]) => node !== name).map(([, cidr]) => cidr);
    for (const n of nodes.list()) {
      for (const c of n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])) {
        const parsed = parseIpv4Cidr(c);
        if (parsed) used.push(parsed);
      }
    }
    let cidr: Ipv4Cidr;
    try {
      [cidr] = allocateSubnets(pool, 1, used);
    } catch (err) {
      recorder.event(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      throw err;
    }
    const text = formatCidr(cidr);
    pending.set(name, cidr);
    try {
      await nodesApi.patch(name, 'merge', { spec: { podCIDR: text, podCIDRs: [text] } });
    } catch (err) {
      pending.delete(name);
      throw err;
    }
    log.info('node-ipam: assigned pod CIDR', { node: name, podCIDR: text });
  }

  return { stop: () => controller.stop() };
}
