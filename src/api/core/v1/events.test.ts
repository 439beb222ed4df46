import { test } from 'node:test';
import assert from 'node:assert/strict';
import { events } from './events.ts';
import { age } from '../../../machinery/duration.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ctx = { now, age: (t: string | undefined) => age(t, now) };
const errors = (ev: any) => events.validate!(ev).map(String);

const kubeletEvent = {
  metadata: { name: 'web-1.17c3', namespace: 'default' },
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', fieldPath: 'spec.containers{web}' },
  reason: 'Pulled', message: 'Successfully pulled image "nginx"\n', type: 'Normal',
  source: { component: 'kubelet', host: 'node1' },
  firstTimestamp: '2024-05-01T11:50:00Z', lastTimestamp: '2024-05-01T11:58:00Z', count: 3,
};

test('legacy events: the namespaces must agree', () => {
  assert.deepEqual(errors(kubeletEvent), []);
  assert.deepEqual(errors({ ...kubeletEvent, metadata: { name: 'x', namespace: 'other' } }), [
    'involvedObject.namespace: Invalid value: "default": does not match event.namespace',
  ]);
  // Events about cluster-scoped objects live in "default".
  assert.deepEqual(errors({ metadata: { name: 'n', namespace: 'default' }, involvedObject: { kind: 'Node', name: 'node1' } }), []);
  assert.deepEqual(errors({ metadata: { name: 'n', namespace: 'kube-system' }, involvedObject: { kind: 'Node', name: 'node1' } }), [
    'involvedObject.namespace: Invalid value: "": does not match event.namespace',
  ]);
});

test('events with eventTime must name their reporter, action and reason', () => {
  assert.deepEqual(errors({ metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Pod', namespace: 'default', name: 'p' }, eventTime: '2024-05-01T11:00:00.000000Z' }), [
    'reportingController: Required value',
    'reportingController: Invalid value: "": name part must be non-empty',
    `reportingController: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    'reportingInstance: Required value',
    'action: Required value',
    'reason: Required value',
  ]);
  assert.deepEqual(errors({
    metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Pod', namespace: 'default', name: 'p' },
    eventTime: '2024-05-01T11:00:00.000000Z', reportingComponent: 'kubelet', reportingInstance: 'node1', action: 'Pulling', reason: 'x'.repeat(129),
  }), ['reason: Invalid value: "": can have at most 128 characters']);
});

test('names only need to be path segments', () => {
  assert.deepEqual(events.nameValidator!('web-1.17c3f4a0b1c2d3e4'), []);
  assert.deepEqual(events.nameValidator!('Weird_Name'), []);
  assert.deepEqual(events.nameValidator!('a/b'), ["may not contain '/'"]);
});

test('table: the default columns and the wide ones, as upstream orders them', () => {
  assert.deepEqual(events.table.columns.map((c) => [c.name, c.priority ?? 0]), [
    ['Last Seen', 0], ['Type', 0], ['Reason', 0], ['Object', 0], ['Subobject', 1], ['Source', 1], ['Message', 0],
    ['First Seen', 1], ['Count', 1], ['Name', 1],
  ]);
  assert.deepEqual(events.table.row(kubeletEvent as any, ctx), [
    '2m', 'Normal', 'Pulled', 'pod/web-1', 'spec.containers{web}', 'kubelet, node1', 'Successfully pulled image "nginx"', '10m', 3, 'web-1.17c3',
  ]);
});

test('table: new-style events use eventTime, series and the reporting controller', () => {
  const ev: any = {
    metadata: { name: 'e1', namespace: 'default' }, involvedObject: { kind: 'Node', name: '' }, reason: 'Started', type: 'Warning',
    eventTime: '2024-05-01T11:30:00.000000Z', reportingComponent: 'skiff-scheduler', reportingInstance: '',
  };
  assert.deepEqual(events.table.row(ev, ctx), ['30m', 'Warning', 'Started', 'node', '', 'skiff-scheduler', '', '30m', 1, 'e1']);
  ev.series = { count: 5, lastObservedTime: '2024-05-01T11:59:00.000000Z' };
  const row = events.table.row(ev, ctx);
  assert.equal(row[0], '60s');
  assert.equal(row[8], 5);
  const unknown: any = { metadata: { name: 'e2' }, involvedObject: { kind: 'Pod', name: 'p' } };
  assert.deepEqual(events.table.row(unknown, ctx).slice(0, 4), ['<unknown>', '', '', 'pod/p']);
});

test('field selectors', () => {
  const f = events.fieldSelectors!;
  assert.equal(f['involvedObject.kind'](kubeletEvent as any), 'Pod');
  assert.equal(f['involvedObject.name'](kubeletEvent as any), 'web-1');
  assert.equal(f['involvedObject.fieldPath'](kubeletEvent as any), 'spec.containers{web}');
  assert.equal(f.source(kubeletEvent as any), 'kubelet');
  assert.equal(f.source({ reportingComponent: 'ctrl' } as any), 'ctrl');
  assert.equal(f.type(kubeletEvent as any), 'Normal');
  assert.equal(f.reason(kubeletEvent as any), 'Pulled');
  assert.deepEqual(Object.keys(f).sort(), [
    'involvedObject.apiVersion', 'involvedObject.fieldPath', 'involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace',
    'involvedObject.resourceVersion', 'involvedObject.uid', 'reason', 'reportingComponent', 'source', 'type',
  ]);
});
