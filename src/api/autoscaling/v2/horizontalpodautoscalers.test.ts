import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2';
import type { KObject, TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { horizontalPodAutoscalers as hpas } from './horizontalpodautoscalers.ts';

const now = new Date('2024-05-01T10:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };
type Obj = HorizontalPodAutoscaler & KObject;
const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const hpa = (spec: Partial<NonNullable<Obj['spec']>>): Obj => ({
  metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T09:59:00Z' },
  spec: { scaleTargetRef: target, maxReplicas: 5, ...spec },
});
const errors = (obj: Obj) => hpas.validate!(obj).map(String);

test('defaults: one replica minimum and 80% CPU', () => {
  const obj = hpa({});
  hpas.defaults!(obj);
  assert.equal(obj.spec!.minReplicas, 1);
  assert.deepEqual(obj.spec!.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  assert.equal(obj.spec!.behavior, undefined);
  assert.deepEqual(errors(obj), []);
});

test('a given behavior is completed with upstream defaults', () => {
  const obj = hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });
  hpas.defaults!(obj);
  assert.deepEqual(obj.spec!.behavior, {
    scaleUp: {
      stabilizationWindowSeconds: 0, selectPolicy: 'Max',
      policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
    },
    scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], stabilizationWindowSeconds: 60 },
  });
});

test('validation messages match upstream', () => {
  const cases: [Partial<NonNullable<Obj['spec']>>, string[]][] = [
    [{ minReplicas: 3, maxReplicas: 2 }, ['spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`']],
    [{ maxReplicas: 0 }, ['spec.maxReplicas: Invalid value: 0: must be greater than 0']],
    [{ minReplicas: 0 }, [
      'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1',
      'spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas',
    ]],
    [{ scaleTargetRef: { kind: '', name: 'a/b' } }, [
      'spec.scaleTargetRef.kind: Required value',
      "spec.scaleTargetRef.name: Invalid value: \"a/b\": may not contain '/'",
    ]],
    [{ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } }] },
      ['spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0']],
    [{ metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization' } } }] },
      ['spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization']],
    [{ metrics: [{ type: 'Pods' }] }, ['spec.metrics[0].pods: Required value: must populate information for the given metric source']],
    // upstream validates only the first source present (in object, external, pods, resource order)
    // and forbids the ones the type does not name
    [{ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } }, pods: { metric: { name: '' }, target: { type: 'AverageValue' } } }] }, [
      'spec.metrics[0].pods.metric.name: Required value: must specify a metric name',
      'spec.metrics[0].pods.target.averageValue: Required value: must specify a positive target averageValue',
      'spec.metrics[0].pods: Forbidden: must populate the given metric source only',
    ]],
    [{ metrics: [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '0' } } }] }, [
      'spec.metrics[0].pods.target.averageValue: Invalid value: resource.Quantity{i:resource.int64Amount{value:0, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"0", Format:"DecimalSI"}: must be positive',
    ]],
    [{ behavior: { scaleUp: { selectPolicy: 'Fastest', policies: [{ type: 'Pods', value: 0, periodSeconds: 3600 }] } } }, [
      'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Fastest": supported values: "Disabled", "Max", "Min"',
      'spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero',
      'spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 3600: must be less than or equal to 1800',
    ]],
  ];
  for (const [spec, want] of cases) assert.deepEqual(errors(hpa(spec)), want);
});

test('create starts with an empty status', () => {
  const obj = hpa({});
  obj.status = { currentReplicas: 3, desiredReplicas: 3 };
  hpas.prepareForCreate!(obj);
  assert.deepEqual(obj.status, { desiredReplicas: 0 });
});

test('table shows reference, targets and replicas', () => {
  assert.deepEqual(hpas.table.columns.map((c) => c.name), ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
  const obj = hpa({});
  hpas.defaults!(obj);
  assert.deepEqual(hpas.table.row(obj, ctx), ['web', 'Deployment/web', 'cpu: <unknown>/80%', '1', 5, 0, '60s']);

  obj.spec!.metrics!.push(
    { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
    { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
  );
  obj.status = {
    desiredReplicas: 2, currentReplicas: 2,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42, averageValue: '120m' } } }],
  };
  assert.equal(hpas.table.row(obj, ctx)[2], 'cpu: 42%/80%, memory: <unknown>/500Mi + 1 more...');
  assert.equal(hpas.table.row(obj, ctx)[5], 2);
});
