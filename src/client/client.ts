// The Client contract: typed get/list/watch/create/update/patch/delete per resource, the same
// interface whether the caller sits in the server process or across HTTPS.
import type { DeleteOptions } from 'kubernetes-types/meta/v1';
import type { KObject } from '../api/types.ts';
import type { ApiError } from '../machinery/errors.ts';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  /**
   * The caller only reads the objects (an informer's cache): an in-process client may hand every
   * such watcher the same decoded object per change, without managedFields. HTTP ignores it.
   */
  sharedCacheObjects?: boolean;
}

export interface ObjectList<T> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
export interface WatchEvent<T> {
  type: EventType;
  object: T;
}

export interface WriteOptions {
  namespace?: string;
  dryRun?: boolean;
  fieldManager?: string;
  subresource?: 'status' | 'scale' | 'finalize';
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface ResourceClient<T extends KObject = KObject> {
  get(name: string, namespace?: string): Promise<T>;
  list(opts?: ListOptions): Promise<ObjectList<T>>;
  /** Streams events until stop(); onEnd is told why it ended (an ApiError such as 410 Expired, or nothing). */
  watch(opts: WatchOptions, onEvent: (ev: WatchEvent<T>) => void, onEnd: (err?: ApiError) => void): Promise<{ stop(): void }>;
  create(obj: T, opts?: WriteOptions): Promise<T>;
  update(obj: T, opts?: WriteOptions): Promise<T>;
  patch(name: string, type: PatchType, patch: unknown, opts?: WriteOptions): Promise<T>;
  /**
   * POSTs to a subresource that acts rather than stores (pods/binding, pods/eviction,
   * serviceaccounts/token) and resolves with the server's answer (a Status, or a TokenRequest).
   */
  createSubresource(name: string, subresource: 'binding' | 'eviction' | 'token', body: KObject, opts?: { namespace?: string; dryRun?: boolean }): Promise<KObject>;
  /** Returns the object as it was left: gone (deleted: true) or marked for deletion. */
  delete(name: string, opts?: DeleteOptions & { namespace?: string }): Promise<{ object: T; deleted: boolean }>;
}

export interface Client {
  resource<T extends KObject = KObject>(group: string, version: string, plural: string): ResourceClient<T>;
}
