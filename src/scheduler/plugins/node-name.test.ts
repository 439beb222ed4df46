import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, nodeWith, runFilter } from '../testing.ts';
import { nodeName } from './node-name.ts';

test('NodeName fits only the node the pod names', () => {
  const cases: Array<{ wanted?: string; node: string; fits: boolean }> = [
    { node: 'a', fits: true },
    { wanted: 'a', node: 'a', fits: true },
    { wanted: 'a', node: 'b', fits: false },
  ];
  for (const c of cases) {
    const status = runFilter(nodeName, makePod('p', { spec: c.wanted ? { nodeName: c.wanted } : {} }), nodeWith(makeNode(c.node)));
    assert.equal(status === null, c.fits, JSON.stringify(c));
    if (status) assert.deepEqual(status, { code: 'UnschedulableAndUnresolvable', reasons: ["node(s) didn't match the requested node name"] });
  }
});
