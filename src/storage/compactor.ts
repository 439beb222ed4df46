// Periodic compaction, as kube-apiserver does it: each tick compacts up to the revision that was
// current at the previous tick, so roughly one interval of history stays available to watchers
// that fall behind, and the store does not grow without bound.

import type { Store } from './store.ts';

export interface CompactorOptions {
  /** Time between ticks; default 5 minutes (kube-apiserver's default compaction interval). */
  intervalMs?: number;
  log?: (msg: string, fields?: object) => void;
}

export function startCompactor(store: Store, opts: CompactorOptions = {}): { stop(): void } {
  const intervalMs = opts.intervalMs ?? 5 * 60 * 1000;
  const log = opts.log ?? (() => {});
  let previous = 0; // the revision seen at the previous tick; 0 before the first
  let running = false; // a slow compaction must not overlap the next tick

  async function tick(): Promise<void> {
    if (running) return;
    running = true;
    try {
      const target = previous;
      previous = await store.currentRevision();
      if (target > 0 && target > (await store.compactedRevision())) {
        await store.compact(target);
        log('compacted store', { revision: target });
      }
    } catch (err) {
      log('compaction failed', { error: err instanceof Error ? err.message : String(err) });
    } finally {
      running = false;
    }
  }

  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
