// events.k8s.io/v1 Event: the newer face of events. Upstream serves it from the core/v1 events
// storage, converting field by field (regarding ↔ involvedObject, note ↔ message, ...), and
// validates the converted core event: strictly on create, only for immutability on update.
// Field paths in its errors are therefore the core ones ("message", "involvedObject..."), as upstream.
import type { Event as CoreEvent, ObjectReference } from 'kubernetes-types/core/v1';
import type { Event } from 'kubernetes-types/events/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, invalidValue, required } from '../../../machinery/validation.ts';
import { jsonEqual } from '../../../machinery/meta.ts';
import { goQuote, invalidGo } from '../../common/go-value.ts';
import { events as coreEvents } from '../../core/v1/events.ts';

type CoreEventObject = CoreEvent & KObject;

// ---- conversion ----------------------------------------------------------------------------

/** Fields with the same name and meaning in both versions. */
const SAME_FIELDS = ['eventTime', 'series', 'reportingInstance', 'action', 'reason', 'related', 'type'] as const;
/** events.k8s.io/v1 name → core/v1 name for the renamed fields (besides regarding/deprecatedSource). */
const RENAMED: [keyof Event, keyof CoreEvent][] = [
  ['reportingController', 'reportingComponent'],
  ['note', 'message'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];

function copyField(to: Record<string, unknown>, toKey: string, from: Record<string, unknown>, fromKey: string): void {
  if (from[fromKey] !== undefined) to[toKey] = from[fromKey];
}

/** events.k8s.io/v1 → core/v1, as stored. involvedObject and source are structs upstream, always present. */
export function eventToCore(ev: Event): CoreEvent {
  const src = ev as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { apiVersion: 'v1', kind: 'Event', metadata: ev.metadata ?? {} };
  out.involvedObject = ev.regarding ?? {};
  out.source = ev.deprecatedSource ?? {};
  for (const f of SAME_FIELDS) copyField(out, f, src, f);
  for (const [v1, core] of RENAMED) copyField(out, core, src, v1);
  return out as unknown as CoreEvent;
}

/** core/v1 → events.k8s.io/v1, as served. */
export function eventFromCore(ev: CoreEvent): Event {
  const src = ev as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: ev.metadata ?? {} };
  for (const f of SAME_FIELDS) copyField(out, f, src, f);
  for (const [v1, core] of RENAMED) copyField(out, v1, src, core);
  out.regarding = ev.involvedObject ?? {};
  out.deprecatedSource = ev.source ?? {};
  return out as unknown as Event;
}

// ---- validation (on the core form) ---------------------------------------------------------

function validateSeries(ev: CoreEvent): FieldError[] {
  if (!ev.series) return [];
  const errs: FieldError[] = [];
  if ((ev.series.count ?? 0) < 2) errs.push(invalidValue('series.count', '', 'should be at least 2'));
  if (!ev.series.lastObservedTime) errs.push(required('series.lastObservedTime'));
  return errs;
}

/** What only a new event written through events.k8s.io must satisfy. */
function validateCreate(ev: CoreEvent): FieldError[] {
  const errs = validateSeries(ev);
  if (!ev.eventTime) errs.push(required('eventTime'));
  if (ev.type !== 'Normal' && ev.type !== 'Warning') errs.push(invalidValue('type', '', `has invalid value: ${ev.type ?? ''}`));
  if (ev.firstTimestamp) errs.push(invalidValue('firstTimestamp', '', 'needs to be unset'));
  if (ev.lastTimestamp) errs.push(invalidValue('lastTimestamp', '', 'needs to be unset'));
  if (ev.count) errs.push(invalidValue('count', '', 'needs to be unset'));
  if (ev.source?.component || ev.source?.host) errs.push(invalidValue('source', '', 'needs to be unset'));
  return errs;
}

// Go's %#v / String() of the values ValidateImmutableField reports.
const goObjectReference = (r: ObjectReference | undefined): string => {
  if (!r) return 'null';
  const f = (s: string | undefined) => goQuote(s ?? '');
  return `core.ObjectReference{Kind:${f(r.kind)}, Namespace:${f(r.namespace)}, Name:${f(r.name)}, UID:${f(r.uid)}, ` +
    `APIVersion:${f(r.apiVersion)}, ResourceVersion:${f(r.resourceVersion)}, FieldPath:${f(r.fieldPath)}}`;
};

/** time.Time's String(): "2024-05-01 10:00:00.5 +0000 UTC" (fraction without trailing zeros). */
function goTime(ts: string | undefined): string {
  const m = ts ? /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(ts) : null;
  if (!m) return '0001-01-01 00:00:00 +0000 UTC';
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  return `${m[1]} ${m[2]}${fraction ? `.${fraction}` : ''} +0000 UTC`;
}

type Immutable = [field: string, value: (e: CoreEvent) => unknown, render: (e: CoreEvent) => string | undefined];
const IMMUTABLE_FIELDS: Immutable[] = [
  ['involvedObject', (e) => e.involvedObject ?? {}, (e) => goObjectReference(e.involvedObject ?? {})],
  ['reason', (e) => e.reason ?? '', () => undefined],
  ['message', (e) => e.message ?? '', () => undefined],
  ['source', (e) => e.source ?? {}, (e) => `core.EventSource{Component:${goQuote(e.source?.component ?? '')}, Host:${goQuote(e.source?.host ?? '')}}`],
  ['firstTimestamp', (e) => e.firstTimestamp ?? '', (e) => goTime(e.firstTimestamp)],
  ['lastTimestamp', (e) => e.lastTimestamp ?? '', (e) => goTime(e.lastTimestamp)],
  ['count', (e) => e.count ?? 0, () => undefined],
  ['type', (e) => e.type ?? '', () => undefined],
  ['eventTime', (e) => e.eventTime ?? '', (e) => goTime(e.eventTime)],
  ['action', (e) => e.action ?? '', () => undefined],
  ['related', (e) => e.related ?? null, (e) => goObjectReference(e.related)],
  ['reportingController', (e) => e.reportingComponent ?? '', () => undefined],
  ['reportingInstance', (e) => e.reportingInstance ?? '', () => undefined],
];

function validateUpdate(ev: CoreEvent, old: CoreEvent): FieldError[] {
  const errs = jsonEqual(ev.series, old.series) ? [] : validateSeries(ev);
  for (const [field, value, render] of IMMUTABLE_FIELDS) {
    if (jsonEqual(value(ev), value(old))) continue;
    const rendered = render(ev);
    errs.push(rendered === undefined
      ? invalidValue(field, value(ev), 'field is immutable')
      : invalidGo(field, value(ev), rendered, 'field is immutable'));
  }
  return errs;
}

// ---- definition --------------------------------------------------------------------------

export const eventsV1: ResourceDefinition<Event & KObject> = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],

  storedAs: {
    group: '',
    resource: 'events',
    toStorage: (obj) => eventToCore(obj) as unknown as KObject,
    fromStorage: (obj) => eventFromCore(obj as unknown as CoreEvent) as Event & KObject,
  },

  // Every event passes the core API's legacy checks; new ones written here also the strict ones.
  validate: (obj) => coreEvents.validate!(eventToCore(obj) as CoreEventObject),
  validateCreate: (obj) => validateCreate(eventToCore(obj)),

  validateUpdate(obj, old) {
    return validateUpdate(eventToCore(obj), eventToCore(old));
  },

  fieldSelectors: {
    'regarding.kind': (e) => e.regarding?.kind ?? '',
    'regarding.namespace': (e) => e.regarding?.namespace ?? '',
    'regarding.name': (e) => e.regarding?.name ?? '',
    'regarding.uid': (e) => e.regarding?.uid ?? '',
    'regarding.apiVersion': (e) => e.regarding?.apiVersion ?? '',
    'regarding.resourceVersion': (e) => e.regarding?.resourceVersion ?? '',
    'regarding.fieldPath': (e) => e.regarding?.fieldPath ?? '',
    reason: (e) => e.reason ?? '',
    reportingController: (e) => e.reportingController ?? '',
    source: (e) => e.deprecatedSource?.component || e.reportingController || '',
    type: (e) => e.type ?? '',
  },

  // upstream prints events.k8s.io events with the core printer, from the core form
  table: {
    columns: coreEvents.table.columns,
    row: (obj, ctx) => coreEvents.table.row(eventToCore(obj) as CoreEventObject, ctx),
  },
};
