// The Store contract (DESIGN.md): a flat key space of JSON values under one global, monotonic
// revision. Every backend (SQLite, etcd) implements exactly this; the contract test suite in
// test/storage-contract.test.ts holds them to it.

export interface KeyValue {
  key: string;
  /** The stored bytes, JSON text for API objects. */
  value: string;
  /** Revision at which the key was (last) created. */
  createRevision: number;
  /** Revision of the last modification: an object's resourceVersion. */
  modRevision: number;
}

export interface ListOptions {
  /** Read as of this revision (0 or absent: the latest). Fails with Compacted when too old. */
  revision?: number;
  /** At most this many items (0 or absent: no limit). */
  limit?: number;
  /** Only keys strictly greater than this one (paging). */
  startAfter?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The store revision the list was read at. */
  revision: number;
  /** True when `limit` cut the result short. */
  more: boolean;
  /** How many further keys exist past the last returned one, when `more` (approximate is fine). */
  remaining?: number;
}

export interface WatchEvent {
  type: 'put' | 'delete';
  /** For put: the new value. For delete: key and the revision of the deletion, value = prevKv's. */
  kv: KeyValue;
  /** The value before this change (absent on create). */
  prevKv?: KeyValue;
}

export interface Watcher {
  stop(): void;
}

export interface WatchHandlers {
  /** Events in revision order; batches share no revision across calls. */
  onEvents(events: WatchEvent[]): void;
  /** The watch ended on its own (compacted start, backend failure). Not called after stop(). */
  onError(err: StoreError): void;
}

export type StoreErrorCode = 'KeyExists' | 'NotFound' | 'Conflict' | 'Compacted' | 'Unavailable';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** For Conflict: the current value. For Compacted: the compacted revision. */
  readonly current?: KeyValue;
  readonly compactRevision?: number;

  constructor(code: StoreErrorCode, message: string, extra: { current?: KeyValue; compactRevision?: number } = {}) {
    super(message);
    this.code = code;
    this.current = extra.current;
    this.compactRevision = extra.compactRevision;
  }
}

export interface Store {
  get(key: string): Promise<KeyValue | undefined>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Number of live keys under prefix. */
  count(prefix: string): Promise<number>;
  /** Create-if-absent. Throws StoreError('KeyExists'). Returns the new KeyValue. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Update-if-revision-matches. Throws NotFound when the key is absent, Conflict (with the
   * current value) when its modRevision differs from `expectedRevision`.
   */
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue>;
  /**
   * Delete, optionally guarded by `expectedRevision` (Conflict when it differs). Returns the
   * value as it was and the revision of the deletion. Throws NotFound when absent.
   */
  delete(key: string, expectedRevision?: number): Promise<{ prev: KeyValue; revision: number }>;
  /** Events under prefix with revision > afterRevision, then live ones until stop(). */
  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watcher;
  /** Forget history at or below revision; watches/lists from there fail with Compacted. */
  compact(revision: number): Promise<void>;
  /** The newest revision. */
  currentRevision(): Promise<number>;
  /** The oldest revision still readable (0 when nothing was compacted). */
  compactedRevision(): Promise<number>;
  close(): Promise<void>;
}
