import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerCells, deploymentSelectorCell, formatLabelSelector, formatLabels } from './workload-table.ts';
import { semanticEqual } from './workload-validation.ts';

test('selector and label cells print as upstream printers do', () => {
  const sel = { matchLabels: { tier: 'web', app: 'x' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }, { key: 'canary', operator: 'DoesNotExist' }] };
  assert.equal(deploymentSelectorCell(sel), 'app=x,!canary,env in (dev,prod),tier=web');
  assert.equal(deploymentSelectorCell(undefined), '');
  assert.equal(deploymentSelectorCell({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }), '<invalid>');
  assert.equal(formatLabelSelector(sel), 'app=x,!canary,env in (dev,prod),tier=web');
  assert.equal(formatLabelSelector({}), '<none>');
  assert.equal(formatLabelSelector(undefined), '<none>');
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In' }] }), '<error>');
  assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
  assert.equal(formatLabels(undefined), '<none>');
  assert.deepEqual(containerCells({ containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y:2' }] }), ['a,b', 'x:1,y:2']);
  assert.deepEqual(containerCells(undefined), ['', '']);
});

test('semanticEqual: missing equals empty and Go zero values, real differences count', () => {
  const cases: [unknown, unknown, boolean][] = [
    [undefined, [], true],
    [{ a: {} }, {}, true],
    [{ affinity: { nodeAffinity: undefined } }, {}, true],
    [{ n: 0, s: '', b: false }, {}, true],
    [{ a: [1] }, { a: [] }, false],
    [{ a: { b: 'x' } }, { a: { b: 'y' } }, false],
    [{ a: 'x' }, {}, false],
  ];
  for (const [a, b, want] of cases) {
    assert.equal(semanticEqual(a, b), want, JSON.stringify([a, b]));
    assert.equal(semanticEqual(b, a), want, JSON.stringify([b, a]));
  }
});
