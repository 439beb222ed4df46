import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duplicateGo, goQuantity, goResourceList, goServicePortKey, goStringSlice } from './go-values.ts';

const q = (value: string, scale: number, s: string, format = 'DecimalSI') =>
  `resource.Quantity{i:resource.int64Amount{value:${value}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"${s}", Format:"${format}"}`;

test('quantities print their internal form, keeping the text only when upstream judges it canonical', () => {
  const cases: [string, string][] = [
    ['0', q('0', 0, '0')],
    ['2', q('2', 0, '2')],
    ['100m', q('100', -3, '100m')],
    ['1000m', q('1000', -3, '')],
    ['1.5', q('15', -1, '')],
    ['0.5', q('5', -1, '')],
    ['-1', q('-1', 0, '-1')],
    ['1k', q('1', 3, '1k')],
    ['1e3', q('1', 3, '1e3', 'DecimalExponent')],
    ['1Gi', q('1073741824', 0, '1Gi', 'BinarySI')],
    ['8Gi', q('8589934592', 0, '', 'BinarySI')],
    ['100Mi', q('104857600', 0, '100Mi', 'BinarySI')],
  ];
  for (const [text, want] of cases) assert.equal(goQuantity(text), want, text);
  assert.equal(goQuantity('abc'), '"abc"');
});

test('slices, resource lists and the service port key', () => {
  assert.equal(goStringSlice(['10.43.0.5']), '[]string{"10.43.0.5"}');
  assert.equal(goStringSlice(undefined), '[]string(nil)');
  assert.equal(goStringSlice([], 'core.IPFamily'), '[]core.IPFamily{}');
  assert.equal(goResourceList(undefined), 'core.ResourceList(nil)');
  assert.equal(goResourceList({ storage: '1Gi', cpu: '1' }), `core.ResourceList{"cpu":${q('1', 0, '1')}, "storage":${q('1073741824', 0, '1Gi', 'BinarySI')}}`);
  assert.equal(goServicePortKey('UDP', 53),
    'core.ServicePort{Name:"", Protocol:"UDP", AppProtocol:(*string)(nil), Port:53, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}');
  assert.equal(String(duplicateGo('spec.x', {}, 'T{}', 'why')), 'spec.x: Duplicate value: T{}: why');
});
