import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Toleration } from 'kubernetes-types/core/v1';
import { allResources } from '../../api/all.ts';
import type { KObject } from '../../api/types.ts';
import type { AdmissionAttributes, Operation } from '../admission.ts';
import { defaultTolerationSeconds } from './default-toleration-seconds.ts';

const podsDef = allResources.find((d) => d.group === '' && d.plural === 'pods')!;
const cmDef = allResources.find((d) => d.group === '' && d.plural === 'configmaps')!;
const NOT_READY = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const UNREACHABLE = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };

function admit(tolerations: Toleration[] | undefined, opts: { operation?: Operation; subresource?: string; def?: typeof podsDef } = {}, seconds?: number): unknown {
  const object: KObject = { metadata: { name: 'p' }, spec: { containers: [], ...(tolerations ? { tolerations } : {}) } };
  const attrs: AdmissionAttributes = {
    operation: opts.operation ?? 'CREATE', def: opts.def ?? podsDef, namespace: 'default', name: 'p', subresource: opts.subresource,
    object, oldObject: undefined, dryRun: false, user: undefined,
  };
  void defaultTolerationSeconds(seconds === undefined ? {} : { notReadySeconds: seconds, unreachableSeconds: seconds }).admit!(attrs);
  return (object.spec as { tolerations?: unknown }).tolerations;
}

test('DefaultTolerationSeconds adds the two NoExecute tolerations a pod lacks', () => {
  const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' } as Toleration;
  const cases: Array<[string, Toleration[] | undefined, unknown]> = [
    ['none', undefined, [NOT_READY, UNREACHABLE]],
    ['other key', [{ key: 'x', operator: 'Exists' }], [{ key: 'x', operator: 'Exists' }, NOT_READY, UNREACHABLE]],
    ['its own unreachable toleration (forever)', [own], [own, NOT_READY]],
    ['any key, NoExecute', [{ operator: 'Exists', effect: 'NoExecute' }], [{ operator: 'Exists', effect: 'NoExecute' }]],
    ['any key, any effect', [{ operator: 'Exists' }], [{ operator: 'Exists' }]],
    ['not-ready for NoSchedule only', [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }],
      [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }, NOT_READY, UNREACHABLE]],
  ];
  for (const [name, tolerations, want] of cases) assert.deepEqual(admit(tolerations), want, name);
  assert.deepEqual(admit(undefined, { operation: 'UPDATE' }), [NOT_READY, UNREACHABLE], 'updates too');
  assert.deepEqual(admit(undefined, {}, 2), [{ ...NOT_READY, tolerationSeconds: 2 }, { ...UNREACHABLE, tolerationSeconds: 2 }]);
  assert.equal(admit(undefined, { subresource: 'status', operation: 'UPDATE' }), undefined, 'not on subresources');
  assert.equal(admit(undefined, { def: cmDef }), undefined, 'only pods');
});
