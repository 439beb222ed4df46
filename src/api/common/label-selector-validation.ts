// metav1.LabelSelector rules shared by every controller kind: what a valid selector is, what it
// matches, and the checks that tie a controller's selector to its pod template's labels.
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import { type FieldError, required } from '../../machinery/validation.ts';
import { fromLabelSelector, matchesLabels } from '../../machinery/label-selector.ts';
import { goLabelSelector, goStringMap, invalidGo } from './go-value.ts';
import { validateLabelSelector as validateSelectorRules } from './label-selector-rules.ts';

type Labels = Record<string, string> | undefined;

/**
 * Upstream's ValidateLabelSelector with strict label values, as apps/v1 and batch/v1 use it
 * (operators In/NotIn need values, Exists/DoesNotExist forbid them; keys and values must be valid).
 */
export function validateLabelSelector(sel: LabelSelector | undefined | null, path: string): FieldError[] {
  return validateSelectorRules(sel, path);
}

/** Whether upstream's LabelSelectorAsSelector accepts it (nil is fine: it selects nothing). */
export function isUsableSelector(sel: LabelSelector | undefined | null): boolean {
  try {
    fromLabelSelector(sel);
    return true;
  } catch {
    return false;
  }
}

/** A selector with neither matchLabels nor matchExpressions (it selects everything). */
export function isEmptySelector(sel: LabelSelector | undefined | null): boolean {
  return !!sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
}

/** Label matching with upstream's edge cases: a missing selector matches nothing, an empty one everything. */
export function labelSelectorMatches(sel: LabelSelector | undefined | null, labels: Labels): boolean {
  return isUsableSelector(sel) && matchesLabels(fromLabelSelector(sel), labels);
}

/**
 * The template check every controller makes: `<templatePath>.metadata.labels: Invalid value:
 * map[string]string{...}: `selector` does not match template `labels``. Skipped when the
 * selector is unusable (that is reported on the selector itself).
 */
export function selectorMatchesTemplate(sel: LabelSelector | undefined | null, templateLabels: Labels, templatePath: string): FieldError[] {
  if (!isUsableSelector(sel) || labelSelectorMatches(sel, templateLabels)) return [];
  return [invalidGo(`${templatePath}.metadata.labels`, templateLabels ?? null, goStringMap(templateLabels),
    '`selector` does not match template `labels`')];
}

/** The same check for the plain map selectors of ReplicationController (an empty map is skipped). */
export function mapSelectorMatchesTemplate(selector: Labels, templateLabels: Labels, templatePath: string): FieldError[] {
  const wanted = Object.entries(selector ?? {});
  if (wanted.length === 0 || wanted.every(([k, v]) => templateLabels !== undefined && templateLabels[k] === v)) return [];
  return [invalidGo(`${templatePath}.metadata.labels`, templateLabels ?? null, goStringMap(templateLabels),
    '`selector` does not match template `labels`')];
}

export interface ControllerSelectorOptions {
  /** "deployment", "statefulset" ... as upstream words "empty selector is invalid for <kind>". */
  kindWord: string;
  /** The detail upstream gives when LabelSelectorAsSelector fails ("invalid label selector", or ""). */
  unusableDetail: string;
}

/**
 * Deployment, ReplicaSet and StatefulSet: `spec.selector` is required, must be valid and
 * non-empty, and must match the template's labels. Returns the errors in upstream's order.
 */
export function validateControllerSelector(sel: LabelSelector | undefined | null, templateLabels: Labels,
  specPath: string, opts: ControllerSelectorOptions): FieldError[] {
  const path = `${specPath}.selector`;
  const errs: FieldError[] = [];
  if (!sel) {
    errs.push(required(path));
  } else {
    errs.push(...validateLabelSelector(sel, path));
    if (isEmptySelector(sel)) errs.push(invalidGo(path, sel, goLabelSelector(sel), `empty selector is invalid for ${opts.kindWord}`));
  }
  if (!isUsableSelector(sel)) errs.push(invalidGo(path, sel, goLabelSelector(sel), opts.unusableDetail));
  else errs.push(...selectorMatchesTemplate(sel, templateLabels, `${specPath}.template`));
  return errs;
}

/** Same selector per upstream's semantic equality (a missing map or list equals an empty one). */
export function sameLabelSelector(a: LabelSelector | undefined | null, b: LabelSelector | undefined | null): boolean {
  if (!a || !b) return !a && !b;
  const la = a.matchLabels ?? {};
  const lb = b.matchLabels ?? {};
  const ka = Object.keys(la);
  if (ka.length !== Object.keys(lb).length || ka.some((k) => !Object.prototype.hasOwnProperty.call(lb, k) || la[k] !== lb[k])) return false;
  const ea = a.matchExpressions ?? [];
  const eb = b.matchExpressions ?? [];
  if (ea.length !== eb.length) return false;
  return ea.every((x, i) => {
    const y = eb[i];
    const vx = x.values ?? [];
    const vy = y.values ?? [];
    return x.key === y.key && x.operator === y.operator && vx.length === vy.length && vx.every((v, j) => v === vy[j]);
  });
}

/** Upstream's immutable-selector check on update: `spec.selector: Invalid value: v1.LabelSelector{...}: field is immutable`. */
export function immutableSelector(sel: LabelSelector | undefined | null, old: LabelSelector | undefined | null, path: string): FieldError[] {
  if (sameLabelSelector(sel, old)) return [];
  return [invalidGo(path, sel ?? null, goLabelSelector(sel), 'field is immutable')];
}
