import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from './errors.ts';
import {
  parseLabelSelector, matchesLabels, fromLabelSelector, labelSelectorToString, formatLabelSelector,
  selectorToString, isEverything,
} from './label-selector.ts';

const NAME_PART_MSG = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QUALIFIED_MSG = "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";

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

test('parseLabelSelector accepts upstream syntax and normalises like String()', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['a=b', 'a=b'],
    ['a==b', 'a==b'],
    ['a!=b', 'a!=b'],
    ['a in (x,y)', 'a in (x,y)'],
    ['a in (y,x)', 'a in (x,y)'],
    ['a notin (x)', 'a notin (x)'],
    ['a', 'a'],
    ['!a', '!a'],
    ['  a = b ,\tc  ', 'a=b,c'],
    ['z=1,a=2', 'a=2,z=1'],
    ['a in ()', 'a in ()'],
    ['a in (,b)', 'a in (,b)'],
    ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
    ['a=', 'a='],
    ['a=,b', 'a=,b'],
    ['a>1', 'a>1'],
    ['a<10', 'a<10'],
    ['in in (in,notin)', 'in in (in,notin)'],
    ['example.com/app=web', 'example.com/app=web'],
    ['app.kubernetes.io/name in (a, b)', 'app.kubernetes.io/name in (a,b)'],
    ['a=b,a=c', 'a=b,a=c'],
    ['a in(x)', 'a in (x)'],
  ];
  for (const [input, expected] of cases) {
    assert.equal(selectorToString(parseLabelSelector(input)), expected, input);
  }
});

test('parseLabelSelector rejects bad selectors with upstream messages', () => {
  const cases: [string, string][] = [
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a,,b', "found ',', expected: identifier after ','"],
    ['a=b,', "found '', expected: identifier after ','"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['!a in (x)', "found 'in', expected: ',' or 'end of string'"],
    ['a=(b)', "unable to parse requirement: found '(', expected: identifier"],
    ['a===b', "unable to parse requirement: found '=', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!=a', "found '!=', expected: !, identifier, or 'end of string'"],
    ['!!a', "unable to parse requirement: found '!', expected: identifier"],
    ['a in (x', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a in (x y)', "unable to parse requirement: found 'y', expected: ',' or ')'"],
    ['a in (', "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['a in (x,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['app:monolith', `unable to parse requirement: <nil>: Invalid value: "app:monolith": ${NAME_PART_MSG}`],
    ['-ltier=postgres', `unable to parse requirement: <nil>: Invalid value: "-ltier": ${NAME_PART_MSG}`],
    ['a/b/c ?=? def', `unable to parse requirement: <nil>: Invalid value: "a/b/c": ${QUALIFIED_MSG}`],
    ['/a=b', 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty'],
    ['a'.repeat(64), `unable to parse requirement: <nil>: Invalid value: "${'a'.repeat(64)}": name part must be no more than 63 characters`],
    ['a=b$', `unable to parse requirement: values[0][a]: Invalid value: "b$": ${LABEL_VALUE_MSG}`],
    ['k in (ok,-bad)', `unable to parse requirement: values[0][k]: Invalid value: "-bad": ${LABEL_VALUE_MSG}`],
    [`a=${'v'.repeat(64)}`, `unable to parse requirement: values[0][a]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`],
    ['a>x', `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`],
    ['a<-1', `unable to parse requirement: values[0][a]: Invalid value: "-1": ${LABEL_VALUE_MSG}`],
  ];
  for (const [input, expected] of cases) {
    assert.equal(badRequestMessage(() => parseLabelSelector(input)), expected, input);
  }
});

test('matchesLabels follows upstream semantics', () => {
  const cases: [string, Record<string, string> | undefined, boolean][] = [
    ['', undefined, true],
    ['', { a: 'b' }, true],
    ['a=b', { a: 'b' }, true],
    ['a=b', { a: 'c' }, false],
    ['a=b', {}, false],
    ['a==b', { a: 'b', x: 'y' }, true],
    ['a!=b', { a: 'c' }, true],
    ['a!=b', { a: 'b' }, false],
    ['a!=b', {}, true], // no key: not equal
    ['a!=b', undefined, true],
    ['a in (x,y)', { a: 'y' }, true],
    ['a in (x,y)', { a: 'z' }, false],
    ['a in (x,y)', {}, false],
    ['a notin (x,y)', { a: 'z' }, true],
    ['a notin (x,y)', { a: 'x' }, false],
    ['a notin (x,y)', {}, true], // no key: not in
    ['a', { a: '' }, true],
    ['a', { b: 'a' }, false],
    ['!a', { b: 'a' }, true],
    ['!a', { a: 'x' }, false],
    ['a=', { a: '' }, true],
    ['a=', {}, false],
    ['a in ()', { a: '' }, true],
    ['a=b,c=d', { a: 'b', c: 'd' }, true],
    ['a=b,c=d', { a: 'b', c: 'e' }, false],
    ['a>5', { a: '6' }, true],
    ['a>5', { a: '5' }, false],
    ['a>5', { a: 'x' }, false],
    ['a>5', {}, false],
    ['a<5', { a: '4' }, true],
    ['a<5', { a: '10' }, false],
    ['constructor', {}, false], // no prototype leaks
    ['toString=x', {}, false],
  ];
  for (const [sel, labels, expected] of cases) {
    assert.equal(matchesLabels(parseLabelSelector(sel), labels), expected, `${sel} vs ${JSON.stringify(labels)}`);
  }
});

test('fromLabelSelector: null selects nothing, {} selects everything', () => {
  assert.equal(matchesLabels(fromLabelSelector(null), {}), false);
  assert.equal(matchesLabels(fromLabelSelector(undefined), { a: 'b' }), false);
  assert.equal(matchesLabels(fromLabelSelector({}), {}), true);
  assert.equal(matchesLabels(fromLabelSelector({ matchLabels: {}, matchExpressions: [] }), { a: 'b' }), true);
  assert.equal(isEverything(fromLabelSelector({})), true);
  assert.equal(isEverything(fromLabelSelector(null)), false);
});

test('fromLabelSelector combines matchLabels and matchExpressions', () => {
  const sel = fromLabelSelector({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['a', 'b'] },
      { key: 'env', operator: 'NotIn', values: ['prod'] },
      { key: 'owner', operator: 'Exists' },
      { key: 'legacy', operator: 'DoesNotExist' },
    ],
  });
  const cases: [Record<string, string>, boolean][] = [
    [{ app: 'web', tier: 'a', owner: 'x' }, true],
    [{ app: 'web', tier: 'b', owner: 'x', env: 'dev' }, true],
    [{ app: 'web', tier: 'c', owner: 'x' }, false],
    [{ app: 'api', tier: 'a', owner: 'x' }, false],
    [{ app: 'web', tier: 'a', owner: 'x', env: 'prod' }, false],
    [{ app: 'web', tier: 'a' }, false],
    [{ app: 'web', tier: 'a', owner: 'x', legacy: '' }, false],
  ];
  for (const [labels, expected] of cases) assert.equal(matchesLabels(sel, labels), expected, JSON.stringify(labels));
});

test('fromLabelSelector rejects invalid selectors with upstream messages', () => {
  const cases: [Parameters<typeof fromLabelSelector>[0], string][] = [
    [{ matchExpressions: [{ key: 'a', operator: 'Foo' }] }, '"Foo" is not a valid label selector operator'],
    [{ matchExpressions: [{ key: 'a', operator: 'toString' }] }, '"toString" is not a valid label selector operator'],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
      "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x', 'y'] }] },
      'values: Invalid value: []string{"x", "y"}: values set must be empty for exists and does not exist'],
    [{ matchLabels: { '-x': 'y' } }, `key: Invalid value: "-x": ${NAME_PART_MSG}`],
    [{ matchLabels: { a: 'b c' } }, `values[0][a]: Invalid value: "b c": ${LABEL_VALUE_MSG}`],
    [{ matchExpressions: [{ key: '-k', operator: 'In', values: [] }] },
      `[key: Invalid value: "-k": ${NAME_PART_MSG}, values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty]`],
  ];
  for (const [ls, expected] of cases) {
    assert.equal(badRequestMessage(() => fromLabelSelector(ls)), expected, JSON.stringify(ls));
  }
});

test('labelSelectorToString prints as upstream (sorted by key, values sorted)', () => {
  const cases: [Parameters<typeof labelSelectorToString>[0], string][] = [
    [{ matchLabels: { app: 'web' } }, 'app=web'],
    [{ matchLabels: { tier: 'a', app: 'web' } }, 'app=web,tier=a'],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] }, 'app=web,tier in (a,b)'],
    [{ matchExpressions: [
      { key: 'z', operator: 'Exists' }, { key: 'b', operator: 'DoesNotExist' }, { key: 'm', operator: 'NotIn', values: ['x'] },
    ] }, '!b,m notin (x),z'],
    [{}, ''],
    [null, ''],
  ];
  for (const [ls, expected] of cases) assert.equal(labelSelectorToString(ls), expected, JSON.stringify(ls));
  assert.equal(badRequestMessage(() => labelSelectorToString({ matchExpressions: [{ key: 'a', operator: 'Bad' }] })),
    '"Bad" is not a valid label selector operator');
});

test('formatLabelSelector shows <none> and <error> like kubectl describe', () => {
  assert.equal(formatLabelSelector({ matchLabels: { app: 'web' } }), 'app=web');
  assert.equal(formatLabelSelector({}), '<none>');
  assert.equal(formatLabelSelector(null), '<none>');
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bad' }] }), '<error>');
});

test('a parsed selector round-trips through its string form', () => {
  for (const s of ['a=b,c in (d,e),!f,g', 'x notin (,y)', 'k>3,k<10']) {
    const once = selectorToString(parseLabelSelector(s));
    assert.equal(selectorToString(parseLabelSelector(once)), once, s);
  }
});
