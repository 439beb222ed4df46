import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import {
  immutableSelector, isUsableSelector, labelSelectorMatches, mapSelectorMatchesTemplate, selectorMatchesTemplate,
  validateControllerSelector, validateLabelSelector,
} from './label-selector-validation.ts';
import { goIntOrString, goLabelSelector, goStringMap } from './go-value.ts';

const strings = (errs: unknown[]) => errs.map(String);

test('validateLabelSelector: operator and values rules, with upstream messages', () => {
  const cases: { sel: LabelSelector; want: string[] }[] = [
    { sel: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }, want: [] },
    {
      sel: { matchExpressions: [{ key: 'tier', operator: 'In', values: [] }] },
      want: ["s.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"],
    },
    {
      sel: { matchExpressions: [{ key: 'tier', operator: 'NotIn' }] },
      want: ["s.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"],
    },
    {
      sel: { matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['x'] }] },
      want: ["s.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"],
    },
    {
      sel: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist', values: ['x'] }] },
      want: ["s.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"],
    },
    {
      sel: { matchExpressions: [{ key: 'tier', operator: 'Equals', values: ['x'] }] },
      want: ['s.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator'],
    },
    {
      sel: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['bad value'] }] },
      want: [`s.matchExpressions[0].values[0]: Invalid value: "bad value": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`],
    },
    {
      sel: { matchExpressions: [{ key: '-bad', operator: 'Exists' }] },
      want: [`s.matchExpressions[0].key: Invalid value: "-bad": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`],
    },
    {
      sel: { matchLabels: { app: 'a b' } },
      want: [`s.matchLabels: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`],
    },
  ];
  for (const { sel, want } of cases) {
    assert.deepEqual(strings(validateLabelSelector(sel, 's')), want, JSON.stringify(sel));
    assert.equal(isUsableSelector(sel), want.length === 0, JSON.stringify(sel));
  }
  assert.deepEqual(validateLabelSelector(undefined, 's'), []);
});

test('labelSelectorMatches: nil selects nothing, empty selects everything, every operator', () => {
  const labels = { app: 'web', tier: 'front' };
  const cases: { sel: LabelSelector | undefined; want: boolean }[] = [
    { sel: undefined, want: false },
    { sel: {}, want: true },
    { sel: { matchLabels: { app: 'web' } }, want: true },
    { sel: { matchLabels: { app: 'db' } }, want: false },
    { sel: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, want: true },
    { sel: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, want: false },
    { sel: { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['x'] }] }, want: true },
    { sel: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, want: true },
    { sel: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, want: false },
    { sel: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] }, want: false },
  ];
  for (const { sel, want } of cases) assert.equal(labelSelectorMatches(sel, labels), want, JSON.stringify(sel));
});

test('selectorMatchesTemplate: upstream message with the Go map rendering', () => {
  assert.deepEqual(strings(selectorMatchesTemplate({ matchLabels: { app: 'y' } }, { app: 'x' }, 'spec.template')), [
    'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`',
  ]);
  assert.deepEqual(strings(selectorMatchesTemplate(undefined, undefined, 'spec.template')), [
    'spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`',
  ]);
  assert.deepEqual(selectorMatchesTemplate({ matchLabels: { app: 'x' } }, { app: 'x', extra: '1' }, 'spec.template'), []);
  // An unusable selector is reported on the selector, not as a mismatch.
  assert.deepEqual(selectorMatchesTemplate({ matchExpressions: [{ key: 'a', operator: 'In' }] }, { a: 'b' }, 'spec.template'), []);
  assert.deepEqual(mapSelectorMatchesTemplate({}, { a: 'b' }, 'spec.template'), []);
  assert.deepEqual(strings(mapSelectorMatchesTemplate({ a: 'c' }, { a: 'b' }, 'spec.template')), [
    'spec.template.metadata.labels: Invalid value: map[string]string{"a":"b"}: `selector` does not match template `labels`',
  ]);
});

test('validateControllerSelector: required, empty and unusable selectors', () => {
  const opts = { kindWord: 'deployment', unusableDetail: 'invalid label selector' };
  assert.deepEqual(strings(validateControllerSelector(undefined, { app: 'x' }, 'spec', opts)), [
    'spec.selector: Required value',
    'spec.template.metadata.labels: Invalid value: map[string]string{"app":"x"}: `selector` does not match template `labels`',
  ]);
  assert.deepEqual(strings(validateControllerSelector({}, { app: 'x' }, 'spec', opts)), [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
  ]);
  assert.deepEqual(strings(validateControllerSelector({ matchExpressions: [{ key: 'a', operator: 'In' }] }, { app: 'x' }, 'spec', opts)), [
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"a", Operator:"In", Values:[]string(nil)}}}: invalid label selector',
  ]);
  assert.deepEqual(validateControllerSelector({ matchLabels: { app: 'x' } }, { app: 'x' }, 'spec', opts), []);
});

test('immutableSelector: semantic equality, then upstream message', () => {
  assert.deepEqual(immutableSelector({ matchLabels: { a: 'b' }, matchExpressions: [] }, { matchLabels: { a: 'b' } }, 'spec.selector'), []);
  assert.deepEqual(strings(immutableSelector({ matchLabels: { app: 'y' } }, { matchLabels: { app: 'x' } }, 'spec.selector')), [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"y"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);
});

test('Go renderings of maps, selectors and int-or-strings', () => {
  assert.equal(goStringMap({ b: '2', a: '1' }), 'map[string]string{"a":"1", "b":"2"}');
  assert.equal(goStringMap({}), 'map[string]string{}');
  assert.equal(goLabelSelector({ matchLabels: { app: 'x' }, matchExpressions: [{ key: 'k', operator: 'In', values: ['a', 'b'] }] }),
    'v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"k", Operator:"In", Values:[]string{"a", "b"}}}}');
  assert.equal(goIntOrString('25%'), 'intstr.IntOrString{Type:1, IntVal:0, StrVal:"25%"}');
  assert.equal(goIntOrString(3), 'intstr.IntOrString{Type:0, IntVal:3, StrVal:""}');
});
