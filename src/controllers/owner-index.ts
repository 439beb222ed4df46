// The informer index controllers use to find what they control (upstream's controller UID
// index): objects are filed under their controller's uid, and orphans under their namespace, so
// a sync claims its own objects plus the adoption candidates instead of the whole namespace.
import type { KObject } from '../api/types.ts';
import type { Informer } from '../client/informer.ts';
import { controllerRefOf } from './controller-ref.ts';

export const CONTROLLER_UID_INDEX = 'controller-uid';

/** Where orphans of a namespace are filed; no uid contains a space. */
const orphanKey = (namespace: string | undefined) => `orphan ${namespace ?? ''}`;

export function controllerUidKeys(obj: KObject): string[] {
  const ref = controllerRefOf(obj);
  return [ref ? ref.uid : orphanKey(obj.metadata?.namespace)];
}

/** Adds the index to the informer (once, however many controllers ask). */
export function indexByControllerUid<T extends KObject>(informer: Informer<T>): void {
  informer.addIndex(CONTROLLER_UID_INDEX, controllerUidKeys);
}

/** The objects `owner` controls by uid (whatever their labels say). */
export function controlledBy<T extends KObject>(informer: Informer<T>, owner: KObject): T[] {
  const uid = owner.metadata?.uid;
  return uid ? informer.byIndex(CONTROLLER_UID_INDEX, uid) : [];
}

/** The objects of a namespace that no controller controls. */
export function orphansIn<T extends KObject>(informer: Informer<T>, namespace: string | undefined): T[] {
  return informer.byIndex(CONTROLLER_UID_INDEX, orphanKey(namespace));
}

/** What a controller's claim must look at: what it controls plus the orphans it could adopt. */
export function claimCandidates<T extends KObject>(informer: Informer<T>, owner: KObject): T[] {
  return [...controlledBy(informer, owner), ...orphansIn(informer, owner.metadata?.namespace)];
}
