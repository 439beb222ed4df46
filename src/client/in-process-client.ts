// The Client for components inside the server process: calls the generic registry directly,
// so every write still passes admission, defaults, validation and the store's concurrency rules.
import type { KObject } from '../api/types.ts';
import { ApiError } from '../machinery/errors.ts';
import type { GenericRegistry } from '../apiserver/generic-registry.ts';
import type { ResourceIndex } from '../apiserver/resource-index.ts';
import type { UserInfo } from '../apiserver/authn.ts';
import { bindPod } from '../apiserver/subresources/pod-binding.ts';
import { evictPod } from '../apiserver/subresources/pod-eviction.ts';
import { requestServiceAccountToken } from '../apiserver/subresources/serviceaccount-token.ts';
import type { ServiceAccountTokens } from '../apiserver/serviceaccount-tokens.ts';
import type { Client, ResourceClient } from './client.ts';

/** `serviceAccountTokens` serves serviceaccounts/token (the embedded kubelet's projected tokens). */
export function inProcessClient(registry: GenericRegistry, index: ResourceIndex, user: UserInfo, serviceAccountTokens?: ServiceAccountTokens): Client {
  return {
    resource<T extends KObject>(group: string, version: string, plural: string): ResourceClient<T> {
      const def = index.lookup(group, version, plural);
      if (!def) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${plural}.${group}/${version})`);
      const ns = (namespace: string | undefined, obj?: KObject) => (def.namespaced ? namespace ?? obj?.metadata?.namespace : undefined);
      return {
        get: async (name, namespace) => (await registry.get(def, ns(namespace), name)) as T,
        list: async (opts = {}) => {
          const r = await registry.list(def, { ...opts, namespace: ns(opts.namespace) });
          return { items: r.items as T[], resourceVersion: r.resourceVersion, continue: r.continue };
        },
        watch: (opts, onEvent, onEnd) =>
          registry.watch(def, { ...opts, namespace: ns(opts.namespace) }, (ev) => onEvent(ev as never), onEnd),
        create: async (obj, opts = {}) => (await registry.create(def, ns(opts.namespace, obj), obj, { ...opts, user })) as T,
        update: async (obj, opts = {}) => {
          const name = obj.metadata?.name ?? '';
          const namespace = ns(opts.namespace, obj);
          if (opts.subresource === 'scale') return (await registry.updateScale(def, namespace, name, obj, { ...opts, user })) as T;
          return (await registry.update(def, namespace, name, obj, { ...opts, user })) as T;
        },
        patch: async (name, type, patch, opts = {}) => (await registry.patch(def, ns(opts.namespace), name, type, patch, { ...opts, user })) as T,
        createSubresource: async (name, subresource, body, opts = {}) => {
          if (subresource === 'token' && def.group === '' && def.plural === 'serviceaccounts' && serviceAccountTokens) {
            return requestServiceAccountToken(registry, index, serviceAccountTokens, ns(opts.namespace, body) ?? '', name, body);
          }
          if (!(def.group === '' && def.plural === 'pods') || subresource === 'token') {
            throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${plural}/${subresource})`);
          }
          const namespace = ns(opts.namespace, body) ?? '';
          const writeOpts = { dryRun: opts.dryRun, user, subresource };
          return subresource === 'binding'
            ? bindPod(registry, def, namespace, name, body, writeOpts)
            : evictPod(registry, index, namespace, name, body, writeOpts);
        },
        delete: async (name, opts = {}) => {
          const { namespace, ...options } = opts;
          const r = await registry.delete(def, ns(namespace), name, options, { user });
          return { object: r.object as T, deleted: r.deleted };
        },
      };
    },
  };
}
