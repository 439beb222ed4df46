// The generic registry: one implementation of get/list/watch/create/update/patch/delete for every
// resource, driven by its ResourceDefinition (kube-apiserver's generic Store + strategies).
// The HTTP handler and the in-process client both go through here, so admission, defaults,
// validation and resourceVersion rules are the same for everyone.
import { randomUUID } from 'node:crypto';
import type { DeleteOptions, OwnerReference } from 'kubernetes-types/meta/v1';
import type { KObject, Meta, ResourceDefinition } from '../api/types.ts';
import {
  ApiError, STALE_OBJECT, alreadyExists, badRequest, conflict, expired, internalError, invalid,
  notFound, methodNotSupported,
} from '../machinery/errors.ts';
import {
  FieldError, invalidValue, required, immutable, validateAnnotations, validateLabels,
  validateSubdomainName, isQualifiedName, isDNS1123Label,
} from '../machinery/validation.ts';
import { deepClone, getPath, jsonEqual, randomNameSuffix, rfc3339, setPath } from '../machinery/meta.ts';
import { parseLabelSelector, matchesLabels, labelSelectorToString } from '../machinery/label-selector.ts';
import { parseFieldSelector, matchesFields, selectorFields, fieldLabelNotSupported } from '../machinery/field-selector.ts';
import { applyJsonPatch } from '../machinery/json-patch.ts';
import { applyMergePatch } from '../machinery/merge-patch.ts';
import type { KeyValue, Store, WatchEvent } from '../storage/store.ts';
import { StoreError } from '../storage/store.ts';
import { apiVersionOf, objectKey, storagePrefix } from './resource-index.ts';
import { runAdmit, runCommitted, runValidate, type AdmissionAttributes, type AdmissionPlugin, type Operation } from './admission.ts';
import type { UserInfo } from './authn.ts';
import type { FieldManager } from './field-manager.ts';

export interface WriteOptions {
  dryRun?: boolean;
  user?: UserInfo;
  /** Who is writing, for managedFields (the fieldManager parameter, else from the User-Agent). */
  fieldManager?: string;
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
  /** 'status' or 'scale' for subresource writes. */
  subresource?: string;
  /** Set by apply: managedFields were already computed for this write. */
  managedFieldsDone?: boolean;
  /** For patches from clients: checks the patched object's fields (fieldValidation), may add warnings. */
  checkPatched?: (def: ResourceDefinition, type: PatchType, patch: unknown, result: KObject) => void;
}

export interface ListQuery {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface WatchQuery extends ListQuery {
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  /**
   * The caller only reads the objects it is sent (the HTTP layer serialises them), so it may get
   * the same objects as other watchers. Otherwise each event carries a private copy, which the
   * caller (an informer, say) may keep and change.
   */
  readOnlyObjects?: boolean;
  /**
   * For in-process caches (informers) that keep the objects they are sent, never change them and
   * have no use for metadata.managedFields: every such watcher gets the same object per change,
   * without managedFields (decoded once, instead of once per watcher). Ignored with readOnlyObjects.
   */
  sharedCacheObjects?: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
export interface ApiWatchEvent {
  type: WatchEventType;
  object: KObject;
}

export interface ListResult {
  items: KObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** Applies a strategic merge or apply patch; supplied by the patch machinery once it exists. */
export type PatchApplier = (def: ResourceDefinition, current: KObject, patch: unknown, type: PatchType) => KObject;

const BOOKMARK_INTERVAL_MS = 60_000;
const PATCH_CONFLICT_RETRIES = 5;

export interface GenericRegistryOptions {
  admission?: AdmissionPlugin[];
  now?: () => Date;
  /** Handles strategic merge and apply patches; without it they are applied as merge patches. */
  patchApplier?: PatchApplier;
  /** Records managedFields and performs server-side apply; without it neither happens. */
  fieldManager?: FieldManager;
}

export class GenericRegistry {
  readonly store: Store;
  private readonly admission: AdmissionPlugin[];
  private readonly now: () => Date;
  private readonly patchApplier: PatchApplier | undefined;
  private readonly fieldManager: FieldManager | undefined;
  /** Decoded watch values shared by all watchers of a resource (each change is parsed once). */
  private readonly watchValues = new WeakMap<ResourceDefinition, DecodedValues>();

  constructor(store: Store, opts: GenericRegistryOptions = {}) {
    this.store = store;
    this.admission = opts.admission ?? [];
    this.now = opts.now ?? (() => new Date());
    this.patchApplier = opts.patchApplier;
    this.fieldManager = opts.fieldManager;
  }

  // ---- reads ---------------------------------------------------------------------------

  async get(def: ResourceDefinition, namespace: string | undefined, name: string): Promise<KObject> {
    const kv = await this.store.get(objectKey(def, namespace, name));
    if (!kv) throw notFound(gr(def), name);
    return decode(def, kv);
  }

  async list(def: ResourceDefinition, q: ListQuery): Promise<ListResult> {
    const labelSel = q.labelSelector ? parseLabelSelector(q.labelSelector) : undefined;
    const fieldSel = q.fieldSelector ? this.parseFields(def, q.fieldSelector) : undefined;
    const prefix = listPrefix(def, q.namespace);
    const limit = q.limit && q.limit > 0 ? q.limit : 0;

    let revision = 0;
    let startAfter: string | undefined;
    if (q.continue) {
      const token = decodeContinue(q.continue);
      revision = token.rv;
      startAfter = token.start;
      if (!startAfter.startsWith(prefix)) throw badRequest('continue key is not valid: key is not under the prefix of the list');
    } else if (q.resourceVersion && q.resourceVersion !== '0' && q.resourceVersionMatch === 'Exact') {
      revision = parseResourceVersion(q.resourceVersion);
    }

    const items: KObject[] = [];
    let readAt = revision;
    let lastKey: string | undefined;
    let more = false;
    let remaining: number | undefined;
    for (;;) {
      let page;
      try {
        page = await this.store.list(prefix, { revision: readAt || undefined, limit: limit ? limit - items.length : 0, startAfter });
      } catch (err) {
        if (err instanceof StoreError && err.code === 'Compacted') {
          if (q.continue) throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
          throw expired(`too old resource version: ${revision} (${err.compactRevision})`);
        }
        throw err;
      }
      readAt = page.revision;
      for (const kv of page.items) {
        lastKey = kv.key;
        const obj = decode(def, kv);
        if (labelSel && !matchesLabels(labelSel, obj.metadata?.labels)) continue;
        if (fieldSel && !matchesFields(fieldSel, (f) => fieldValue(def, obj, f))) continue;
        items.push(obj);
      }
      more = page.more;
      remaining = page.remaining;
      if (!limit || !more || items.length >= limit) break;
      startAfter = lastKey;
    }
    const result: ListResult = { items, resourceVersion: String(readAt) };
    if (more && lastKey) {
      result.continue = encodeContinue(readAt, lastKey);
      if (!labelSel && !fieldSel && remaining !== undefined) result.remainingItemCount = remaining;
    }
    return result;
  }

  // ---- create ----------------------------------------------------------------------------

  async create(def: ResourceDefinition, namespace: string | undefined, body: KObject, opts: WriteOptions = {}): Promise<KObject> {
    requireVerb(def, 'create');
    const obj = this.prepareCreate(def, namespace, body);
    // As upstream: defaults come with decoding, then mutating admission, then the strategy.
    def.defaults?.(obj);
    const attrs = this.attrs('CREATE', def, namespace, obj, undefined, opts);
    await runAdmit(this.admission, attrs);
    def.defaults?.(obj);
    def.prepareForCreate?.(obj);
    if (!opts.managedFieldsDone) this.recordManagedFields(def, undefined, obj, opts);
    const errs = [...validateObjectMeta(def, obj), ...(def.validate?.(obj) ?? []), ...(def.validateCreate?.(obj) ?? [])];
    if (errs.length) { runCommitted(this.admission, attrs, false); throw invalid(def.kind, def.group, obj.metadata!.name ?? '', errs); }
    try {
      await runValidate(this.admission, attrs);
    } catch (err) {
      runCommitted(this.admission, attrs, false);
      throw err;
    }
    const name = obj.metadata!.name!;
    if (opts.dryRun) {
      runCommitted(this.admission, attrs, false);
      const existing = await this.store.get(objectKey(def, namespace, name));
      if (existing) throw alreadyExists(gr(def), name);
      return obj;
    }
    try {
      const kv = await this.store.create(objectKey(def, namespace, name), encode(def, obj));
      runCommitted(this.admission, attrs, true);
      return written(def, obj, kv);
    } catch (err) {
      runCommitted(this.admission, attrs, false);
      if (err instanceof StoreError && err.code === 'KeyExists') {
        if (body.metadata?.generateName && !body.metadata?.name) return this.create(def, namespace, body, opts);
        throw alreadyExists(gr(def), name);
      }
      throw err;
    }
  }

  private prepareCreate(def: ResourceDefinition, namespace: string | undefined, body: KObject): KObject {
    const obj = checkBody(def, body);
    const meta: Meta = obj.metadata ?? (obj.metadata = {});
    if (def.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace ?? meta.namespace;
    } else {
      delete meta.namespace;
    }
    // As upstream: the base is cut to 58 characters so the generated name fits in 63.
    if (!meta.name && meta.generateName) meta.name = meta.generateName.slice(0, 58) + randomNameSuffix();
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete (meta as { selfLink?: string }).selfLink;
    if (def.generation) meta.generation = 1; else delete meta.generation;
    return obj;
  }

  // ---- update / patch ----------------------------------------------------------------------

  async update(def: ResourceDefinition, namespace: string | undefined, name: string, body: KObject, opts: WriteOptions = {}): Promise<KObject> {
    requireVerb(def, 'update');
    // A /status write keeps only the body's status (and annotations, for some kinds): copy just those.
    const obj = opts.subresource === 'status' ? checkBody(def, body, true) : checkBody(def, body);
    const meta = obj.metadata ?? (obj.metadata = {});
    if (meta.name && meta.name !== name) {
      throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    if (def.namespaced && meta.namespace && namespace && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const key = objectKey(def, namespace, name);
    const kv = await this.store.get(key);
    if (!kv) throw notFound(gr(def), name);
    const old = decode(def, kv);
    if (meta.resourceVersion && meta.resourceVersion !== old.metadata!.resourceVersion) {
      throw conflict(gr(def), name, STALE_OBJECT);
    }
    return this.writeUpdate(def, namespace, name, obj, old, kv.modRevision, opts);
  }

  /**
   * A write computed from the stored object (upstream's GuaranteedUpdate), for subresources such
   * as pods/binding: `change` gets a private copy of the current object and returns the object
   * to store, or throws to refuse. Read and decoded once per attempt; retried from a fresh read
   * when another write got in between.
   */
  async updateFrom(def: ResourceDefinition, namespace: string | undefined, name: string, change: (current: KObject) => KObject, opts: WriteOptions = {}): Promise<KObject> {
    requireVerb(def, 'update');
    const key = objectKey(def, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) throw notFound(gr(def), name);
      const old = decode(def, kv);
      const obj = change(cloneJson(old));
      try {
        return await this.writeUpdate(def, namespace, name, obj, old, kv.modRevision, opts);
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'Conflict' && attempt < PATCH_CONFLICT_RETRIES)) throw err;
      }
    }
  }

  async patch(def: ResourceDefinition, namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts: WriteOptions = {}): Promise<KObject> {
    requireVerb(def, 'patch');
    if (type === 'apply' && this.fieldManager) return this.apply(def, namespace, name, patch, opts);
    for (let attempt = 0; ; attempt++) {
      const key = objectKey(def, namespace, name);
      const kv = await this.store.get(key);
      if (!kv) throw notFound(gr(def), name);
      const old = decode(def, kv);
      const base: KObject = opts.subresource === 'scale' ? toScale(def, old) : old;
      let patched = this.applyPatch(def, base, patch, type);
      opts.checkPatched?.(def, type, patch, patched);
      if (opts.subresource === 'scale') patched = fromScale(def, old, patched);
      if (!patched || typeof patched !== 'object' || Array.isArray(patched)) {
        throw badRequest('the patch produced an object that is not a JSON object');
      }
      const pmeta = patched.metadata ?? (patched.metadata = {});
      if (pmeta.name !== undefined && pmeta.name !== name) {
        throw badRequest(`the name of the object (${pmeta.name}) does not match the name on the URL (${name})`);
      }
      pmeta.name = name;
      const preconditionRV = pmeta.resourceVersion;
      if (preconditionRV && preconditionRV !== old.metadata!.resourceVersion) throw conflict(gr(def), name, STALE_OBJECT);
      try {
        return await this.writeUpdate(def, namespace, name, checkBody(def, patched), old, kv.modRevision, opts);
      } catch (err) {
        // A patch without a resourceVersion is retried on the newer object, as upstream does.
        const retry = err instanceof ApiError && err.reason === 'Conflict' && !preconditionRV && attempt < PATCH_CONFLICT_RETRIES;
        if (!retry) throw err;
      }
    }
  }

  /** Server-side apply: creates the object when absent, else merges the configuration into it. */
  private async apply(def: ResourceDefinition, namespace: string | undefined, name: string, patch: unknown, opts: WriteOptions): Promise<KObject> {
    if (!opts.fieldManager) {
      throw invalid('PatchOptions', 'meta.k8s.io', '', [required('fieldManager', 'is required for apply patch')]);
    }
    if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw badRequest('the body of the request is not a JSON object');
    const applied = patch as KObject;
    if (applied.metadata?.name !== undefined && applied.metadata.name !== name) {
      throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
    }
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(objectKey(def, namespace, name));
      const sub = opts.subresource;
      if (!kv) {
        if (sub) throw notFound(gr(def), name);
        const created = this.fieldManager!.apply(def, undefined, { ...applied, metadata: { ...applied.metadata, name } }, opts.fieldManager, !!opts.force, undefined);
        opts.checkPatched?.(def, 'apply', patch, created);
        try {
          return await this.create(def, namespace, created, { ...opts, managedFieldsDone: true });
        } catch (err) {
          if (err instanceof ApiError && err.reason === 'AlreadyExists' && attempt < PATCH_CONFLICT_RETRIES) continue;
          throw err;
        }
      }
      const old = decode(def, kv);
      const merged = this.fieldManager!.apply(def, old, applied, opts.fieldManager, !!opts.force, sub);
      opts.checkPatched?.(def, 'apply', patch, merged);
      try {
        return await this.writeUpdate(def, namespace, name, checkBody(def, merged), old, kv.modRevision, { ...opts, managedFieldsDone: true });
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'Conflict' && attempt < PATCH_CONFLICT_RETRIES)) throw err;
      }
    }
  }

  private recordManagedFields(def: ResourceDefinition, old: KObject | undefined, obj: KObject, opts: WriteOptions): void {
    if (!this.fieldManager) return;
    const manager = opts.fieldManager ?? opts.user?.name ?? 'unknown';
    const entries = this.fieldManager.update(def, old, obj, manager, opts.subresource);
    if (entries.length) obj.metadata!.managedFields = entries;
    else delete obj.metadata!.managedFields;
  }

  private applyPatch(def: ResourceDefinition, current: KObject, patch: unknown, type: PatchType): KObject {
    switch (type) {
      case 'json': return applyJsonPatch(current, patch) as KObject;
      case 'merge': return applyMergePatch(current, patch) as KObject;
      case 'strategic':
      case 'apply':
        if (this.patchApplier) return this.patchApplier(def, current, patch, type);
        return applyMergePatch(current, patch) as KObject;
    }
  }

  /** The shared second half of update and patch: carry over, default, validate, admit, store. */
  private async writeUpdate(def: ResourceDefinition, namespace: string | undefined, name: string, obj: KObject,
    old: KObject, oldRevision: number, opts: WriteOptions): Promise<KObject> {
    const sub = opts.subresource;
    if (sub === 'scale' || sub === 'binding') {
      // fromScale / bindPod already produced the full object
    } else if (sub === 'finalize') {
      // /finalize changes the namespace's spec.finalizers only.
      const finalizers = specFinalizers(obj);
      obj = deepClone(old);
      obj.spec = { ...(obj.spec as object ?? {}), finalizers };
    } else if (sub === 'status') {
      // A /status write changes status only; everything else stays as stored.
      const status = obj.status;
      const annotations = obj.metadata?.annotations;
      obj = cloneJson(old);
      if (status === undefined) delete obj.status; else obj.status = status;
      if (def.statusWritesAnnotations) obj.metadata!.annotations = annotations;
    } else if (def.statusSubresource) {
      if (old.status === undefined) delete obj.status; else obj.status = deepClone(old.status);
    }
    const meta = obj.metadata!;
    const oldMeta = old.metadata!;
    meta.name = name;
    if (def.namespaced) meta.namespace = namespace; else delete meta.namespace;
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    meta.deletionTimestamp = oldMeta.deletionTimestamp;
    meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    if (!meta.deletionTimestamp) { delete meta.deletionTimestamp; delete meta.deletionGracePeriodSeconds; }
    meta.resourceVersion = oldMeta.resourceVersion;
    delete (meta as { selfLink?: string }).selfLink;
    if (meta.generateName === undefined && oldMeta.generateName) meta.generateName = oldMeta.generateName;

    def.defaults?.(obj);
    const attrs = this.attrs('UPDATE', def, namespace, obj, old, opts);
    await runAdmit(this.admission, attrs);
    def.defaults?.(obj);
    if (sub === 'status') def.prepareForStatusUpdate?.(obj, old);
    else if (sub !== 'finalize' && sub !== 'binding') def.prepareForUpdate?.(obj, old);
    if (!opts.managedFieldsDone) this.recordManagedFields(def, old, obj, opts);
    if (def.generation) {
      meta.generation = oldMeta.generation ?? 1;
      if (!jsonEqual(specOf(obj), specOf(old)) || (!sub && def.bumpsGeneration?.(obj, old))) meta.generation += 1;
    } else {
      delete meta.generation;
    }
    const errs = [
      ...validateObjectMeta(def, obj),
      ...validateObjectMetaUpdate(obj, old),
      ...(sub === 'status' || sub === 'finalize' ? def.validateStatus?.(obj, old) ?? []
        : sub === 'binding' ? def.validate?.(obj) ?? []
        : [...(def.validate?.(obj) ?? []), ...(def.validateUpdate?.(obj, old) ?? [])]),
    ];
    if (errs.length) { runCommitted(this.admission, attrs, false); throw invalid(def.kind, def.group, name, errs); }
    try {
      await runValidate(this.admission, attrs);
    } catch (err) {
      runCommitted(this.admission, attrs, false);
      throw err;
    }
    const key = objectKey(def, namespace, name);
    // Removing the last finalizer of an object being deleted completes the deletion.
    const finishDeletion = meta.deletionTimestamp && !(meta.finalizers?.length) && !(oldMeta.deletionGracePeriodSeconds) &&
      !(isNamespace(def) && specFinalizers(obj).length);
    if (opts.dryRun) { runCommitted(this.admission, attrs, false); return obj; }
    if (jsonEqual(obj, old)) { runCommitted(this.admission, attrs, false); return old; }
    try {
      if (finishDeletion) {
        const res = await this.store.delete(key, oldRevision);
        runCommitted(this.admission, attrs, true);
        return withResourceVersion(obj, res.revision);
      }
      const kv = await this.store.update(key, encode(def, obj), oldRevision);
      runCommitted(this.admission, attrs, true);
      return written(def, obj, kv);
    } catch (err) {
      runCommitted(this.admission, attrs, false);
      if (err instanceof StoreError && err.code === 'Conflict') throw conflict(gr(def), name, STALE_OBJECT);
      if (err instanceof StoreError && err.code === 'NotFound') throw notFound(gr(def), name);
      throw err;
    }
  }

  // ---- delete ------------------------------------------------------------------------------

  /** Deletes (or, with finalizers or a grace period, marks for deletion). `deleted` tells which. */
  async delete(def: ResourceDefinition, namespace: string | undefined, name: string, options: DeleteOptions = {}, opts: WriteOptions = {}): Promise<{ object: KObject; deleted: boolean }> {
    requireVerb(def, 'delete');
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.deleteOnce(def, namespace, name, options, opts);
      } catch (err) {
        if (err instanceof StoreError && err.code === 'Conflict' && attempt < PATCH_CONFLICT_RETRIES) continue;
        if (err instanceof StoreError && err.code === 'Conflict') throw conflict(gr(def), name, STALE_OBJECT);
        if (err instanceof StoreError && err.code === 'NotFound') throw notFound(gr(def), name);
        throw err;
      }
    }
  }

  private async deleteOnce(def: ResourceDefinition, namespace: string | undefined, name: string, options: DeleteOptions, opts: WriteOptions): Promise<{ object: KObject; deleted: boolean }> {
    const key = objectKey(def, namespace, name);
    const kv = await this.store.get(key);
    if (!kv) throw notFound(gr(def), name);
    const old = decode(def, kv);
    const oldMeta = old.metadata!;
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== oldMeta.uid) {
      throw conflict(gr(def), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${oldMeta.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== oldMeta.resourceVersion) {
      throw conflict(gr(def), name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${oldMeta.resourceVersion}`);
    }
    const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : options.orphanDependents === false ? 'Background' : undefined);
    if (policy && !['Orphan', 'Foreground', 'Background'].includes(policy)) {
      throw invalid('DeleteOptions', '', '', [invalidValue('propagationPolicy', policy, 'must be one of: Orphan, Foreground, Background')]);
    }
    const attrs = this.attrs('DELETE', def, namespace, undefined, old, opts);
    attrs.name = name;
    await runAdmit(this.admission, attrs);
    await runValidate(this.admission, attrs);

    const updated = deepClone(old);
    const meta = updated.metadata!;
    const now = this.now();
    let grace = this.gracePeriod(def, old, options);
    // Finalizers the propagation policy asks for; the garbage collector removes them.
    const finalizers = new Set(meta.finalizers ?? []);
    if (policy === 'Orphan') { finalizers.add('orphan'); finalizers.delete('foregroundDeletion'); }
    if (policy === 'Foreground') { finalizers.add('foregroundDeletion'); finalizers.delete('orphan'); }
    if (policy === 'Background') { finalizers.delete('orphan'); finalizers.delete('foregroundDeletion'); }
    const pendingFinalizers = [...finalizers];
    if (isNamespace(def) && specFinalizers(old).length && !oldMeta.deletionTimestamp) {
      // A namespace is only marked Terminating; the namespace controller empties and finalizes it.
      meta.deletionTimestamp = rfc3339(now);
      meta.deletionGracePeriodSeconds = 0;
      if (pendingFinalizers.length) meta.finalizers = pendingFinalizers;
      updated.status = { ...(updated.status as object ?? {}), phase: 'Terminating' };
      return this.markDeleted(def, key, updated, kv.modRevision, opts, attrs);
    }
    if (isNamespace(def) && specFinalizers(old).length) return { object: old, deleted: false };

    if (oldMeta.deletionTimestamp) {
      // Already being deleted: a shorter grace period may bring it forward; nothing else changes.
      const currentGrace = oldMeta.deletionGracePeriodSeconds ?? 0;
      if (grace !== undefined && grace < currentGrace) {
        if (grace === 0 && pendingFinalizers.length === 0) return this.removeNow(def, key, old, kv.modRevision, opts, attrs);
        meta.deletionGracePeriodSeconds = grace;
        meta.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
        return this.markDeleted(def, key, updated, kv.modRevision, opts, attrs);
      }
      if (pendingFinalizers.length || currentGrace > 0) {
        if (!jsonEqual(pendingFinalizers, oldMeta.finalizers ?? [])) {
          meta.finalizers = pendingFinalizers;
          return this.markDeleted(def, key, updated, kv.modRevision, opts, attrs);
        }
        return { object: old, deleted: false };
      }
      return this.removeNow(def, key, old, kv.modRevision, opts, attrs);
    }

    if ((grace ?? 0) > 0 || pendingFinalizers.length) {
      grace = grace ?? 0;
      meta.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
      meta.deletionGracePeriodSeconds = grace;
      if (pendingFinalizers.length) meta.finalizers = pendingFinalizers;
      if (def.generation) meta.generation = (meta.generation ?? 1) + 1;
      return this.markDeleted(def, key, updated, kv.modRevision, opts, attrs);
    }
    return this.removeNow(def, key, old, kv.modRevision, opts, attrs);
  }

  /** Pods are deleted gracefully when they are on a node that has yet to stop them. */
  private gracePeriod(def: ResourceDefinition, obj: KObject, options: DeleteOptions): number | undefined {
    if (!(def.group === '' && def.plural === 'pods')) return undefined;
    const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    const requested = options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    // Upstream turns a negative or zero request into 1 second, unless it is a forced (0) delete.
    return requested < 0 ? 1 : requested;
  }

  private async markDeleted(def: ResourceDefinition, key: string, obj: KObject, revision: number, opts: WriteOptions, attrs: AdmissionAttributes) {
    if (opts.dryRun) return { object: obj, deleted: false };
    const kv = await this.store.update(key, encode(def, obj), revision);
    runCommitted(this.admission, attrs, true);
    return { object: decode(def, kv), deleted: false };
  }

  private async removeNow(def: ResourceDefinition, key: string, old: KObject, revision: number, opts: WriteOptions, attrs: AdmissionAttributes) {
    if (opts.dryRun) return { object: old, deleted: true };
    const res = await this.store.delete(key, revision);
    runCommitted(this.admission, attrs, true);
    return { object: withResourceVersion(old, res.revision), deleted: true };
  }

  async deleteCollection(def: ResourceDefinition, q: ListQuery, options: DeleteOptions = {}, opts: WriteOptions = {}): Promise<ListResult> {
    requireVerb(def, 'deletecollection');
    const list = await this.list(def, { ...q, limit: 0, continue: undefined });
    const deleted: KObject[] = [];
    for (const item of list.items) {
      try {
        const res = await this.delete(def, item.metadata?.namespace, item.metadata!.name!, options, opts);
        deleted.push(res.object);
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'NotFound') continue;
        throw err;
      }
    }
    return { items: deleted, resourceVersion: list.resourceVersion };
  }

  // ---- subresources ------------------------------------------------------------------------

  async getScale(def: ResourceDefinition, namespace: string | undefined, name: string): Promise<KObject> {
    if (!def.scale) throw notFound(gr(def), name);
    return toScale(def, await this.get(def, namespace, name));
  }

  async updateScale(def: ResourceDefinition, namespace: string | undefined, name: string, scale: KObject, opts: WriteOptions = {}): Promise<KObject> {
    if (!def.scale) throw notFound(gr(def), name);
    const key = objectKey(def, namespace, name);
    const kv = await this.store.get(key);
    if (!kv) throw notFound(gr(def), name);
    const old = decode(def, kv);
    const rv = scale.metadata?.resourceVersion;
    if (rv && rv !== old.metadata!.resourceVersion) throw conflict({ group: 'autoscaling', resource: 'scale' }, name, STALE_OBJECT);
    const updated = fromScale(def, old, scale);
    return toScale(def, await this.writeUpdate(def, namespace, name, updated, old, kv.modRevision, { ...opts, subresource: 'scale' }));
  }

  // ---- watch -------------------------------------------------------------------------------

  /**
   * Streams events to `send` until stop() or an error; `onEnd` is told why it ended.
   * Without a resourceVersion (or with "0") it first sends the current objects as ADDED.
   */
  async watch(def: ResourceDefinition, q: WatchQuery, send: (ev: ApiWatchEvent) => void, onEnd: (err?: ApiError) => void): Promise<{ stop(): void }> {
    requireVerb(def, 'watch');
    const labelSel = q.labelSelector ? parseLabelSelector(q.labelSelector) : undefined;
    const fieldSel = q.fieldSelector ? this.parseFields(def, q.fieldSelector) : undefined;
    const matches = (obj: KObject) =>
      (!labelSel || matchesLabels(labelSel, obj.metadata?.labels)) &&
      (!fieldSel || matchesFields(fieldSel, (f) => fieldValue(def, obj, f)));
    const selective = !!(labelSel || fieldSel);
    const prefix = listPrefix(def, q.namespace);
    const rv = q.resourceVersion ?? '';
    const initial = rv === '' || rv === '0' || q.sendInitialEvents === true;

    let from: number;
    if (initial) {
      const listed = await this.store.list(prefix, q.sendInitialEvents && rv && rv !== '0' ? { revision: parseResourceVersion(rv) } : {});
      from = listed.revision;
      for (const kv of listed.items) {
        const obj = decode(def, kv);
        if (matches(obj)) send({ type: 'ADDED', object: obj });
      }
      if (q.sendInitialEvents && q.allowWatchBookmarks) {
        send({ type: 'BOOKMARK', object: bookmark(def, from, true) });
      }
    } else {
      from = parseResourceVersion(rv);
    }

    const shared = this.watchValues.get(def) ?? new DecodedValues(def);
    this.watchValues.set(def, shared);
    // A private copy is decoded anew from the stored JSON: cheaper than cloning the shared object.
    const deliver = (ev: WatchEvent, obj: KObject) => {
      if (q.readOnlyObjects) return obj;
      if (q.sharedCacheObjects) return shared.forCaches(obj);
      return ev.type === 'delete' ? withResourceVersion(decode(def, ev.prevKv!), ev.kv.modRevision) : decode(def, ev.kv);
    };
    let lastRevision = from;
    let stopped = false;
    let bookmarkTimer: NodeJS.Timeout | undefined;
    const end = (err?: ApiError) => {
      if (stopped) return;
      stopped = true;
      watcher.stop();
      if (bookmarkTimer) clearInterval(bookmarkTimer);
      onEnd(err);
    };
    const watcher = this.store.watch(prefix, from, {
      onEvents: (events: WatchEvent[]) => {
        if (stopped) return;
        for (const ev of events) {
          lastRevision = ev.kv.modRevision;
          const out = toApiEvent(shared, ev, selective ? matches : undefined);
          if (out) send({ type: out.type, object: deliver(ev, out.object) });
        }
      },
      onError: (err) => {
        if (err.code === 'Compacted') {
          end(expired(`too old resource version: ${from} (${err.compactRevision})`));
        } else {
          end(internalError(err));
        }
      },
    });
    if (q.allowWatchBookmarks) {
      bookmarkTimer = setInterval(() => {
        if (!stopped) send({ type: 'BOOKMARK', object: bookmark(def, lastRevision, false) });
      }, BOOKMARK_INTERVAL_MS);
      bookmarkTimer.unref();
    }
    return { stop: () => end() };
  }

  // ---- helpers -----------------------------------------------------------------------------

  private parseFields(def: ResourceDefinition, s: string) {
    const sel = parseFieldSelector(s);
    for (const field of selectorFields(sel)) {
      if (field === 'metadata.name' || (field === 'metadata.namespace' && def.namespaced)) continue;
      if (def.fieldSelectors && field in def.fieldSelectors) continue;
      throw fieldLabelNotSupported(field, !!def.fieldSelectors);
    }
    return sel;
  }

  private attrs(operation: Operation, def: ResourceDefinition, namespace: string | undefined, object: KObject | undefined, oldObject: KObject | undefined, opts: WriteOptions): AdmissionAttributes {
    return {
      operation, def, namespace, name: object?.metadata?.name ?? oldObject?.metadata?.name ?? '',
      subresource: opts.subresource, object, oldObject, dryRun: !!opts.dryRun, user: opts.user,
    };
  }
}

// ---- encoding ------------------------------------------------------------------------------

function gr(def: ResourceDefinition) {
  return { group: def.group, resource: def.plural };
}

function isNamespace(def: ResourceDefinition): boolean {
  return def.group === '' && def.plural === 'namespaces';
}

function specFinalizers(obj: KObject): string[] {
  return ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers) ?? [];
}

function requireVerb(def: ResourceDefinition, verb: 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'watch') {
  if (def.verbs && !def.verbs.includes(verb)) throw methodNotSupported(gr(def), verb);
}

export function listPrefix(def: ResourceDefinition, namespace: string | undefined): string {
  return def.namespaced && namespace ? `${storagePrefix(def)}${namespace}/` : storagePrefix(def);
}

/** Metadata as Go's omitempty would leave it: no empty maps, lists or strings. */
function normalizeMeta(obj: KObject): void {
  const meta = obj.metadata as Record<string, unknown> | undefined;
  if (!meta) return;
  for (const [k, v] of Object.entries(meta)) {
    const empty = v === null || v === '' || (Array.isArray(v) && v.length === 0) ||
      (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
    if (empty) delete meta[k];
  }
}

/** Stored form: without resourceVersion (the store's revision is the truth). */
function encode(def: ResourceDefinition, obj: KObject): string {
  normalizeMeta(obj);
  const stored = def.storedAs ? def.storedAs.toStorage(deepClone(obj)) : obj;
  const { resourceVersion: _rv, ...meta } = stored.metadata ?? {};
  return JSON.stringify({ ...stored, metadata: meta });
}

export function decode(def: ResourceDefinition, kv: KeyValue): KObject {
  let obj = JSON.parse(kv.value) as KObject;
  if (def.storedAs) obj = def.storedAs.fromStorage(obj);
  obj.apiVersion = apiVersionOf(def);
  obj.kind = def.kind;
  return withResourceVersion(obj, kv.modRevision);
}

/**
 * What a write answers: the object just encoded into `kv`, as decoding `kv` would give it back
 * (same keys in the same order, resourceVersion last in metadata), without parsing it again.
 * `obj` is the write's private copy, so the caller may keep it. Kinds stored in another form
 * are decoded.
 */
function written(def: ResourceDefinition, obj: KObject, kv: KeyValue): KObject {
  if (def.storedAs) return decode(def, kv);
  const { resourceVersion: _rv, ...meta } = obj.metadata ?? {};
  obj.metadata = { ...meta, resourceVersion: String(kv.modRevision) };
  return obj;
}

function withResourceVersion(obj: KObject, revision: number): KObject {
  obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(revision) };
  return obj;
}

/**
 * The request body checked and copied, so the write never changes the caller's object. With
 * `statusOnly` (a /status write, which takes nothing else from the body) only metadata, its
 * annotations and status are copied; the rest is shared with the body and must not be changed.
 */
function checkBody(def: ResourceDefinition, body: KObject, statusOnly = false): KObject {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of the request is not a JSON object');
  const obj = statusOnly ? statusCopy(body) : cloneJson(body);
  const apiVersion = apiVersionOf(def);
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
    throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`);
  }
  if (obj.kind !== undefined && obj.kind !== def.kind) {
    throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${def.kind})`);
  }
  if (obj.metadata !== undefined && (obj.metadata === null || typeof obj.metadata !== 'object')) {
    throw badRequest('metadata must be an object');
  }
  obj.apiVersion = apiVersion;
  obj.kind = def.kind;
  return obj;
}

function statusCopy(body: KObject): KObject {
  const obj = { ...body };
  if (body.metadata && typeof body.metadata === 'object' && !Array.isArray(body.metadata)) {
    obj.metadata = { ...body.metadata };
    if (body.metadata.annotations !== undefined) obj.metadata.annotations = cloneJson(body.metadata.annotations);
  } else {
    obj.metadata = cloneJson(body.metadata);
  }
  if (body.status !== undefined) obj.status = cloneJson(body.status);
  return obj;
}

/**
 * A deep copy, as structuredClone makes it, several times faster for the plain objects and arrays
 * API objects are made of; anything else inside is left to structuredClone.
 */
function cloneJson<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneJson(v[i]);
    return out as T;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
  for (const k of Object.keys(v)) {
    const value = cloneJson((v as Record<string, unknown>)[k]);
    // A "__proto__" key from parsed JSON is an ordinary property: keep it one.
    if (k === '__proto__') Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    else out[k] = value;
  }
  return out as T;
}

/** What counts as "the spec" for generation: everything but metadata and status. */
function specOf(obj: KObject): KObject {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

export function fieldValue(def: ResourceDefinition, obj: KObject, field: string): string | undefined {
  if (field === 'metadata.name') return obj.metadata?.name ?? '';
  if (field === 'metadata.namespace') return obj.metadata?.namespace ?? '';
  return def.fieldSelectors?.[field]?.(obj);
}

/**
 * The event a store change is for one watcher; `matches` is its selector (undefined: none). The
 * object is the shared decoded one: the caller copies it for watchers that may change it. The
 * previous value is only decoded when the selector needs it, or a deletion sends it.
 */
function toApiEvent(values: DecodedValues, ev: WatchEvent, matches: ((o: KObject) => boolean) | undefined): ApiWatchEvent | undefined {
  if (ev.type === 'delete') {
    if (!ev.prevKv) return undefined;
    if (matches && !matches(values.get(ev.prevKv))) return undefined;
    return { type: 'DELETED', object: values.deleted(ev.prevKv, ev.kv) };
  }
  const cur = values.get(ev.kv);
  if (!matches) return { type: ev.prevKv ? 'MODIFIED' : 'ADDED', object: cur };
  const curMatches = matches(cur);
  const prevMatches = ev.prevKv ? matches(values.get(ev.prevKv)) : false;
  if (curMatches && prevMatches) return { type: 'MODIFIED', object: cur };
  if (curMatches) return { type: 'ADDED', object: cur };
  if (prevMatches) return { type: 'DELETED', object: cur };
  return undefined;
}

/** How many recent decoded values a resource keeps by key and revision for its watchers. */
const DECODED_VALUES_KEPT = 256;

/**
 * Stored values of one resource, decoded once for all its watchers; the objects are shared, so
 * never changed, only read or copied. The SQLite store hands every watcher the same KeyValue
 * objects, which find their value however far apart the watchers read them. Stores that make
 * one per watcher (etcd's streams) are served by key and revision (a key at a revision always
 * holds the same bytes) while the change is recent.
 */
class DecodedValues {
  private readonly def: ResourceDefinition;
  private readonly byValue = new WeakMap<KeyValue, KObject>();
  private readonly recent = new Map<string, KObject>();
  private readonly withoutManagedFields = new WeakMap<KObject, KObject>();

  constructor(def: ResourceDefinition) {
    this.def = def;
  }

  get(kv: KeyValue): KObject {
    return this.remember(kv, `${kv.modRevision}/${kv.key}`, () => decode(this.def, kv));
  }

  /** The last value of a deleted object, at the revision of its deletion (`kv` of the delete event). */
  deleted(prevKv: KeyValue, kv: KeyValue): KObject {
    return this.remember(kv, `${kv.modRevision}/${kv.key}/deleted`, () => {
      const prev = this.get(prevKv);
      return { ...prev, metadata: { ...prev.metadata, resourceVersion: String(kv.modRevision) } };
    });
  }

  /**
   * A decoded object as informer caches keep it: without metadata.managedFields (a shallow copy
   * of the object and its metadata; the rest is shared), the same one for every cache.
   */
  forCaches(obj: KObject): KObject {
    if (!obj.metadata?.managedFields) return obj;
    let stripped = this.withoutManagedFields.get(obj);
    if (!stripped) {
      const { managedFields: _mf, ...metadata } = obj.metadata;
      stripped = { ...obj, metadata };
      this.withoutManagedFields.set(obj, stripped);
    }
    return stripped;
  }

  private remember(kv: KeyValue, id: string, make: () => KObject): KObject {
    let obj = this.byValue.get(kv) ?? this.recent.get(id);
    if (!obj) {
      obj = make();
      this.recent.set(id, obj);
      // Maps iterate in insertion order: the first entry is the oldest.
      if (this.recent.size > DECODED_VALUES_KEPT) this.recent.delete(this.recent.keys().next().value!);
    }
    this.byValue.set(kv, obj);
    return obj;
  }
}

function bookmark(def: ResourceDefinition, revision: number, initialEnd: boolean): KObject {
  const metadata: Meta = { resourceVersion: String(revision) };
  if (initialEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
  return { kind: def.kind, apiVersion: apiVersionOf(def), metadata };
}

// ---- scale ---------------------------------------------------------------------------------

function toScale(def: ResourceDefinition, obj: KObject): KObject {
  const s = def.scale!;
  const meta = obj.metadata!;
  const selector = s.labelSelectorPath ? getPath(obj, s.labelSelectorPath) : undefined;
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion, creationTimestamp: meta.creationTimestamp },
    spec: { replicas: (getPath(obj, s.specReplicasPath) as number | undefined) ?? 0 },
    status: {
      replicas: (getPath(obj, s.statusReplicasPath) as number | undefined) ?? 0,
      ...(selector ? { selector: labelSelectorToString(asLabelSelector(selector)) } : {}),
    },
  };
}

/** ReplicationControllers keep a plain label map where others have a metav1.LabelSelector. */
function asLabelSelector(v: unknown): never {
  const sel = v as Record<string, unknown>;
  return ('matchLabels' in sel || 'matchExpressions' in sel ? sel : { matchLabels: sel }) as never;
}

function fromScale(def: ResourceDefinition, old: KObject, scale: KObject): KObject {
  const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
  const name = old.metadata!.name ?? '';
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas))) {
    throw invalid('Scale', 'autoscaling', name, [invalidValue('spec.replicas', replicas, 'must be an integer')]);
  }
  if (typeof replicas === 'number' && replicas < 0) {
    throw invalid('Scale', 'autoscaling', name, [invalidValue('spec.replicas', replicas, 'must be greater than or equal to 0')]);
  }
  const updated = deepClone(old);
  setPath(updated, def.scale!.specReplicasPath, replicas ?? 0);
  return updated;
}

// ---- metadata validation -------------------------------------------------------------------

function validateObjectMeta(def: ResourceDefinition, obj: KObject): FieldError[] {
  const meta = obj.metadata ?? {};
  const errs: FieldError[] = [];
  const nameValidator = def.nameValidator ?? validateSubdomainName;
  if (!meta.name) {
    errs.push(required('metadata.name', 'name or generateName is required'));
  } else {
    for (const msg of nameValidator(meta.name)) errs.push(invalidValue('metadata.name', meta.name, msg));
  }
  if (meta.generateName) {
    const prefix = meta.generateName.replace(/-$/, '') || 'a';
    for (const msg of nameValidator(prefix)) errs.push(invalidValue('metadata.generateName', meta.generateName, msg));
  }
  if (def.namespaced) {
    if (!meta.namespace) errs.push(required('metadata.namespace'));
    else for (const msg of isDNS1123Label(meta.namespace)) errs.push(invalidValue('metadata.namespace', meta.namespace, msg));
  } else if (meta.namespace) {
    errs.push(new FieldError('FieldValueForbidden', 'metadata.namespace', undefined, 'not allowed on this type'));
  }
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  (meta.ownerReferences ?? []).forEach((ref: OwnerReference, i: number) => {
    const p = `metadata.ownerReferences[${i}]`;
    if (!ref.apiVersion) errs.push(invalidValue(`${p}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(invalidValue(`${p}.kind`, ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) errs.push(invalidValue(`${p}.name`, ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) errs.push(invalidValue(`${p}.uid`, ref.uid ?? '', 'uid must not be empty'));
  });
  if ((meta.ownerReferences ?? []).filter((r: OwnerReference) => r.controller).length > 1) {
    errs.push(invalidValue('metadata.ownerReferences', meta.ownerReferences, 'Only one reference can have Controller set to true'));
  }
  (meta.finalizers ?? []).forEach((f: string, i: number) => {
    for (const msg of isQualifiedName(f)) errs.push(invalidValue(`metadata.finalizers[${i}]`, f, msg));
  });
  return errs;
}

function validateObjectMetaUpdate(obj: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const meta = obj.metadata!;
  const oldMeta = old.metadata!;
  if (meta.name !== oldMeta.name) errs.push(immutable('metadata.name', meta.name));
  if (meta.namespace !== oldMeta.namespace) errs.push(immutable('metadata.namespace', meta.namespace));
  // Finalizers may not be added to an object that is being deleted.
  if (oldMeta.deletionTimestamp) {
    const added = (meta.finalizers ?? []).filter((f: string) => !(oldMeta.finalizers ?? []).includes(f));
    if (added.length) errs.push(new FieldError('FieldValueForbidden', 'metadata.finalizers', undefined, `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f: string) => JSON.stringify(f)).join(', ')}}`));
  }
  return errs;
}

// ---- resourceVersion and continue tokens ---------------------------------------------------

export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv)) {
    throw invalid('', '', '', [invalidValue('resourceVersion', rv, 'must be a valid resource version')]);
  }
  return Number(rv);
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string') throw new Error('bad');
    return { rv: parsed.rv, start: parsed.start };
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}
