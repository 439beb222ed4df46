import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accessModesAsString, isConfigMapKey, isValidCIDR, isValidPortName, parseIP, roundResourceList, validateContainerResourceName,
  validateNonSpecialIP, validateResourceQuantityValue,
} from './core-rules.ts';

test('IP parsing follows Go: sloppy IPv4, no zones, IPv4-mapped addresses are IPv4', () => {
  assert.deepEqual(parseIP('10.42.0.5'), [10, 42, 0, 5]);
  assert.deepEqual(parseIP('010.042.000.005'), [10, 42, 0, 5]);
  assert.equal(parseIP('10.42.0.256'), undefined);
  assert.equal(parseIP('fd00::1')?.length, 16);
  assert.deepEqual(parseIP('::ffff:127.0.0.1'), [127, 0, 0, 1]);
  assert.equal(parseIP('fe80::1%eth0'), undefined);
  assert.equal(parseIP('1:2:3:4:5:6:7:8:9'), undefined);
  assert.equal(isValidCIDR('10.42.0.0/16'), true);
  assert.equal(isValidCIDR('10.42.0.0'), false);
  assert.equal(isValidCIDR('fd00::/129'), false);
  assert.deepEqual(validateNonSpecialIP('fe80::1', 'ip').map(String), ['ip: Invalid value: "fe80::1": may not be in the link-local range (169.254.0.0/16, fe80::/10)']);
  assert.deepEqual(validateNonSpecialIP('224.0.0.1', 'ip').map(String), ['ip: Invalid value: "224.0.0.1": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)']);
});

test('port names and config keys', () => {
  assert.deepEqual(isValidPortName('http'), []);
  assert.deepEqual(isValidPortName('-8080'), ['must contain at least one letter (a-z)', 'must not begin or end with a hyphen']);
  assert.deepEqual(isValidPortName('a-very-long-port-name'), ['must be no more than 15 characters']);
  assert.deepEqual(isConfigMapKey('..'), ["must not be '..'"]);
  assert.deepEqual(isConfigMapKey('.env'), []);
});

test('resource names and quantities', () => {
  assert.deepEqual(validateContainerResourceName('example.com/foo', 'r'), []);
  assert.deepEqual(validateContainerResourceName('kubernetes.io/foo', 'r'), []);
  assert.deepEqual(validateContainerResourceName('pods', 'r').map(String), ['r: Invalid value: "pods": must be a standard resource for containers']);
  assert.deepEqual(validateResourceQuantityValue('cpu', '1x', 'r').map(String), [
    "r: Invalid value: \"1x\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
  ]);
  assert.deepEqual(validateResourceQuantityValue('cpu', '1Mii', 'r').map(String), ["r: Invalid value: \"1Mii\": unable to parse quantity's suffix"]);
  const list = { cpu: '100u', memory: '1Gi', odd: '0.0000001' };
  roundResourceList(list);
  assert.deepEqual(list, { cpu: '1m', memory: '1Gi', odd: '1m' });
});

test('access modes print in a fixed order', () => {
  assert.equal(accessModesAsString(['ReadWriteOncePod', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce']), 'RWO,RWX,RWOP');
  assert.equal(accessModesAsString(undefined), '');
});
