import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateLabelSelector } from './label-selector-rules.ts';

test('a missing or well-formed selector is fine', () => {
  assert.deepEqual(validateLabelSelector(undefined, 'spec.selector'), []);
  assert.deepEqual(validateLabelSelector({
    matchLabels: { app: 'web' },
    matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'canary', operator: 'DoesNotExist' }],
  }, 'spec.selector'), []);
});

test('upstream messages for bad selectors', () => {
  const errs = validateLabelSelector({
    matchLabels: { 'bad key!': 'x' },
    matchExpressions: [
      { key: 'a', operator: 'NotIn' },
      { key: 'b', operator: 'Exists', values: ['x'] },
      { key: 'c', operator: 'Equals', values: ['bad value!'] },
    ],
  }, 'spec.selector').map(String);
  assert.deepEqual(errs, [
    "spec.selector.matchLabels: Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    'spec.selector.matchExpressions[2].operator: Invalid value: "Equals": not a valid selector operator',
    "spec.selector.matchExpressions[2].values[0]: Invalid value: \"bad value!\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
  ]);
  assert.deepEqual(validateLabelSelector({ matchExpressions: [{ key: 'c', operator: 'In', values: ['bad value!'] }] }, 's', { allowInvalidLabelValue: true }), []);
});
