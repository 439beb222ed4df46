import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { replicationControllers } from './replicationcontrollers.ts';

const now = new Date('2024-02-25T18:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };

function create(input: object): { obj: any; errors: string[] } {
  const obj: any = structuredClone(input);
  obj.metadata = { uid: 'u-1', creationTimestamp: '2024-02-25T17:00:00Z', ...obj.metadata };
  replicationControllers.defaults!(obj);
  replicationControllers.prepareForCreate!(obj);
  return { obj, errors: replicationControllers.validate!(obj).map(String) };
}

const nginx = {
  metadata: { name: 'nginx' },
  spec: { replicas: 3, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
};

test('ReplicationController: selector and labels default from the template', () => {
  const { obj, errors } = create(nginx);
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec.selector, { app: 'nginx' });
  assert.deepEqual(obj.metadata.labels, { app: 'nginx' });
  assert.equal(obj.spec.replicas, 3);
  assert.deepEqual(obj.status, { replicas: 0 });
  const kept = create({ metadata: { name: 'n', labels: { team: 'a' } }, spec: { selector: { app: 'nginx' }, template: { ...nginx.spec.template, metadata: { labels: { app: 'nginx', v: '1' } } } } }).obj;
  assert.deepEqual(kept.spec.selector, { app: 'nginx' });
  assert.deepEqual(kept.metadata.labels, { team: 'a' });
  assert.equal(kept.spec.replicas, 1);
});

test('ReplicationController: validation messages match upstream', () => {
  const cases: { name: string; input: any; want: string[] }[] = [
    { name: 'no template', input: { metadata: { name: 'r' }, spec: {} },
      want: ['spec.selector: Required value', 'spec.template: Required value'] },
    { name: 'negative replicas', input: { ...nginx, spec: { ...nginx.spec, replicas: -1 } },
      want: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'] },
    { name: 'selector not matching', input: { ...nginx, spec: { ...nginx.spec, selector: { app: 'web' } } },
      want: ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`'] },
    { name: 'restartPolicy', input: { ...nginx, spec: { ...nginx.spec, template: { ...nginx.spec.template, spec: { ...nginx.spec.template.spec, restartPolicy: 'Never' } } } },
      want: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'] },
    { name: 'activeDeadlineSeconds', input: { ...nginx, spec: { ...nginx.spec, template: { ...nginx.spec.template, spec: { ...nginx.spec.template.spec, activeDeadlineSeconds: 3 } } } },
      want: ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicationController is not Supported'] },
  ];
  for (const c of cases) assert.deepEqual(create(c.input).errors, c.want, c.name);
});

test('ReplicationController: table', () => {
  const { obj } = create(nginx);
  obj.status = { replicas: 3, readyReplicas: 2 };
  assert.deepEqual(replicationControllers.table.columns.map((c) => [c.name, c.priority ?? 0]), [
    ['Name', 0], ['Desired', 0], ['Current', 0], ['Ready', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1],
  ]);
  assert.deepEqual(replicationControllers.table.row(obj, ctx), ['nginx', 3, 3, 2, '60m', 'nginx', 'nginx', 'app=nginx']);
  assert.equal(replicationControllers.fieldSelectors!['status.replicas'](obj), '3');
  assert.deepEqual([replicationControllers.shortNames, replicationControllers.categories], [['rc'], ['all']]);
});
