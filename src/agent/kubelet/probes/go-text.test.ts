import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from 'kubernetes-types/core/v1';
import { expandCommand, isExecTimeout } from './exec-probe.ts';
import { goDialError, goDuration, goQuote, joinHostPort } from './go-text.ts';

test('goDuration', () => {
  for (const [s, want] of [[0, '0s'], [1, '1s'], [59, '59s'], [60, '1m0s'], [90, '1m30s'], [3600, '1h0m0s'], [3725, '1h2m5s']] as const) {
    assert.equal(goDuration(s), want);
  }
});

test('goQuote', () => {
  assert.equal(goQuote('plain'), '"plain"');
  assert.equal(goQuote('a "b"\n\t\\'), '"a \\"b\\"\\n\\t\\\\"');
  assert.equal(goQuote('\u0001\u001b'), '"\\x01\\x1b"');
  assert.equal(goQuote('é'), '"é"');
});

test('joinHostPort and dial errors', () => {
  assert.equal(joinHostPort('fd00::1', 80), '[fd00::1]:80');
  assert.equal(goDialError('10.42.0.5:8080', { code: 'ECONNREFUSED' }), 'dial tcp 10.42.0.5:8080: connect: connection refused');
  assert.equal(goDialError('10.42.0.5:8080', { code: 'EHOSTUNREACH' }), 'dial tcp 10.42.0.5:8080: connect: no route to host');
  assert.equal(goDialError('10.42.0.5:8080', { code: 'ETIMEDOUT' }), 'dial tcp 10.42.0.5:8080: i/o timeout');
});

test('probe commands expand $(VAR) from literal env values only', () => {
  const c: Container = { name: 'a', env: [{ name: 'PORT', value: '8080' }, { name: 'SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] };
  assert.deepEqual(expandCommand(['curl', 'localhost:$(PORT)', '$(SECRET)', '$$(PORT)', '$(NOPE)'], c),
    ['curl', 'localhost:8080', '$(SECRET)', '$(PORT)', '$(NOPE)']);
});

test('isExecTimeout', () => {
  assert.equal(isExecTimeout({ code: 4, message: 'x' }), true);
  assert.equal(isExecTimeout(new Error('timeout 1s exceeded: context deadline exceeded')), true);
  assert.equal(isExecTimeout(new Error('container not found')), false);
});
