import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpoints, formatEndpoints } from './endpoints.ts';
import { age } from '../../../machinery/duration.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ctx = { now, age: (t: string | undefined) => age(t, now) };

function written(ep: any): any {
  endpoints.defaults!(ep);
  return ep;
}
const errors = (ep: any) => endpoints.validate!(written(ep)).map(String);

test('ports default to TCP', () => {
  const ep = written({ metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: '10.42.0.5' }], ports: [{ port: 8000 }] }] });
  assert.deepEqual(ep.subsets[0].ports, [{ port: 8000, protocol: 'TCP' }]);
  assert.deepEqual(endpoints.validate!(ep), []);
});

test('validation messages', () => {
  const cases: [unknown, string[]][] = [
    [{ ports: [{ port: 80 }] }, ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`']],
    [{ addresses: [{ ip: '10.42.0.999' }] }, [
      'subsets[0].addresses[0].ip: Invalid value: "10.42.0.999": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'subsets[0].addresses[0].ip: Invalid value: "10.42.0.999": must be a valid IP address',
    ]],
    [{ addresses: [{ ip: '169.254.1.1' }] }, ['subsets[0].addresses[0].ip: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)']],
    [{ notReadyAddresses: [{ ip: '0.0.0.0' }] }, ['subsets[0].notReadyAddresses[0].ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)']],
    [{ addresses: [{ ip: '10.42.0.5' }], ports: [{ name: 'a', port: 80 }, { port: 0 }] }, [
      'subsets[0].ports[1].name: Required value',
      'subsets[0].ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    ]],
  ];
  for (const [subset, want] of cases) assert.deepEqual(errors({ metadata: { name: 'web' }, subsets: [subset] }), want);
});

test('the Endpoints cell lists three address:port pairs then how many more', () => {
  const addresses = ['10.42.0.5', '10.42.0.6', '10.42.0.7', '10.42.0.8'].map((ip) => ({ ip }));
  assert.equal(formatEndpoints({ subsets: [{ addresses: addresses.slice(0, 2), ports: [{ port: 8000 }] }] } as any), '10.42.0.5:8000,10.42.0.6:8000');
  assert.equal(formatEndpoints({ subsets: [{ addresses, ports: [{ port: 8000 }, { port: 9000 }] }] } as any),
    '10.42.0.5:8000,10.42.0.6:8000,10.42.0.7:8000 + 5 more...');
  assert.equal(formatEndpoints({ subsets: [{ addresses: [{ ip: '10.42.0.5' }] }] } as any), '10.42.0.5');
  assert.equal(formatEndpoints({ subsets: [{ addresses: [{ ip: 'fd00::5' }], ports: [{ port: 80 }] }] } as any), '[fd00::5]:80');
  assert.equal(formatEndpoints({} as any), '<none>');
});

test('table row', () => {
  const ep: any = { metadata: { name: 'web', creationTimestamp: '2024-05-01T11:55:00Z' }, subsets: [{ addresses: [{ ip: '10.42.0.5' }], ports: [{ port: 8000 }] }] };
  assert.deepEqual(endpoints.table.columns.map((c) => c.name), ['Name', 'Endpoints', 'Age']);
  assert.deepEqual(endpoints.table.row(ep, ctx), ['web', '10.42.0.5:8000', '5m']);
  assert.deepEqual(endpoints.shortNames, ['ep']);
});
