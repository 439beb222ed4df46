// Controller references and claiming, as upstream's ControllerRefManager: a controller owns the
// objects whose controller ownerReference names it; it adopts orphans its selector matches and
// releases objects it owns that its selector no longer matches. Adoption is checked against a
// fresh read of the owner, so an owner being deleted never adopts.
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { KObject } from '../api/types.ts';
import type { ResourceClient } from '../client/client.ts';
import { ApiError } from '../machinery/errors.ts';

export function controllerRefOf(obj: KObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** The ownerReference a controller puts on what it creates (upstream's NewControllerRef). */
export function newControllerRef(owner: KObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion, kind, name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '',
    controller: true, blockOwnerDeletion: true,
  };
}

export type ClaimDecision = 'owned' | 'adopt' | 'release' | 'ignore';

/** What the owner should do with one candidate object (pure). */
export function claimDecision(owner: KObject, obj: KObject, matches: boolean): ClaimDecision {
  const ref = controllerRefOf(obj);
  const ownerDeleting = !!owner.metadata?.deletionTimestamp;
  if (ref) {
    if (ref.uid !== owner.metadata?.uid) return 'ignore';   // someone else's
    if (matches) return 'owned';
    return ownerDeleting ? 'ignore' : 'release';
  }
  if (ownerDeleting || !matches || obj.metadata?.deletionTimestamp) return 'ignore';
  if (owner.metadata?.namespace && owner.metadata.namespace !== obj.metadata?.namespace) return 'ignore';
  return 'adopt';
}

export interface ClaimOptions<T extends KObject> {
  owner: KObject;
  ownerApiVersion: string;
  ownerKind: string;
  /** The candidates' kind, for error messages ("Pod"). */
  candidateKind: string;
  candidates: T[];
  matches(obj: T): boolean;
  /** Where adopt/release patches go. */
  resource: ResourceClient<T>;
  /** Reads the owner from the API server (not a cache), to check it may still adopt. */
  getOwner(): Promise<KObject>;
}

export interface ClaimResult<T> {
  claimed: T[];
  errors: Error[];
}

/**
 * Claims the candidates: returns the objects the owner controls afterwards (owned or just
 * adopted) and every adoption or release that failed (the caller should retry).
 */
export async function claimObjects<T extends KObject>(opts: ClaimOptions<T>): Promise<ClaimResult<T>> {
  const { owner, resource } = opts;
  const claimed: T[] = [];
  const errors: Error[] = [];
  let adoptable: Promise<void> | undefined;
  const canAdopt = () => (adoptable ??= recheckOwner(opts));

  for (const obj of opts.candidates) {
    const decision = claimDecision(owner, obj, opts.matches(obj));
    if (decision === 'owned') { claimed.push(obj); continue; }
    if (decision === 'ignore') continue;
    const meta = obj.metadata ?? {};
    const refs = meta.ownerReferences ?? [];
    try {
      if (decision === 'adopt') {
        try {
          await canAdopt();
        } catch (err) {
          throw new Error(`can't adopt ${opts.candidateKind} ${meta.namespace}/${meta.name} (${meta.uid}): ${(err as Error).message}`);
        }
        const ref = newControllerRef(owner, opts.ownerApiVersion, opts.ownerKind);
        const adopted = await resource.patch(meta.name ?? '', 'merge',
          { metadata: { ownerReferences: [...refs, ref], resourceVersion: meta.resourceVersion } }, { namespace: meta.namespace });
        claimed.push(adopted);
      } else {
        const rest = refs.filter((r) => r.uid !== owner.metadata?.uid);
        await resource.patch(meta.name ?? '', 'merge',
          { metadata: { ownerReferences: rest.length ? rest : null, resourceVersion: meta.resourceVersion } }, { namespace: meta.namespace });
      }
    } catch (err) {
      // Gone already: nothing to claim or release.
      if (err instanceof ApiError && err.reason === 'NotFound') continue;
      errors.push(err as Error);
    }
  }
  return { claimed, errors };
}

async function recheckOwner(opts: ClaimOptions<KObject>): Promise<void> {
  const fresh = await opts.getOwner();
  const meta = opts.owner.metadata ?? {};
  if (fresh.metadata?.uid !== meta.uid) {
    throw new Error(`original ${meta.namespace}/${meta.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${meta.uid}`);
  }
  if (fresh.metadata?.deletionTimestamp) {
    throw new Error(`${meta.namespace}/${meta.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }
}
