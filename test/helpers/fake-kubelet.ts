// A stand-in for the kubelet in controller tests: every pod that is not being deleted is reported
// Running and Ready through the status subresource, as a kubelet would after starting it. Tests
// can hold some pods back (they stay Pending) and let them go later.
import type { PodStatus } from 'kubernetes-types/core/v1';
import type { Client } from '../../src/client/client.ts';
import type { InformerFactory } from '../../src/client/informer.ts';
import { isPodReady, type PodObject } from '../../src/controllers/pod-ranking.ts';
import { rfc3339 } from '../../src/machinery/meta.ts';

export interface FakeKubelet {
  /** Pods for which this returns true are left Pending until the hold changes. */
  hold(predicate: (pod: PodObject) => boolean): void;
  /** Lets every held pod start. */
  release(): void;
  stop(): void;
}

export function startFakeKubelet(client: Client, informers: InformerFactory, now: () => Date = () => new Date()): FakeKubelet {
  const pods = client.resource<PodObject>('', 'v1', 'pods');
  const informer = informers.informer<PodObject>('', 'v1', 'pods');
  let held: (pod: PodObject) => boolean = () => false;
  let stopped = false;
  const inFlight = new Set<string>();

  function runningStatus(pod: PodObject): PodStatus {
    const t = rfc3339(now());
    const conditions = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']
      .map((type) => ({ type, status: 'True', lastTransitionTime: t }));
    return {
      phase: 'Running',
      conditions,
      startTime: t,
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name, image: c.image ?? '', imageID: '', ready: true, restartCount: 0, started: true,
        state: { running: { startedAt: t } },
      })),
    };
  }

  function maybeStart(pod: PodObject) {
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    if (stopped || pod.metadata?.deletionTimestamp || isPodReady(pod) || held(pod) || inFlight.has(key)) return;
    inFlight.add(key);
    pods.update({ ...pod, status: runningStatus(pod) }, { subresource: 'status' })
      .catch(() => undefined) // gone or changed meanwhile: the next event tries again
      .finally(() => inFlight.delete(key));
  }

  informer.addHandlers({ onAdd: maybeStart, onUpdate: (_old, pod) => maybeStart(pod) });
  return {
    hold(predicate) { held = predicate; },
    release() {
      held = () => false;
      for (const pod of informer.list()) maybeStart(pod);
    },
    stop() { stopped = true; },
  };
}
