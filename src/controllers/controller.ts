// The controller framework around one reconcile function (controller-runtime's shape): workers
// take keys from a de-duplicating queue, reconcile reads the world from informer caches and acts;
// a thrown error retries the key with backoff, `requeueAfter` schedules a later look.
import type { Logger } from '../cli/log.ts';
import { createWorkQueue, type WorkQueue } from '../client/work-queue.ts';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export interface ControllerSpec {
  name: string;
  workers?: number;
  reconcile(key: string): Promise<ReconcileResult | void>;
}

export interface RunningController {
  queue: WorkQueue;
  stop(): void;
}

export function runController(spec: ControllerSpec, log: Logger): RunningController {
  const queue = createWorkQueue();
  const workers = spec.workers ?? 2;
  let stopped = false;
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined || stopped) return;
      try {
        const result = await spec.reconcile(key);
        queue.forget(key);
        if (result?.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        log.debug('reconcile failed, will retry', { controller: spec.name, key, error: err instanceof Error ? err.message : String(err) });
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  for (let i = 0; i < workers; i++) void worker();
  return {
    queue,
    stop() {
      stopped = true;
      queue.shutDown();
    },
  };
}
