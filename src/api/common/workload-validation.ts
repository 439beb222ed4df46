// Checks and strategy steps every pod-template controller (Deployment, ReplicaSet, StatefulSet,
// DaemonSet, ReplicationController, Job, CronJob) shares with upstream.
import type { PodTemplateSpec } from 'kubernetes-types/core/v1';
import {
  type FieldError, forbiddenField, invalidValue, notSupported, validateAnnotations, validateLabels,
} from '../../machinery/validation.ts';
import { validatePodTemplateSpec } from '../core/v1/pod-spec.ts';

/** Upstream's ValidateNonnegativeField (absent values are fine). */
export function nonNegative(value: number | undefined | null, path: string): FieldError[] {
  return typeof value === 'number' && value < 0 ? [invalidValue(path, value, 'must be greater than or equal to 0')] : [];
}

/** Long-running controllers only run pods that restart: `Unsupported value: "Never": supported values: "Always"`. */
export function restartPolicyAlways(template: PodTemplateSpec | undefined, templatePath: string): FieldError[] {
  const policy = template?.spec?.restartPolicy ?? '';
  return policy === 'Always' ? [] : [notSupported(`${templatePath}.spec.restartPolicy`, policy, ['Always'])];
}

/** `activeDeadlineSeconds in <Kind> is not Supported`, as upstream forbids it for long-running pods. */
export function activeDeadlineForbidden(template: PodTemplateSpec | undefined, templatePath: string, kind: string): FieldError[] {
  return template?.spec?.activeDeadlineSeconds === undefined || template.spec.activeDeadlineSeconds === null
    ? []
    : [forbiddenField(`${templatePath}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${kind} is not Supported`)];
}

/**
 * The rest of upstream's ValidatePodTemplateSpecForReplicaSet/-ForRC once the selector/labels
 * match is checked: the pod template itself, restartPolicy Always, no activeDeadlineSeconds.
 */
export function validateReplicatedTemplate(template: PodTemplateSpec | undefined, templatePath: string, kind: string): FieldError[] {
  return [
    ...validatePodTemplateSpec(template, templatePath),
    ...restartPolicyAlways(template, templatePath),
    ...activeDeadlineForbidden(template, templatePath, kind),
  ];
}

/** Only the template's labels and annotations, at `<path>.labels` / `<path>.annotations` as upstream names them. */
export function validateTemplateMetadata(template: PodTemplateSpec | undefined, templatePath: string): FieldError[] {
  return [
    ...validateLabels(template?.metadata?.labels, `${templatePath}.labels`),
    ...validateAnnotations(template?.metadata?.annotations, `${templatePath}.annotations`),
  ];
}

/** Upstream resets status on create to the zero value Go serialises for it. */
export function resetStatus<S>(obj: { readonly status?: S }, status: S): void {
  (obj as { status?: S }).status = status;
}

/** A main-resource write may not change status: carry the stored one over. */
export function keepStoredStatus<T extends { status?: unknown }>(obj: T, old: T): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = structuredClone(old.status);
}

/**
 * Upstream's semantic equality for API values: a missing field equals an empty list or map, and
 * (Go's zero values) "", 0 and false. Used where upstream compares whole sub-structures
 * (immutable templates, forbidden spec changes), always after defaulting both sides.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  const isZero = (v: unknown) => v === undefined || v === null || v === '' || v === 0 || v === false;
  if (isZero(a) && isZero(b)) return true;
  // A zero value compares like an empty list or object of the other side's shape.
  const emptyLike = (v: unknown) => (Array.isArray(v) ? [] : {});
  if (isZero(a) && typeof b === 'object') a = emptyLike(b);
  if (isZero(b) && typeof a === 'object') b = emptyLike(a);
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => semanticEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!semanticEqual(ao[k], bo[k])) return false;
  return true;
}

/** The replica counts of a ReplicaSet's or ReplicationController's status, as upstream checks them. */
export function validateReplicaCounts(s: {
  replicas?: number; fullyLabeledReplicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number;
}): FieldError[] {
  const errs = [
    ...nonNegative(s.replicas, 'status.replicas'),
    ...nonNegative(s.fullyLabeledReplicas, 'status.fullyLabeledReplicas'),
    ...nonNegative(s.readyReplicas, 'status.readyReplicas'),
    ...nonNegative(s.availableReplicas, 'status.availableReplicas'),
    ...nonNegative(s.observedGeneration, 'status.observedGeneration'),
  ];
  const replicas = s.replicas ?? 0;
  const msg = 'cannot be greater than status.replicas';
  if ((s.fullyLabeledReplicas ?? 0) > replicas) errs.push(invalidValue('status.fullyLabeledReplicas', s.fullyLabeledReplicas, msg));
  if ((s.readyReplicas ?? 0) > replicas) errs.push(invalidValue('status.readyReplicas', s.readyReplicas, msg));
  if ((s.availableReplicas ?? 0) > replicas) errs.push(invalidValue('status.availableReplicas', s.availableReplicas, msg));
  if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) {
    errs.push(invalidValue('status.availableReplicas', s.availableReplicas, 'cannot be greater than readyReplicas'));
  }
  return errs;
}
