import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event } from 'kubernetes-types/events/v1';
import type { KObject, TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { eventFromCore, eventToCore, eventsV1 } from './events.ts';

const now = new Date('2024-05-01T10:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };
type Obj = Event & KObject;

function event(fields: Partial<Obj> = {}): Obj {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'web.17a', namespace: 'default', creationTimestamp: '2024-05-01T09:58:00Z' },
    eventTime: '2024-05-01T09:58:00.000000Z',
    reportingController: 'example.com/controller',
    reportingInstance: 'controller-1',
    action: 'Scaling',
    reason: 'ScaledUp',
    regarding: { kind: 'Deployment', namespace: 'default', name: 'web', apiVersion: 'apps/v1' },
    note: 'scaled up to 3 ',
    type: 'Normal',
    ...fields,
  };
}
/** What a create is checked against: validate, then the create-only checks. */
const errors = (obj: Obj) => [...eventsV1.validate!(obj), ...eventsV1.validateCreate!(obj)].map(String);

test('conversion to the stored core form renames fields, and back again', () => {
  const full = event({
    related: { kind: 'Pod', name: 'web-1' },
    series: { count: 2, lastObservedTime: '2024-05-01T09:59:00.000000Z' },
    deprecatedSource: { component: 'kubelet', host: 'node-1' },
    deprecatedFirstTimestamp: '2024-05-01T09:00:00Z',
    deprecatedLastTimestamp: '2024-05-01T09:30:00Z',
    deprecatedCount: 4,
  });
  const core = eventToCore(full);
  assert.deepEqual(core, {
    apiVersion: 'v1', kind: 'Event', metadata: full.metadata,
    involvedObject: full.regarding, source: { component: 'kubelet', host: 'node-1' },
    eventTime: full.eventTime, series: full.series, reportingInstance: 'controller-1', action: 'Scaling',
    reason: 'ScaledUp', related: full.related, type: 'Normal',
    reportingComponent: 'example.com/controller', message: 'scaled up to 3 ',
    firstTimestamp: '2024-05-01T09:00:00Z', lastTimestamp: '2024-05-01T09:30:00Z', count: 4,
  });
  assert.deepEqual(eventFromCore(core), full);
  assert.deepEqual(eventsV1.storedAs!.fromStorage(eventsV1.storedAs!.toStorage(full)), full);
});

test('core events read through events.k8s.io get the struct fields upstream always serialises', () => {
  const v1 = eventFromCore({ metadata: { name: 'x', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p' }, message: 'hi', count: 2 });
  assert.deepEqual(v1, {
    apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'x', namespace: 'default' },
    note: 'hi', deprecatedCount: 2, regarding: { kind: 'Pod', name: 'p' }, deprecatedSource: {},
  });
});

test('a new event must carry what events.k8s.io/v1 requires', () => {
  assert.deepEqual(errors(event()), []);
  const bare: Obj = { metadata: { name: 'e', namespace: 'default' } } as Obj;
  assert.deepEqual(errors(bare), [
    'eventTime: Required value',
    'type: Invalid value: "": has invalid value: ',
  ]);
  // (the qualified-name messages for an empty reportingController come from the shared name rules)
  const partial = event({ reportingController: '', reportingInstance: '', action: '', reason: '', type: 'Info' });
  assert.deepEqual(errors(partial).filter((e) => !e.startsWith('reportingController: Invalid value')), [
    'reportingController: Required value',
    'reportingInstance: Required value',
    'action: Required value',
    'reason: Required value',
    'type: Invalid value: "": has invalid value: Info',
  ]);
  assert.deepEqual(errors(event({ reportingController: 'bad controller', note: 'x'.repeat(1025) })), [
    "reportingController: Invalid value: \"bad controller\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    'message: Invalid value: "": can have at most 1024 characters',
  ]);
  assert.deepEqual(errors(event({ deprecatedCount: 3, deprecatedSource: { component: 'x' }, deprecatedFirstTimestamp: '2024-05-01T09:00:00Z' })), [
    'firstTimestamp: Invalid value: "": needs to be unset',
    'count: Invalid value: "": needs to be unset',
    'source: Invalid value: "": needs to be unset',
  ]);
  assert.deepEqual(errors(event({ series: { count: 1 } as Obj['series'] })), [
    'series.count: Invalid value: "": should be at least 2',
    'series.lastObservedTime: Required value',
  ]);
  assert.deepEqual(errors(event({ regarding: { kind: 'Node', name: 'n1' }, metadata: { name: 'e', namespace: 'team-a' } })), [
    'involvedObject.namespace: Invalid value: "": does not match event.namespace',
  ]);
});

test('updates skip the create-only checks but keep fields immutable', () => {
  const old = event({ deprecatedCount: 3 });
  const updated = structuredClone(old);
  // On update the registry runs validate and validateUpdate, never validateCreate.
  assert.deepEqual(eventsV1.validate!(updated).map(String), []);
  assert.notDeepEqual(errors(updated), [], 'the create-only checks would refuse this event');
  assert.deepEqual(eventsV1.validateUpdate!(updated, old), []);

  const changed = event({ note: 'other', regarding: { kind: 'Pod', name: 'p', namespace: 'default' }, eventTime: '2024-05-01T09:59:00.500000Z' });
  assert.deepEqual(eventsV1.validateUpdate!(changed, old).map(String), [
    'involvedObject: Invalid value: core.ObjectReference{Kind:"Pod", Namespace:"default", Name:"p", UID:"", APIVersion:"", ResourceVersion:"", FieldPath:""}: field is immutable',
    'message: Invalid value: "other": field is immutable',
    'count: Invalid value: 0: field is immutable',
    'eventTime: Invalid value: 2024-05-01 09:59:00.5 +0000 UTC: field is immutable',
  ]);
});

test('field selectors use events.k8s.io names', () => {
  const ev = event({ deprecatedSource: {} });
  const sel = eventsV1.fieldSelectors!;
  assert.equal(sel['regarding.kind'](ev), 'Deployment');
  assert.equal(sel['regarding.name'](ev), 'web');
  assert.equal(sel.reportingController(ev), 'example.com/controller');
  assert.equal(sel.source(ev), 'example.com/controller');
  assert.equal(sel.type(ev), 'Normal');
});

test('table rows are the core event printer\'s', () => {
  assert.deepEqual(eventsV1.table.columns.map((c) => c.name),
    ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name']);
  assert.deepEqual(eventsV1.table.row(event(), ctx),
    ['2m', 'Normal', 'ScaledUp', 'deployment/web', '', 'example.com/controller, controller-1', 'scaled up to 3', '2m', 1, 'web.17a']);
  const series = event({ series: { count: 5, lastObservedTime: '2024-05-01T09:59:50.000000Z' } });
  assert.deepEqual(eventsV1.table.row(series, ctx).slice(0, 1), ['10s']);
  assert.equal(eventsV1.table.row(series, ctx)[8], 5);
});
