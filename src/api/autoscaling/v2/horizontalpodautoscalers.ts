// autoscaling/v2 HorizontalPodAutoscaler: scales a workload between min and max replicas to keep
// metrics at their targets. Defaults, validation and table follow upstream 1.32.
import type {
  ContainerResourceMetricSource, CrossVersionObjectReference, ExternalMetricSource, HPAScalingPolicy, HPAScalingRules,
  HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricIdentifier, MetricSpec, MetricStatus, MetricTarget,
  ObjectMetricSource, PodsMetricSource, ResourceMetricSource,
} from 'kubernetes-types/autoscaling/v2';
import type { KObject, ResourceDefinition } from '../../types.ts';
import {
  type FieldError, forbiddenField, invalidValue, notSupported, required, validatePathSegmentName,
} from '../../../machinery/validation.ts';
import { invalidGo } from '../../common/go-value.ts';
import { validateContainerResourceName, validateDNS1123LabelField } from '../../core/v1/core-rules.ts';
import { goQuantity } from '../../core/v1/go-values.ts';

const DEFAULT_CPU_UTILIZATION = 80;
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
// Scale-to-zero is an alpha feature (HPAScaleToZero), off in 1.32.
const MIN_REPLICAS_LOWER_BOUND = 1;

const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
/** Metric type → the field that must carry its source, in the order upstream looks at them. */
const SOURCE_FIELDS: [field: keyof MetricSpec, type: string][] = [
  ['object', 'Object'], ['external', 'External'], ['pods', 'Pods'], ['resource', 'Resource'], ['containerResource', 'ContainerResource'],
];
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];

// ---- defaults ----------------------------------------------------------------------------

// Upstream's defaults repeat the pre-behavior HPA: scale up by 4 pods or 100% per 15s, down by 100%.
const defaultScaleUp = (): HPAScalingRules => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
});
// The scale-down window stays unset: the controller's --horizontal-pod-autoscaler-downscale-stabilization applies.
const defaultScaleDown = (): HPAScalingRules => ({
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
});

/** Fills the unset parts of `rules` from `defaults`. */
function withDefaults(rules: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  if (!rules) return defaults;
  return {
    ...defaults,
    ...(rules.selectPolicy !== undefined ? { selectPolicy: rules.selectPolicy } : {}),
    ...(rules.stabilizationWindowSeconds !== undefined ? { stabilizationWindowSeconds: rules.stabilizationWindowSeconds } : {}),
    ...(rules.policies !== undefined ? { policies: rules.policies } : {}),
  };
}

// ---- validation --------------------------------------------------------------------------

/** The sign of a quantity ("0", "-1", "500m"); JSON numbers count too. */
function quantitySign(q: string | number): number {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?/.exec(String(q));
  if (!m || !/[1-9]/.test((m[2] ?? '') + (m[3] ?? ''))) return 0;
  return m[1] === '-' ? -1 : 1;
}

function positiveQuantity(q: string | number | undefined, field: string): FieldError[] {
  if (q === undefined || quantitySign(q) === 1) return [];
  return [invalidGo(field, q, goQuantity(String(q)), 'must be positive')];
}

function validateReference(ref: CrossVersionObjectReference | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const part of ['kind', 'name'] as const) {
    const value = ref?.[part] ?? '';
    if (!value) errs.push(required(`${field}.${part}`));
    else for (const msg of validatePathSegmentName(value)) errs.push(invalidValue(`${field}.${part}`, value, msg));
  }
  return errs;
}

function validateIdentifier(id: MetricIdentifier | undefined, field: string): FieldError[] {
  const name = id?.name ?? '';
  if (!name) return [required(`${field}.name`, 'must specify a metric name')];
  return validatePathSegmentName(name).map((msg) => invalidValue(`${field}.name`, name, msg));
}

function validateTarget(t: MetricTarget | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = t?.type ?? '';
  if (!type) errs.push(required(`${field}.type`, 'must specify a metric target type'));
  if (type !== 'Utilization' && type !== 'Value' && type !== 'AverageValue') {
    errs.push(invalidValue(`${field}.type`, type, 'must be either Utilization, Value, or AverageValue'));
  }
  errs.push(...positiveQuantity(t?.value, `${field}.value`));
  errs.push(...positiveQuantity(t?.averageValue, `${field}.averageValue`));
  if (t?.averageUtilization !== undefined && t.averageUtilization < 1) {
    errs.push(invalidValue(`${field}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  }
  return errs;
}

function validateObjectSource(src: ObjectMetricSource, field: string): FieldError[] {
  const errs = [
    ...validateReference(src.describedObject, `${field}.describedObject`),
    ...validateIdentifier(src.metric, `${field}.metric`),
    ...validateTarget(src.target, `${field}.target`),
  ];
  if (src.target?.value === undefined && src.target?.averageValue === undefined) {
    errs.push(required(`${field}.target.averageValue`, 'must set either a target value or averageValue'));
  }
  return errs;
}

function validateExternalSource(src: ExternalMetricSource, field: string): FieldError[] {
  const errs = [...validateIdentifier(src.metric, `${field}.metric`), ...validateTarget(src.target, `${field}.target`)];
  const hasValue = src.target?.value !== undefined;
  const hasAverage = src.target?.averageValue !== undefined;
  if (!hasValue && !hasAverage) errs.push(required(`${field}.target.averageValue`, 'must set either a target value for metric or a per-pod target'));
  if (hasValue && hasAverage) errs.push(forbiddenField(`${field}.target.value`, 'may not set both a target value for metric and a per-pod target'));
  return errs;
}

function validatePodsSource(src: PodsMetricSource, field: string): FieldError[] {
  const errs = [...validateIdentifier(src.metric, `${field}.metric`), ...validateTarget(src.target, `${field}.target`)];
  if (src.target?.averageValue === undefined) errs.push(required(`${field}.target.averageValue`, 'must specify a positive target averageValue'));
  return errs;
}

/** The utilization-or-value rule Resource and ContainerResource sources share. */
function validateUtilizationOrValue(t: MetricTarget | undefined, field: string): FieldError[] {
  const hasUtilization = t?.averageUtilization !== undefined;
  const hasValue = t?.averageValue !== undefined;
  if (!hasUtilization && !hasValue) return [required(`${field}.target.averageUtilization`, 'must set either a target raw value or a target utilization')];
  if (hasUtilization && hasValue) return [forbiddenField(`${field}.target.averageValue`, 'may not set both a target raw value and a target utilization')];
  return [];
}

function validateResourceSource(src: ResourceMetricSource, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!src.name) errs.push(required(`${field}.name`, 'must specify a resource name'));
  errs.push(...validateTarget(src.target, `${field}.target`));
  errs.push(...validateUtilizationOrValue(src.target, field));
  return errs;
}

function validateContainerResourceSource(src: ContainerResourceMetricSource, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!src.name) errs.push(required(`${field}.name`, 'must specify a resource name'));
  else errs.push(...validateContainerResourceName(src.name, `${field}.name`));
  if (!src.container) errs.push(required(`${field}.container`, 'must specify a container'));
  else errs.push(...validateDNS1123LabelField(src.container, `${field}.container`));
  errs.push(...validateTarget(src.target, `${field}.target`));
  errs.push(...validateUtilizationOrValue(src.target, field));
  return errs;
}

function validateSource(spec: MetricSpec, source: keyof MetricSpec, field: string): FieldError[] {
  switch (source) {
    case 'object': return validateObjectSource(spec.object!, field);
    case 'external': return validateExternalSource(spec.external!, field);
    case 'pods': return validatePodsSource(spec.pods!, field);
    case 'resource': return validateResourceSource(spec.resource!, field);
    case 'containerResource': return validateContainerResourceSource(spec.containerResource!, field);
    default: return [];
  }
}

function validateMetricSpec(spec: MetricSpec, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = spec.type ?? '';
  if (!type) errs.push(required(`${field}.type`, 'must specify a metric source type'));
  if (!METRIC_SOURCE_TYPES.includes(type)) errs.push(notSupported(`${field}.type`, type, METRIC_SOURCE_TYPES));
  // Only the first source present is validated; any others are reported as forbidden below.
  const present = SOURCE_FIELDS.filter(([f]) => spec[f] !== undefined && spec[f] !== null);
  if (present.length) errs.push(...validateSource(spec, present[0][0], `${field}.${present[0][0]}`));
  const expected = SOURCE_FIELDS.find(([, t]) => t === type)?.[0];
  if (expected === undefined) errs.push(notSupported(`${field}.type`, type, METRIC_SOURCE_TYPES));
  else if (spec[expected] === undefined || spec[expected] === null) {
    errs.push(required(`${field}.${expected}`, 'must populate information for the given metric source'));
  }
  if (present.length !== 1) {
    for (const [f] of present) if (f !== expected) errs.push(forbiddenField(`${field}.${f}`, 'must populate the given metric source only'));
  }
  return errs;
}

function validateScalingPolicy(policy: HPAScalingPolicy, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (policy.type !== 'Pods' && policy.type !== 'Percent') errs.push(notSupported(`${field}.type`, policy.type ?? '', POLICY_TYPES));
  const value = policy.value ?? 0;
  if (value <= 0) errs.push(invalidValue(`${field}.value`, value, 'must be greater than zero'));
  const period = policy.periodSeconds ?? 0;
  if (period <= 0) errs.push(invalidValue(`${field}.periodSeconds`, period, 'must be greater than zero'));
  if (period > MAX_PERIOD_SECONDS) errs.push(invalidValue(`${field}.periodSeconds`, period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  return errs;
}

function validateScalingRules(rules: HPAScalingRules | undefined, field: string): FieldError[] {
  if (!rules) return [];
  const errs: FieldError[] = [];
  const window = rules.stabilizationWindowSeconds;
  if (window !== undefined && window < 0) {
    errs.push(invalidValue(`${field}.stabilizationWindowSeconds`, window, 'must be greater than or equal to zero'));
  }
  if (window !== undefined && window > MAX_STABILIZATION_WINDOW_SECONDS) {
    errs.push(invalidValue(`${field}.stabilizationWindowSeconds`, window, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  }
  if (rules.selectPolicy !== undefined && !SELECT_POLICIES.includes(rules.selectPolicy)) {
    errs.push(notSupported(`${field}.selectPolicy`, rules.selectPolicy, SELECT_POLICIES));
  }
  if (!rules.policies?.length) errs.push(required(`${field}.policies`, 'must specify at least one Policy'));
  (rules.policies ?? []).forEach((p, i) => errs.push(...validateScalingPolicy(p, `${field}.policies[${i}]`)));
  return errs;
}

function validateSpec(spec: HorizontalPodAutoscalerSpec): FieldError[] {
  const errs: FieldError[] = [];
  const min = spec.minReplicas;
  const max = spec.maxReplicas ?? 0;
  if (min !== undefined && min < MIN_REPLICAS_LOWER_BOUND) {
    errs.push(invalidValue('spec.minReplicas', min, `must be greater than or equal to ${MIN_REPLICAS_LOWER_BOUND}`));
  }
  if (max < 1) errs.push(invalidValue('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) errs.push(invalidValue('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  errs.push(...validateReference(spec.scaleTargetRef, 'spec.scaleTargetRef'));
  const metrics = spec.metrics ?? [];
  metrics.forEach((m, i) => errs.push(...validateMetricSpec(m, `spec.metrics[${i}]`)));
  if (min === 0 && !metrics.some((m) => m.type === 'Object' || m.type === 'External')) {
    errs.push(forbiddenField('spec.metrics', 'must specify at least one Object or External metric to support scaling to zero replicas'));
  }
  if (spec.behavior) {
    errs.push(...validateScalingRules(spec.behavior.scaleUp, 'spec.behavior.scaleUp'));
    errs.push(...validateScalingRules(spec.behavior.scaleDown, 'spec.behavior.scaleDown'));
  }
  return errs;
}

// ---- table -------------------------------------------------------------------------------

const percent = (n: number | undefined) => (n === undefined ? undefined : `${n}%`);

/** "current/target" for one metric, current "<unknown>" until the controller reports it. */
function formatMetric(spec: MetricSpec, status: MetricStatus | undefined): string {
  const unknown = '<unknown>';
  switch (spec.type) {
    case 'External':
    case 'Object': {
      const src = spec.type === 'External' ? spec.external : spec.object;
      const cur = spec.type === 'External' ? status?.external?.current : status?.object?.current;
      const present = spec.type === 'External' ? status?.external : status?.object;
      if (src?.target?.averageValue !== undefined) {
        return `${present && cur?.averageValue !== undefined ? cur.averageValue : unknown}/${src.target.averageValue} (avg)`;
      }
      return `${present ? cur?.value ?? unknown : unknown}/${src?.target?.value ?? ''}`;
    }
    case 'Pods':
      return `${status?.pods ? status.pods.current?.averageValue ?? unknown : unknown}/${spec.pods?.target?.averageValue ?? ''}`;
    case 'Resource':
    case 'ContainerResource': {
      const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      const st = spec.type === 'Resource' ? status?.resource : status?.containerResource;
      const name = src?.name ?? '';
      if (src?.target?.averageValue !== undefined) {
        return `${name}: ${st ? st.current?.averageValue ?? unknown : unknown}/${src.target.averageValue}`;
      }
      const current = (st && percent(st.current?.averageUtilization)) ?? unknown;
      return `${name}: ${current}/${percent(src?.target?.averageUtilization) ?? '<auto>'}`;
    }
    default:
      return '<unknown type>';
  }
}

/** Up to two metrics, "+ N more..." after that; "<none>" without metrics. */
export function formatTargets(specs: MetricSpec[], statuses: MetricStatus[]): string {
  if (specs.length === 0) return '<none>';
  const list = specs.map((spec, i) => formatMetric(spec, statuses[i]));
  return list.length > 2 ? `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...` : list.join(', ');
}

// ---- definition --------------------------------------------------------------------------

export const horizontalPodAutoscalers: ResourceDefinition<HorizontalPodAutoscaler & KObject> = {
  group: 'autoscaling',
  version: 'v2',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  statusSubresource: true,

  defaults(obj) {
    const spec = obj.spec ?? (obj.spec = {} as HorizontalPodAutoscalerSpec);
    spec.minReplicas ??= 1;
    if (!spec.metrics?.length) {
      spec.metrics = [{
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } },
      }];
    }
    // A behavior, once given, is completed field by field; without one the controller's defaults apply.
    if (spec.behavior) {
      spec.behavior.scaleUp = withDefaults(spec.behavior.scaleUp, defaultScaleUp());
      spec.behavior.scaleDown = withDefaults(spec.behavior.scaleDown, defaultScaleDown());
    }
  },

  prepareForCreate(obj) {
    obj.status = { desiredReplicas: 0 };
  },

  validate(obj) {
    return validateSpec(obj.spec ?? ({} as HorizontalPodAutoscalerSpec));
  },

  validateStatus(obj) {
    const errs: FieldError[] = [];
    for (const f of ['currentReplicas', 'desiredReplicas'] as const) {
      const v = obj.status?.[f] ?? 0;
      if (v < 0) errs.push(invalidValue(`status.${f}`, v, 'must be greater than or equal to 0'));
    }
    return errs;
  },

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Reference', type: 'string' },
      { name: 'Targets', type: 'string' },
      { name: 'MinPods', type: 'string' },
      { name: 'MaxPods', type: 'string' },
      { name: 'Replicas', type: 'string' },
      { name: 'Age', type: 'string' },
    ],
    row(obj, ctx) {
      const spec = obj.spec ?? ({} as HorizontalPodAutoscalerSpec);
      return [
        obj.metadata?.name ?? '',
        `${spec.scaleTargetRef?.kind ?? ''}/${spec.scaleTargetRef?.name ?? ''}`,
        formatTargets(spec.metrics ?? [], obj.status?.currentMetrics ?? []),
        spec.minReplicas !== undefined ? String(spec.minReplicas) : '<unset>',
        spec.maxReplicas ?? 0,
        obj.status?.currentReplicas ?? 0,
        ctx.age(obj.metadata?.creationTimestamp),
      ];
    },
  },
};
