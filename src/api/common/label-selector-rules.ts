// Validation of a metav1.LabelSelector carried in a spec (upstream's ValidateLabelSelector), shared
// by every kind that selects pods or objects by label.
import type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1';
import {
  type FieldError, forbiddenField, invalidValue, isQualifiedName, isValidLabelValue, required, validateLabels,
} from '../../machinery/validation.ts';

export interface LabelSelectorOptions {
  /** Skip the label-value checks (upstream allows old objects to keep invalid values). */
  allowInvalidLabelValue?: boolean;
}

/** Problems with a selector at `field` (e.g. "spec.selector"); none for a missing selector. */
export function validateLabelSelector(sel: LabelSelector | null | undefined, field: string, opts: LabelSelectorOptions = {}): FieldError[] {
  if (sel === null || sel === undefined) return [];
  const errs = validateLabels(sel.matchLabels, `${field}.matchLabels`);
  (sel.matchExpressions ?? []).forEach((expr, i) => {
    errs.push(...validateRequirement(expr, `${field}.matchExpressions[${i}]`, opts));
  });
  return errs;
}

function validateRequirement(req: LabelSelectorRequirement, field: string, opts: LabelSelectorOptions): FieldError[] {
  const errs: FieldError[] = [];
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In': case 'NotIn':
      if (values.length === 0) errs.push(required(`${field}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists': case 'DoesNotExist':
      if (values.length > 0) errs.push(forbiddenField(`${field}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(invalidValue(`${field}.operator`, req.operator ?? '', 'not a valid selector operator'));
  }
  const key = req.key ?? '';
  for (const msg of isQualifiedName(key)) errs.push(invalidValue(`${field}.key`, key, msg));
  if (!opts.allowInvalidLabelValue) {
    values.forEach((v, i) => {
      for (const msg of isValidLabelValue(v)) errs.push(invalidValue(`${field}.values[${i}]`, v, msg));
    });
  }
  return errs;
}
