import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { KObject, TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { endpointSlices } from './endpointslices.ts';

const now = new Date('2024-05-01T10:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };
type Obj = EndpointSlice & KObject;
const slice = (fields: Partial<Obj>): Obj => ({
  metadata: { name: 'web-abc12', namespace: 'default', creationTimestamp: '2024-05-01T09:00:00Z' },
  addressType: 'IPv4', endpoints: [], ...fields,
});
const errors = (obj: Obj) => endpointSlices.validate!(obj).map(String);

test('ports default to an empty name and TCP', () => {
  const obj = slice({ ports: [{ port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] });
  endpointSlices.defaults!(obj);
  assert.deepEqual(obj.ports, [{ name: '', protocol: 'TCP', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }]);
});

test('validation messages match upstream', () => {
  const cases: [Partial<Obj>, string[]][] = [
    [{ addressType: '' }, ['addressType: Required value']],
    [{ addressType: 'IP' }, ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']],
    [{ endpoints: [{ addresses: [] }] }, ['endpoints[0].addresses: Required value: must contain at least 1 address']],
    [{ endpoints: [{ addresses: ['10.42.0.5', '2001:db8::1', '127.0.0.1'] }] }, [
      'endpoints[0].addresses[1]: Invalid value: "2001:db8::1": must be a valid IPv4 address',
      'endpoints[0].addresses[2]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ]],
    [{ addressType: 'FQDN', endpoints: [{ addresses: ['localhost'] }] },
      ['endpoints[0].addresses[0]: Invalid value: "localhost": should be a domain with at least two segments separated by dots']],
    [{ endpoints: [{ addresses: ['10.42.0.5'], hostname: 'Web' }] },
      ["endpoints[0].hostname: Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"]],
    [{ ports: [{ name: 'http', protocol: 'TCP', port: 80 }, { name: 'http', protocol: 'ICMP', port: 81 }] }, [
      'ports[1].name: Duplicate value: "http"',
      'ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    ]],
  ];
  for (const [fields, want] of cases) assert.deepEqual(errors(slice(fields)), want);
});

test('addressType is immutable', () => {
  const old = slice({});
  assert.deepEqual(endpointSlices.validateUpdate!(slice({ addressType: 'IPv6' }), old).map(String),
    ['addressType: Invalid value: "IPv6": field is immutable']);
  assert.deepEqual(endpointSlices.validateUpdate!(slice({}), old), []);
});

test('table rows', () => {
  assert.deepEqual(endpointSlices.table.columns.map((c) => c.name), ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
  assert.deepEqual(endpointSlices.table.row(slice({}), ctx), ['web-abc12', 'IPv4', '<unset>', '<unset>', '60m']);
  const busy = slice({
    ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }],
    endpoints: [{ addresses: ['10.42.0.1', '10.42.0.2'] }, { addresses: ['10.42.0.3'] }, { addresses: ['10.42.0.4', '10.42.0.5'] }],
  });
  assert.deepEqual(endpointSlices.table.row(busy, ctx), ['web-abc12', 'IPv4', '80,443', '10.42.0.1,10.42.0.2,10.42.0.3 + 2 more...', '60m']);
});
