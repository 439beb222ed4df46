// core/v1 ConfigMap: string and binary data under config keys, frozen once `immutable` is set.
import type { ConfigMap } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import { type FieldError, forbiddenField, invalidValue, tooLong } from '../../../machinery/validation.ts';
import { jsonEqual } from '../../../machinery/meta.ts';
import { isConfigMapKey } from './core-rules.ts';

/** Upstream caps config maps (and secrets) at 1 MiB of data. */
const MAX_DATA_SIZE = 1024 * 1024;

const base64Length = (b64: string): number => Buffer.from(b64, 'base64').length;

export const configMaps: ResourceDefinition<ConfigMap & KObject> = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],

  validate(cm) {
    const errs: FieldError[] = [];
    let size = 0;
    for (const [key, value] of Object.entries(cm.data ?? {})) {
      for (const msg of isConfigMapKey(key)) errs.push(invalidValue(`data[${key}]`, key, msg));
      if (cm.binaryData && key in cm.binaryData) errs.push(invalidValue(`data[${key}]`, key, 'duplicate of key present in binaryData'));
      size += Buffer.byteLength(String(value));
    }
    for (const [key, value] of Object.entries(cm.binaryData ?? {})) {
      for (const msg of isConfigMapKey(key)) errs.push(invalidValue(`binaryData[${key}]`, key, msg));
      size += base64Length(String(value));
    }
    // Upstream reports the size against the whole object: an empty field path.
    if (size > MAX_DATA_SIZE) errs.push(tooLong('', MAX_DATA_SIZE));
    return errs;
  },

  validateUpdate(cm, old) {
    if (!old.immutable) return [];
    const errs: FieldError[] = [];
    const msg = 'field is immutable when `immutable` is set';
    if (!cm.immutable) errs.push(forbiddenField('immutable', msg));
    if (!jsonEqual(cm.data ?? {}, old.data ?? {})) errs.push(forbiddenField('data', msg));
    if (!jsonEqual(cm.binaryData ?? {}, old.binaryData ?? {})) errs.push(forbiddenField('binaryData', msg));
    return errs;
  },

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Data', type: 'string' },
      { name: 'Age', type: 'string' },
    ],
    row: (cm, ctx) => [
      cm.metadata?.name ?? '',
      Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
      ctx.age(cm.metadata?.creationTimestamp),
    ],
  },
};
