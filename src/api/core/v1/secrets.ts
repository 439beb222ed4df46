// core/v1 Secret: base64 data under config keys. Like the upstream apiserver, skiff folds the
// write-only `stringData` into `data` on every write, defaults the type to Opaque, keeps the type
// fixed, and checks the keys each well-known type requires.
import type { Secret } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, forbiddenField, immutable, invalidValue, required, tooLong } from '../../../machinery/validation.ts';
import { jsonEqual } from '../../../machinery/meta.ts';
import { isConfigMapKey } from './core-rules.ts';

const MAX_SECRET_SIZE = 1024 * 1024;

/** The keys each well-known secret type must carry. */
const DOCKERCFG_KEY = '.dockercfg';
const DOCKER_CONFIG_JSON_KEY = '.dockerconfigjson';

const decoded = (b64: string | undefined): Buffer => Buffer.from(b64 ?? '', 'base64');

/** Why docker config data is not a JSON object, worded as Go's JSON decoder words it. */
function jsonProblem(b64: string): string | undefined {
  const text = decoded(b64).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const first = text.trimStart()[0];
    if (first === undefined) return 'unexpected end of JSON input';
    if (!/[[{"\-0-9tfn]/.test(first)) return `invalid character '${first}' looking for beginning of value`;
    return 'unexpected end of JSON input';
  }
  if (value === null || (typeof value === 'object' && !Array.isArray(value))) return undefined;
  const kind = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
  return `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
}

function validateTypeKeys(secret: Secret): FieldError[] {
  const data = secret.data ?? {};
  const has = (k: string) => Object.hasOwn(data, k);
  switch (secret.type) {
    case 'kubernetes.io/service-account-token':
      return secret.metadata?.annotations?.['kubernetes.io/service-account.name']
        ? [] : [required('metadata.annotations[kubernetes.io/service-account.name]')];
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = secret.type === 'kubernetes.io/dockercfg' ? DOCKERCFG_KEY : DOCKER_CONFIG_JSON_KEY;
      if (!has(key)) return [required(`data[${key}]`)];
      const problem = jsonProblem(data[key]);
      return problem ? [invalidValue(`data[${key}]`, '<secret contents redacted>', problem)] : [];
    }
    case 'kubernetes.io/basic-auth':
      // Either may be empty, but one of them must be present.
      return has('username') || has('password') ? [] : [required('data[username]'), required('data[password]')];
    case 'kubernetes.io/ssh-auth':
      return decoded(data['ssh-privatekey']).length ? [] : [required('data[ssh-privatekey]')];
    case 'kubernetes.io/tls':
      return [...(has('tls.crt') ? [] : [required('data[tls.crt]')]), ...(has('tls.key') ? [] : [required('data[tls.key]')])];
    default:
      return [];
  }
}

export const secrets: ResourceDefinition<Secret & KObject> = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,

  defaults(secret) {
    if (!secret.type) secret.type = 'Opaque';
    // stringData is write-only: its entries overwrite data's, base64-encoded, and it is never stored.
    if (secret.stringData) {
      const data = { ...secret.data };
      for (const [key, value] of Object.entries(secret.stringData)) data[key] = Buffer.from(String(value), 'utf8').toString('base64');
      secret.data = data;
      delete secret.stringData;
    }
  },

  validate(secret) {
    const errs: FieldError[] = [];
    let size = 0;
    for (const [key, value] of Object.entries(secret.data ?? {})) {
      for (const msg of isConfigMapKey(key)) errs.push(invalidValue(`data[${key}]`, key, msg));
      size += decoded(value).length;
    }
    if (size > MAX_SECRET_SIZE) errs.push(tooLong('data', MAX_SECRET_SIZE));
    errs.push(...validateTypeKeys(secret));
    return errs;
  },

  validateUpdate(secret, old) {
    const errs: FieldError[] = [];
    if (secret.type !== old.type) errs.push(immutable('type', secret.type ?? ''));
    if (old.immutable) {
      const msg = 'field is immutable when `immutable` is set';
      if (!secret.immutable) errs.push(forbiddenField('immutable', msg));
      if (!jsonEqual(secret.data ?? {}, old.data ?? {})) errs.push(forbiddenField('data', msg));
    }
    return errs;
  },

  fieldSelectors: {
    type: (secret) => secret.type ?? '',
  },

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Type', type: 'string' },
      { name: 'Data', type: 'string' },
      { name: 'Age', type: 'string' },
    ],
    row: (secret, ctx) => [
      secret.metadata?.name ?? '',
      secret.type ?? '',
      Object.keys(secret.data ?? {}).length,
      ctx.age(secret.metadata?.creationTimestamp),
    ],
  },
};
