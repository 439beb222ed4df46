// Controller expectations, as upstream's: after asking for N pod creations (or for the deletion
// of named pods) a controller does not act on that owner again until its informer has seen them
// all, so a lagging cache never makes it create or delete twice. Expectations that are never
// met (a lost watch event) expire after five minutes.

export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  add: number;
  del: number;
  /** Keys ("namespace/name") of the pods whose deletion is awaited. */
  deleting: Set<string>;
  setAt: number;
}

export interface Expectations {
  /** Nothing outstanding (or what was outstanding is too old to wait for): the owner may be synced. */
  satisfied(ownerKey: string): boolean;
  expectCreations(ownerKey: string, count: number): void;
  expectDeletions(ownerKey: string, podKeys: string[]): void;
  creationObserved(ownerKey: string): void;
  /** Counts only when the pod was one we were waiting to see deleted. */
  deletionObserved(ownerKey: string, podKey: string): void;
  forget(ownerKey: string): void;
}

export function createExpectations(nowMs: () => number = Date.now): Expectations {
  const byOwner = new Map<string, Expectation>();
  return {
    satisfied(ownerKey) {
      const e = byOwner.get(ownerKey);
      if (!e) return true;
      return (e.add <= 0 && e.del <= 0) || nowMs() - e.setAt > EXPECTATIONS_TIMEOUT_MS;
    },
    expectCreations(ownerKey, count) {
      byOwner.set(ownerKey, { add: count, del: 0, deleting: new Set(), setAt: nowMs() });
    },
    expectDeletions(ownerKey, podKeys) {
      const deleting = new Set(podKeys);
      byOwner.set(ownerKey, { add: 0, del: deleting.size, deleting, setAt: nowMs() });
    },
    creationObserved(ownerKey) {
      const e = byOwner.get(ownerKey);
      if (e) e.add -= 1;
    },
    deletionObserved(ownerKey, podKey) {
      const e = byOwner.get(ownerKey);
      if (e?.deleting.delete(podKey)) e.del -= 1;
    },
    forget(ownerKey) {
      byOwner.delete(ownerKey);
    },
  };
}
