import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from './errors.ts';
import {
  parseFieldSelector, matchesFields, selectorFields, requiresExactMatch, fieldSelectorToString,
  escapeFieldValue, fieldLabelNotSupported,
} from './field-selector.ts';

function badRequestMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${err}`);
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    return err.message;
  }
  assert.fail('expected an error');
}

test('parseFieldSelector parses terms, sorted as upstream evaluates them', () => {
  const cases: [string, [string, string, string][]][] = [
    ['', []],
    [',', []],
    ['metadata.name=foo', [['metadata.name', '=', 'foo']]],
    ['metadata.name==foo', [['metadata.name', '=', 'foo']]],
    ['metadata.name!=foo', [['metadata.name', '!=', 'foo']]],
    ['spec.nodeName=', [['spec.nodeName', '=', '']]],
    ['status.phase=Running,metadata.name=x', [['metadata.name', '=', 'x'], ['status.phase', '=', 'Running']]],
    ['a=b,,c=d', [['a', '=', 'b'], ['c', '=', 'd']]],
    ['a=x\\,y', [['a', '=', 'x,y']]],
    ['a=x\\=y', [['a', '=', 'x=y']]],
    ['a=x\\\\y', [['a', '=', 'x\\y']]],
    ['a=x\\,y,b=z', [['a', '=', 'x,y'], ['b', '=', 'z']]],
    ['a!b=c', [['a!b', '=', 'c']]], // the first operator wins; "!" alone is part of the name
    ['=b', [['', '=', 'b']]],
    [' a = b ', [[' a ', '=', ' b ']]], // no whitespace trimming
  ];
  for (const [input, expected] of cases) {
    const got = parseFieldSelector(input).requirements.map((r) => [r.field, r.operator, r.value]);
    assert.deepEqual(got, expected, input);
  }
});

test('parseFieldSelector rejects bad selectors with upstream messages', () => {
  const cases: [string, string][] = [
    ['a', "invalid selector: 'a'; can't understand 'a'"],
    ['x=y,a', "invalid selector: 'x=y,a'; can't understand 'a'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a==b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
  ];
  for (const [input, expected] of cases) {
    assert.equal(badRequestMessage(() => parseFieldSelector(input)), expected, input);
  }
});

test('matchesFields compares values; absent fields read as ""', () => {
  const pod: Record<string, string> = { 'metadata.name': 'web-1', 'status.phase': 'Running', 'spec.nodeName': '' };
  const get = (f: string) => pod[f];
  const cases: [string, boolean][] = [
    ['', true],
    ['metadata.name=web-1', true],
    ['metadata.name==web-1', true],
    ['metadata.name=web-2', false],
    ['metadata.name!=web-2', true],
    ['metadata.name!=web-1', false],
    ['status.phase=Running,metadata.name=web-1', true],
    ['status.phase=Running,metadata.name=web-2', false],
    ['spec.nodeName=', true],
    ['spec.nodeName!=', false],
    ['spec.missing=', true],
    ['spec.missing!=x', true],
    ['spec.missing=x', false],
  ];
  for (const [sel, expected] of cases) {
    assert.equal(matchesFields(parseFieldSelector(sel), get), expected, sel);
  }
});

test('selectorFields lists each field once; requiresExactMatch finds "=" terms', () => {
  const sel = parseFieldSelector('spec.nodeName=n1,metadata.name!=x,spec.nodeName!=n2');
  assert.deepEqual(selectorFields(sel).sort(), ['metadata.name', 'spec.nodeName']);
  assert.deepEqual(selectorFields(parseFieldSelector('')), []);
  assert.equal(requiresExactMatch(sel, 'spec.nodeName'), 'n1');
  assert.equal(requiresExactMatch(sel, 'metadata.name'), undefined);
  assert.equal(requiresExactMatch(parseFieldSelector('metadata.name==a'), 'metadata.name'), 'a');
});

test('fieldSelectorToString escapes values so they parse back', () => {
  const sel = parseFieldSelector('b=x\\,y,a!=p\\=q\\\\');
  const s = fieldSelectorToString(sel);
  assert.equal(s, 'a!=p\\=q\\\\,b=x\\,y');
  assert.deepEqual(parseFieldSelector(s), sel);
  assert.equal(escapeFieldValue('a,b=c\\'), 'a\\,b\\=c\\\\');
});

test('fieldLabelNotSupported uses the text of the kind', () => {
  const own = fieldLabelNotSupported('spec.foo', true);
  assert.equal(own.code, 400);
  assert.equal(own.message, 'field label not supported: spec.foo');
  assert.equal(fieldLabelNotSupported('spec.foo', false).message,
    '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"');
});
