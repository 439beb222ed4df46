// Records core/v1 Events about objects, as upstream's event recorder: repeats of the same event
// (same object, type, reason, message and source) bump `count` and `lastTimestamp` on one Event
// instead of creating new ones, which `kubectl describe` shows as "x3 over 2m".
import type { Event } from 'kubernetes-types/core/v1';
import type { KObject } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import { rfc3339 } from '../machinery/meta.ts';
import type { Client } from './client.ts';

export interface EventRecorder {
  event(obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void;
}

export interface EventSource {
  component: string;
  host?: string;
}

interface Seen { name: string; namespace: string; count: number; firstTimestamp: string }

const MAX_REMEMBERED = 4096;

export function createEventRecorder(client: Client, source: EventSource, log: Logger, now: () => Date = () => new Date()): EventRecorder {
  const events = client.resource<Event & KObject>('', 'v1', 'events');
  const seen = new Map<string, Seen>();

  async function record(obj: KObject, type: string, reason: string, message: string, fieldPath?: string) {
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const key = JSON.stringify([meta.uid, meta.namespace, meta.name, obj.kind, fieldPath, type, reason, message]);
    const at = rfc3339(now());
    const prior = seen.get(key);
    if (prior) {
      prior.count += 1;
      try {
        await events.patch(prior.name, 'merge', { count: prior.count, lastTimestamp: at }, { namespace: prior.namespace });
        return;
      } catch {
        seen.delete(key); // the Event expired or was deleted: start a new one
      }
    }
    const name = `${meta.name}.${(BigInt(now().getTime()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000))).toString(16)}`;
    const event = {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        kind: obj.kind, namespace: meta.namespace, name: meta.name, uid: meta.uid,
        apiVersion: obj.apiVersion, resourceVersion: meta.resourceVersion, ...(fieldPath ? { fieldPath } : {}),
      },
      reason, message, type,
      source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
      firstTimestamp: at, lastTimestamp: at, count: 1,
      reportingComponent: source.component, reportingInstance: source.host ?? '',
    } as unknown as Event & KObject;
    await events.create(event, { namespace });
    if (seen.size >= MAX_REMEMBERED) seen.delete(seen.keys().next().value!);
    seen.set(key, { name, namespace, count: 1, firstTimestamp: at });
  }

  return {
    event(obj, type, reason, message, fieldPath) {
      record(obj, type, reason, message, fieldPath).catch((err) =>
        log.debug('could not record event', { reason, object: obj.metadata?.name, error: err instanceof Error ? err.message : String(err) }));
    },
  };
}
