import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseQuantity, formatQuantity, isValidQuantity, add, sub, neg, cmp, isZero, value, milliValue,
  newQuantity, newMilliQuantity, QuantityError, QUANTITY_FORMAT_ERROR, QUANTITY_NUMERIC_ERROR, QUANTITY_SUFFIX_ERROR,
} from './quantity.ts';
import type { QuantityFormat } from './quantity.ts';

const G = 1_000_000_000n;
const Ki = 1024n;

test('parseQuantity: amounts and formats (upstream TestQuantityParse)', () => {
  const cases: [string, bigint, QuantityFormat][] = [
    ['0', 0n, 'DecimalSI'],
    ['0n', 0n, 'DecimalSI'],
    ['0m', 0n, 'DecimalSI'],
    ['0k', 0n, 'DecimalSI'],
    ['0Ki', 0n, 'BinarySI'],
    ['0Mi', 0n, 'BinarySI'],
    ['1', G, 'DecimalSI'],
    ['1Ki', Ki * G, 'BinarySI'],
    ['7Mi', 7n * Ki ** 2n * G, 'BinarySI'],
    ['6Gi', 6n * Ki ** 3n * G, 'BinarySI'],
    ['5Ti', 5n * Ki ** 4n * G, 'BinarySI'],
    ['4Pi', 4n * Ki ** 5n * G, 'BinarySI'],
    ['3Ei', 3n * Ki ** 6n * G, 'BinarySI'],
    ['5n', 5n, 'DecimalSI'],
    ['4u', 4000n, 'DecimalSI'],
    ['3m', 3_000_000n, 'DecimalSI'],
    ['8k', 8000n * G, 'DecimalSI'],
    ['7M', 7_000_000n * G, 'DecimalSI'],
    ['2P', 2n * 10n ** 15n * G, 'DecimalSI'],
    ['1E', 10n ** 18n * G, 'DecimalSI'],
    ['12E', 12n * 10n ** 18n * G, 'DecimalSI'],
    ['1E-3', 1_000_000n, 'DecimalExponent'],
    ['1e3', 1000n * G, 'DecimalExponent'],
    ['1.3E+6', 1_300_000n * G, 'DecimalExponent'],
    ['100.035k', 100_035n * G, 'DecimalSI'],
    ['0.001', 1_000_000n, 'DecimalSI'],
    ['0.0005k', 500_000_000n, 'DecimalSI'],
    ['9.01', 9_010_000_000n, 'DecimalSI'],
    ['+9.01', 9_010_000_000n, 'DecimalSI'],
    ['-9.01', -9_010_000_000n, 'DecimalSI'],
    // Rounded up to a whole nano.
    ['3.001n', 4n, 'DecimalSI'],
    ['1.1E-9', 2n, 'DecimalExponent'],
    ['0.0000000001', 1n, 'DecimalSI'],
    ['0.00000012345', 124n, 'DecimalSI'],
    ['-0.00000012345', -124n, 'DecimalSI'],
    ['1e-2000000000', 1n, 'DecimalExponent'],
    // Binary amounts beyond int64 are capped.
    ['9Ei', ((1n << 63n) - 1n) * G, 'BinarySI'],
    ['9223372036854775807Ki', ((1n << 63n) - 1n) * G, 'BinarySI'],
    // Fractional binary amounts; tiny ones become DecimalSI.
    ['100.035Ki', 102_435_840_000_000n, 'BinarySI'],
    ['0.5Mi', 512n * Ki * G, 'BinarySI'],
    ['0.000000000001Ki', 2n, 'DecimalSI'],
    ['.001', 1_000_000n, 'DecimalSI'],
    ['.0001k', 100_000_000n, 'DecimalSI'],
    ['1.', G, 'DecimalSI'],
    ['1.G', G * G, 'DecimalSI'],
  ];
  for (const [input, nanos, format] of cases) {
    const q = parseQuantity(input);
    assert.equal(q.nanos, nanos, input);
    assert.equal(q.format, format, input);
  }
});

test('formatQuantity prints upstream\'s canonical form, or the text it kept', () => {
  const cases: [string, string][] = [
    // Kept as written (upstream caches canonical-looking input).
    ['0', '0'], ['1Ki', '1Ki'], ['1Mi', '1Mi'], ['100m', '100m'], ['1500m', '1500m'], ['50k', '50k'],
    ['100.035k', '100.035k'], ['10.035M', '10.035M'], ['2e3', '2e3'], ['1E-3', '1E-3'], ['12E', '12E'],
    ['1.', '1.'], ['+1k', '+1k'], ['3Ei', '3Ei'],
    // Canonicalised.
    ['1.5', '1500m'], ['0.5', '500m'], ['0.5Gi', '512Mi'], ['1000m', '1'], ['2000', '2k'], ['1000', '1k'],
    ['1024Mi', '1Gi'], ['307200Ki', '300Mi'], ['1025024Mi', '1001Gi'], ['1024Gi', '1Ti'], ['1000M', '1G'],
    ['0.001T', '1G'], ['1000u', '1m'], ['1.08', '1080m'], ['1080000000n', '1080m'], ['5000m', '5'],
    ['.001e12', '1e9'], ['0.001e0', '1e-3'], ['1000e-12', '1e-9'], ['00', '0'], ['-0', '0'], ['0Mi', '0'],
    ['0.5e0', '500e-3'], ['1.2e3', '1200'], ['1.3E+6', '1300e3'], ['9.01', '9010m'], ['3.001n', '4n'],
    ['1.1E-9', '2e-9'], ['0.00000012345', '124n'], ['9Ei', '9223372036854775807'],
    ['.001Ki', '1024m'], ['.000001Ki', '1024u'], ['.000000001Ki', '1024n'], ['.000000000001Ki', '2n'],
    ['100.035Ki', '102435840m'], ['0.05Gi', '53687091200m'], ['0.5Mi', '512Ki'], ['8Ki', '8Ki'],
    ['1000E', '1e21'], ['1024', '1024'], ['2048Ki', '2Mi'], ['1536Mi', '1536Mi'],
    // Negative amounts.
    ['-1024Mi', '-1Gi'], ['-1000M', '-1G'], ['-.001Ki', '-1024m'], ['-1.5', '-1500m'],
  ];
  for (const [input, expected] of cases) {
    assert.equal(formatQuantity(parseQuantity(input)), expected, input);
  }
});

test('canonical forms parse back to the same amount and print the same', () => {
  for (const input of ['1.5', '0.5Gi', '1024Mi', '9.01', '1.3E+6', '100.035Ki', '0.05Gi', '1000E', '-.001Ki']) {
    const q = parseQuantity(input);
    const again = parseQuantity(formatQuantity(q));
    assert.equal(cmp(q, again), 0, input);
    assert.equal(formatQuantity(again), formatQuantity(q), input);
  }
});

test('parseQuantity rejects invalid quantities with upstream messages', () => {
  const cases: [string, string][] = [
    ['', QUANTITY_FORMAT_ERROR],
    ['1.1.M', QUANTITY_FORMAT_ERROR],
    ['1+1.0M', QUANTITY_FORMAT_ERROR],
    ['0.1am', QUANTITY_FORMAT_ERROR],
    ['aoeu', QUANTITY_FORMAT_ERROR],
    ['Non-Numeric', QUANTITY_FORMAT_ERROR],
    [' 1', QUANTITY_FORMAT_ERROR],
    ['1 ', QUANTITY_FORMAT_ERROR],
    ['1,5', QUANTITY_FORMAT_ERROR],
    ['0.1mi', QUANTITY_SUFFIX_ERROR],
    ['.5i', QUANTITY_SUFFIX_ERROR],
    ['1i', QUANTITY_SUFFIX_ERROR],
    ['-3.01i', QUANTITY_SUFFIX_ERROR],
    ['-3.01e-', QUANTITY_SUFFIX_ERROR],
    ['1e', QUANTITY_SUFFIX_ERROR],
    ['1KI', QUANTITY_FORMAT_ERROR],
    ['1kI', QUANTITY_FORMAT_ERROR],
    ['1ki', QUANTITY_SUFFIX_ERROR],
    ['1mm', QUANTITY_SUFFIX_ERROR],
    ['1e4294967297', QUANTITY_SUFFIX_ERROR],
    ['.e-10', QUANTITY_NUMERIC_ERROR],
    ['1e5000', QUANTITY_NUMERIC_ERROR],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parseQuantity(input), (err: unknown) => err instanceof QuantityError && err.message === message, input);
    assert.equal(isValidQuantity(input), false, input);
  }
  assert.equal(QUANTITY_FORMAT_ERROR, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
});

test('parseQuantity takes JSON numbers by their text', () => {
  assert.equal(formatQuantity(parseQuantity(0.5)), '500m');
  assert.equal(formatQuantity(parseQuantity(100)), '100');
  assert.equal(formatQuantity(parseQuantity(0)), '0');
  assert.equal(parseQuantity(1e21).nanos, 10n ** 30n);
  assert.equal(isValidQuantity(2), true);
  assert.equal(isValidQuantity('100m'), true);
  assert.equal(isValidQuantity(null), false);
  assert.equal(isValidQuantity({}), false);
});

test('add and sub are exact and keep the format (a zero takes the other side\'s)', () => {
  const cases: [string, '+' | '-', string, string][] = [
    ['100m', '+', '50m', '150m'],
    ['0.1', '+', '0.2', '300m'],
    ['1Gi', '+', '1Gi', '2Gi'],
    ['1Gi', '+', '512Mi', '1536Mi'],
    ['0', '+', '1Gi', '1Gi'],
    ['1Gi', '+', '0', '1Gi'],
    ['100m', '+', '0', '100m'],
    ['1', '-', '300m', '700m'],
    ['0', '-', '100m', '-100m'],
    ['1Gi', '-', '0', '1Gi'],
    ['2', '-', '2', '0'],
    ['1n', '+', '999999999n', '1'],
  ];
  for (const [a, op, b, expected] of cases) {
    const qa = parseQuantity(a);
    const qb = parseQuantity(b);
    assert.equal(formatQuantity(op === '+' ? add(qa, qb) : sub(qa, qb)), expected, `${a} ${op} ${b}`);
  }
  assert.equal(add(parseQuantity('0'), parseQuantity('1Gi')).format, 'BinarySI');
  assert.equal(formatQuantity(neg(parseQuantity('9.01'))), '-9010m');
});

test('cmp and isZero compare amounts regardless of format', () => {
  const cases: [string, string, number][] = [
    ['0', '0', 0], ['100m', '50m', 1], ['50m', '100m', -1], ['10000T', '100Gi', 1],
    ['1Gi', '1024Mi', 0], ['1k', '1000', 0], ['1', '1000m', 0], ['-1', '1n', -1], ['1e3', '1k', 0],
  ];
  for (const [a, b, expected] of cases) {
    assert.equal(cmp(parseQuantity(a), parseQuantity(b)), expected, `${a} vs ${b}`);
    assert.equal(cmp(parseQuantity(b), parseQuantity(a)), 0 - expected, `${b} vs ${a}`);
  }
  assert.equal(isZero(parseQuantity('0Gi')), true);
  assert.equal(isZero(parseQuantity('1n')), false);
});

test('value and milliValue round up (away from zero) like upstream', () => {
  const cases: [string, number, number][] = [
    ['0', 0, 0], ['1', 1, 1000], ['1.5', 2, 1500], ['100m', 1, 100], ['1n', 1, 1], ['1500m', 2, 1500],
    ['5Gi', 5 * 1024 ** 3, 5 * 1024 ** 3 * 1000], ['-1.5', -2, -1500], ['-1n', -1, -1], ['2k', 2000, 2_000_000],
  ];
  for (const [input, v, mv] of cases) {
    assert.equal(value(parseQuantity(input)), v, `value ${input}`);
    assert.equal(milliValue(parseQuantity(input)), mv, `milliValue ${input}`);
  }
});

test('newQuantity and newMilliQuantity build canonical amounts', () => {
  assert.equal(formatQuantity(newQuantity(1073741824, 'BinarySI')), '1Gi');
  assert.equal(formatQuantity(newQuantity(5, 'DecimalSI')), '5');
  assert.equal(formatQuantity(newQuantity(0, 'BinarySI')), '0');
  assert.equal(formatQuantity(newMilliQuantity(1500, 'DecimalSI')), '1500m');
  assert.equal(formatQuantity(newMilliQuantity(1000, 'DecimalSI')), '1');
  assert.equal(formatQuantity(newMilliQuantity(250n, 'DecimalSI')), '250m');
  assert.throws(() => newQuantity(1.5, 'DecimalSI'), RangeError);
});
