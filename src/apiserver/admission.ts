// The admission chain: plugins that may change (admit) and then check (validate) every write
// before it is stored, as kube-apiserver's mutating and validating admission does.
import type { KObject, ResourceDefinition } from '../api/types.ts';
import type { UserInfo } from './authn.ts';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionAttributes {
  operation: Operation;
  def: ResourceDefinition;
  namespace: string | undefined;
  name: string;
  subresource: string | undefined;
  /** The object being written (absent for DELETE). Mutating plugins change it in place. */
  object: KObject | undefined;
  /** The stored object (UPDATE, DELETE). */
  oldObject: KObject | undefined;
  dryRun: boolean;
  user: UserInfo | undefined;
}

export interface AdmissionPlugin {
  name: string;
  /** Mutating phase, in chain order. Throw an ApiError to refuse. */
  admit?(attrs: AdmissionAttributes): Promise<void> | void;
  /** Validating phase, after defaults and validation. Throw an ApiError to refuse. */
  validate?(attrs: AdmissionAttributes): Promise<void> | void;
  /** Called after the write was stored (or, for dry runs, after it was not): release what a refused write held. */
  committed?(attrs: AdmissionAttributes, ok: boolean): void;
}

export async function runAdmit(plugins: AdmissionPlugin[], attrs: AdmissionAttributes): Promise<void> {
  for (const p of plugins) if (p.admit) await p.admit(attrs);
}

export async function runValidate(plugins: AdmissionPlugin[], attrs: AdmissionAttributes): Promise<void> {
  for (const p of plugins) if (p.validate) await p.validate(attrs);
}

export function runCommitted(plugins: AdmissionPlugin[], attrs: AdmissionAttributes, ok: boolean): void {
  for (const p of plugins) p.committed?.(attrs, ok);
}
