import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { KObject } from '../api/types.ts';
import { claimDecision, controllerRefOf, newControllerRef } from './controller-ref.ts';

const owner: KObject = { metadata: { name: 'rs', namespace: 'ns', uid: 'u-owner' } };
const deletingOwner: KObject = { metadata: { ...owner.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } };
const ours = newControllerRef(owner, 'apps/v1', 'ReplicaSet');
const theirs = { ...ours, name: 'other', uid: 'u-other' };

function pod(refs: OwnerReference[] | undefined, extra: object = {}): KObject {
  return { metadata: { name: 'p', namespace: 'ns', ownerReferences: refs, ...extra } };
}

test('newControllerRef marks the controller and blocks owner deletion', () => {
  assert.deepEqual(ours, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u-owner', controller: true, blockOwnerDeletion: true });
  assert.equal(controllerRefOf(pod([{ ...theirs, controller: false }, ours])), pod([ours]).metadata!.ownerReferences![0]);
});

test('claimDecision: own, adopt, release or leave alone, as upstream', () => {
  const cases: Array<[string, KObject, KObject, boolean, string]> = [
    ['owned and matching', owner, pod([ours]), true, 'owned'],
    ['owned, no longer matching', owner, pod([ours]), false, 'release'],
    ['owned, not matching, owner being deleted', deletingOwner, pod([ours]), false, 'ignore'],
    ['owned and matching, owner being deleted', deletingOwner, pod([ours]), true, 'owned'],
    ['someone else controls it', owner, pod([theirs]), true, 'ignore'],
    ['orphan that matches', owner, pod(undefined), true, 'adopt'],
    ['orphan with a non-controller owner', owner, pod([{ ...theirs, controller: false }]), true, 'adopt'],
    ['orphan that does not match', owner, pod(undefined), false, 'ignore'],
    ['orphan being deleted', owner, pod(undefined, { deletionTimestamp: '2024-01-01T00:00:00Z' }), true, 'ignore'],
    ['orphan, owner being deleted', deletingOwner, pod(undefined), true, 'ignore'],
    ['orphan in another namespace', owner, pod(undefined, { namespace: 'elsewhere' }), true, 'ignore'],
  ];
  for (const [name, o, obj, matches, want] of cases) assert.equal(claimDecision(o, obj, matches), want, name);
});
