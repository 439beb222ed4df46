import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import type { KObject, TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { podDisruptionBudgets } from './poddisruptionbudgets.ts';

const now = new Date('2024-05-01T10:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };
type Obj = PodDisruptionBudget & KObject;
const pdb = (spec: Obj['spec']): Obj => ({ metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-04-28T10:00:00Z' }, spec });
const errors = (obj: Obj) => podDisruptionBudgets.validate!(obj).map(String);

test('validation messages match upstream', () => {
  const selector = { matchLabels: { app: 'web' } };
  assert.deepEqual(errors(pdb({ minAvailable: 2, selector })), []);
  assert.deepEqual(errors(pdb({ maxUnavailable: '25%', selector })), []);
  const cases: [Obj['spec'], string[]][] = [
    [{ minAvailable: 1, maxUnavailable: 1, selector }, [
      'spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000010000), Selector:(*v1.LabelSelector)(0xc000010020), ' +
      'MaxUnavailable:(*intstr.IntOrString)(0xc000010040), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: ' +
      'minAvailable and maxUnavailable cannot be both set',
    ]],
    [{ minAvailable: -1 }, ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']],
    [{ minAvailable: 'half' }, [
      "spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"half\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    ]],
    [{ maxUnavailable: '120%' }, ['spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%']],
    [{ minAvailable: 1, unhealthyPodEvictionPolicy: 'Never' }, [
      'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"',
    ]],
  ];
  for (const [spec, want] of cases) assert.deepEqual(errors(pdb(spec)), want);
});

test('create starts from a zero status, which may never go negative', () => {
  const obj = pdb({ minAvailable: 1 });
  obj.status = { disruptionsAllowed: 5, currentHealthy: 5, desiredHealthy: 1, expectedPods: 5 };
  podDisruptionBudgets.prepareForCreate!(obj);
  assert.deepEqual(obj.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  obj.status.disruptionsAllowed = -1;
  assert.deepEqual(podDisruptionBudgets.validateStatus!(obj, obj).map(String),
    ['status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0']);
});

test('table rows', () => {
  assert.deepEqual(podDisruptionBudgets.table.columns.map((c) => c.name),
    ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
  const obj = pdb({ minAvailable: '50%' });
  obj.status = { disruptionsAllowed: 2, currentHealthy: 4, desiredHealthy: 2, expectedPods: 4 };
  assert.deepEqual(podDisruptionBudgets.table.row(obj, ctx), ['web', '50%', 'N/A', 2, '3d']);
  assert.deepEqual(podDisruptionBudgets.table.row(pdb({ maxUnavailable: 1 }), ctx), ['web', 'N/A', '1', 0, '3d']);
});
