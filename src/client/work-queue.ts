// A work queue as client-go's: keys are de-duplicated while waiting, a key being processed is
// never handed to two workers at once (re-adds wait until it is done), and failures come back
// after a per-key exponential backoff.

export interface WorkQueue {
  add(key: string): void;
  addAfter(key: string, ms: number): void;
  /** Re-adds after this key's backoff (5 ms doubling to 1000 s), as after a failure. */
  addRateLimited(key: string): void;
  /** Forget the key's failure history (after a success). */
  forget(key: string): void;
  /** Resolves with the next key, or undefined once shut down. */
  get(): Promise<string | undefined>;
  done(key: string): void;
  shutDown(): void;
  readonly length: number;
}

const BASE_DELAY_MS = 5;
const MAX_DELAY_MS = 1000 * 1000;

export function createWorkQueue(): WorkQueue {
  const queue: string[] = [];
  const dirty = new Set<string>();
  const processing = new Set<string>();
  const failures = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let waiters: Array<(key: string | undefined) => void> = [];
  let shuttingDown = false;

  function add(key: string) {
    if (shuttingDown || dirty.has(key)) return;
    dirty.add(key);
    if (processing.has(key)) return;
    const waiter = waiters.shift();
    if (waiter) { dirty.delete(key); processing.add(key); waiter(key); return; }
    queue.push(key);
  }

  function addAfter(key: string, ms: number) {
    if (shuttingDown) return;
    if (ms <= 0) { add(key); return; }
    const t = setTimeout(() => { timers.delete(t); add(key); }, ms);
    t.unref();
    timers.add(t);
  }

  return {
    add,
    addAfter,
    addRateLimited(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      addAfter(key, Math.min(BASE_DELAY_MS * 2 ** n, MAX_DELAY_MS));
    },
    forget(key) { failures.delete(key); },
    get() {
      if (shuttingDown) return Promise.resolve(undefined);
      const key = queue.shift();
      if (key !== undefined) {
        dirty.delete(key);
        processing.add(key);
        return Promise.resolve(key);
      }
      return new Promise((resolve) => waiters.push(resolve));
    },
    done(key) {
      processing.delete(key);
      if (dirty.has(key)) {
        dirty.delete(key);
        add(key);
      }
    },
    shutDown() {
      shuttingDown = true;
      for (const t of timers) clearTimeout(t);
      for (const w of waiters) w(undefined);
      waiters = [];
    },
    get length() { return queue.length; },
  };
}
