// Pod spec defaults and validation, shared by Pod and every kind with a pod template.
// PLACEHOLDER: the real implementation replaces these bodies; the signatures are fixed.
import type { PodSpec, PodTemplateSpec } from 'kubernetes-types/core/v1';
import type { FieldError } from '../../../machinery/validation.ts';

/** Upstream defaults for a pod spec (restartPolicy, dnsPolicy, containers' imagePullPolicy ...), in place. */
export function defaultPodSpec(spec: PodSpec): void {
  void spec;
}

/** Upstream validation of a pod spec; `path` is where it sits (e.g. "spec" or "spec.template.spec"). */
export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  void spec; void path;
  return [];
}

/** Defaults for a pod template (its spec), in place. */
export function defaultPodTemplateSpec(template: PodTemplateSpec | undefined): void {
  if (template?.spec) defaultPodSpec(template.spec);
}

/** Validation of a pod template (metadata labels/annotations and spec) at `path` (e.g. "spec.template"). */
export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: string): FieldError[] {
  return validatePodSpec(template?.spec, `${path}.spec`);
}
