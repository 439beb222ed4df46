import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocateAddresses, allocateSubnets, formatCidr, formatIpv4, parseIpv4, parseIpv4Cidr } from './node-cidrs.ts';

const cidr = (s: string) => parseIpv4Cidr(s)!;
const strings = (list: ReturnType<typeof allocateSubnets>) => list.map(formatCidr);

test('IPv4 addresses and CIDRs parse and print', () => {
  for (const [input, want] of [['10.42.3.0/24', '10.42.3.0/24'], ['10.42.3.7/24', '10.42.3.0/24'], ['198.18.0.0/15', '198.18.0.0/15'], ['255.255.255.255/32', '255.255.255.255/32']]) {
    assert.equal(formatCidr(cidr(input)), want, input);
  }
  for (const bad of ['10.42.0.0', '10.42.0.256/24', '10.42.0.0/33', 'fd00::/64', '10.42.0.0/24/1', 'x/24']) {
    assert.equal(parseIpv4Cidr(bad), undefined, bad);
  }
  assert.equal(formatIpv4(parseIpv4('203.0.113.254')!), '203.0.113.254');
});

test('subnets: a /24 per node in address order, skipping those other nodes hold', () => {
  const table: Array<{ name: string; pool: string; count: number; used: string[]; want: string[] }> = [
    { name: 'empty pool', pool: '10.42.0.0/16', count: 3, used: [], want: ['10.42.0.0/24', '10.42.1.0/24', '10.42.2.0/24'] },
    { name: 'holes are filled', pool: '10.42.0.0/16', count: 3, used: ['10.42.0.0/24', '10.42.2.0/24'], want: ['10.42.1.0/24', '10.42.3.0/24', '10.42.4.0/24'] },
    { name: 'a bigger used range skips several', pool: '10.42.0.0/16', count: 2, used: ['10.42.0.0/22'], want: ['10.42.4.0/24', '10.42.5.0/24'] },
    { name: 'a smaller used range blocks its /24', pool: '10.42.0.0/16', count: 1, used: ['10.42.0.128/25'], want: ['10.42.1.0/24'] },
    { name: 'ranges outside the pool do not matter', pool: '10.42.0.0/16', count: 1, used: ['10.0.0.0/24', '10.43.0.0/24'], want: ['10.42.0.0/24'] },
    { name: 'too many for /24s: smaller subnets', pool: '10.42.0.0/23', count: 3, used: [], want: ['10.42.0.0/25', '10.42.0.128/25', '10.42.1.0/25'] },
    { name: 'nothing needed', pool: '10.42.0.0/16', count: 0, used: [], want: [] },
  ];
  for (const t of table) {
    assert.deepEqual(strings(allocateSubnets(cidr(t.pool), t.count, t.used.map(cidr))), t.want, t.name);
  }
  const many = allocateSubnets(cidr('10.42.0.0/16'), 5000, []);
  assert.equal(many.length, 5000);
  assert.equal(many[0].bits, 29, '5,000 nodes fit in a /16 only as /29s (4,096 /28s do not)');
  assert.equal(new Set(strings(many)).size, 5000, 'all distinct');
  assert.throws(() => allocateSubnets(cidr('10.42.0.0/24'), 100, []), /no room for 100/);
});

test('addresses: host addresses after the network address, skipping used ones', () => {
  const used = new Set([parseIpv4('198.18.0.2')!]);
  assert.deepEqual(allocateAddresses(cidr('198.18.0.0/15'), 3, used).map(formatIpv4), ['198.18.0.1', '198.18.0.3', '198.18.0.4']);
  assert.throws(() => allocateAddresses(cidr('192.0.2.0/30'), 3, new Set()), /no room/);
});
