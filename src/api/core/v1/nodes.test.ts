import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodes } from './nodes.ts';
import { age } from '../../../machinery/duration.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ctx = { now, age: (t: string | undefined) => age(t, now) };

function registered(node: any): any {
  nodes.defaults!(node);
  nodes.prepareForCreate!(node);
  return node;
}

const kubeletNode = () => registered({
  metadata: { name: 'node1', creationTimestamp: '2024-04-30T12:00:00Z', labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/master': 'true' } },
  spec: { podCIDR: '10.42.0.0/24' },
  status: {
    capacity: { cpu: '4', memory: '8049532Ki', pods: '110' },
    conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
    addresses: [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'Hostname', address: 'node1' }],
    nodeInfo: { kubeletVersion: 'v1.32.0+skiff', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64', containerRuntimeVersion: 'containerd://1.7.13' },
  },
});

test('create keeps the status the kubelet registers with, with defaults', () => {
  const node = kubeletNode();
  assert.deepEqual(node.spec.podCIDRs, ['10.42.0.0/24']);
  assert.deepEqual(node.status.allocatable, { cpu: '4', memory: '8049532Ki', pods: '110' });
  assert.equal(node.status.conditions.length, 2);
  assert.deepEqual(nodes.validate!(node), []);
});

test('validation messages', () => {
  const bad = registered({
    metadata: { name: 'n' },
    spec: { podCIDRs: ['10.42.0.0/24', '10.43.0.0/24'], taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'a', value: 'x', effect: 'NoSchedule' }, { key: 'b', effect: 'Sometimes' }] },
    status: { capacity: { cpu: '-1', pods: '1.5' } },
  });
  assert.deepEqual(nodes.validate!(bad).map(String), [
    'metadata.taints[1]: Duplicate value: core.Taint{Key:"a", Value:"x", Effect:"NoSchedule", TimeAdded:(*v1.Time)(nil)}: taints must be unique by key and effect pair',
    'metadata.taints[2].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    'status.capacity.cpu: Invalid value: "-1": must be greater than or equal to 0',
    'status.capacity.pods: Invalid value: resource.Quantity{i:resource.int64Amount{value:15, scale:-1}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"", Format:"DecimalSI"}: must be an integer',
    // allocatable was defaulted from capacity
    'status.allocatable.cpu: Invalid value: "-1": must be greater than or equal to 0',
    'status.allocatable.pods: Invalid value: resource.Quantity{i:resource.int64Amount{value:15, scale:-1}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"", Format:"DecimalSI"}: must be an integer',
    'spec.podCIDRs: Invalid value: []string{"10.42.0.0/24", "10.43.0.0/24"}: may specify no more than one CIDR for each IP family',
  ]);
});

test('updates may not change an assigned pod CIDR or provider ID', () => {
  const old = kubeletNode();
  old.spec.providerID = 'skiff://node1';
  const next = structuredClone(old);
  next.spec.podCIDRs = ['10.42.9.0/24'];
  next.spec.providerID = 'other://node1';
  assert.deepEqual(nodes.validateUpdate!(next, old).map(String), [
    'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
    'spec.providerID: Forbidden: node updates may not change providerID except from "" to valid',
  ]);
  const fresh = registered({ metadata: { name: 'node2' } });
  const assigned = structuredClone(fresh);
  assigned.spec = { podCIDR: '10.42.1.0/24', podCIDRs: ['10.42.1.0/24'] };
  assert.deepEqual(nodes.validateUpdate!(assigned, fresh), []);
});

test('status writes may not repeat an address', () => {
  const node = kubeletNode();
  node.status.addresses.push({ type: 'InternalIP', address: '192.168.1.10' });
  assert.deepEqual(nodes.validateStatus!(node, node).map(String), [
    'status.addresses[2]: Duplicate value: core.NodeAddress{Type:"InternalIP", Address:"192.168.1.10"}',
  ]);
});

test('table rows', () => {
  assert.deepEqual(nodes.table.columns.map((c) => [c.name, c.priority ?? 0]), [
    ['Name', 0], ['Status', 0], ['Roles', 0], ['Age', 0], ['Version', 0],
    ['Internal-IP', 1], ['External-IP', 1], ['OS-Image', 1], ['Kernel-Version', 1], ['Container-Runtime', 1],
  ]);
  const node = kubeletNode();
  assert.deepEqual(nodes.table.row(node, ctx), [
    'node1', 'Ready', 'control-plane,master', '24h', 'v1.32.0+skiff',
    '192.168.1.10', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0-18-amd64', 'containerd://1.7.13',
  ]);
  node.spec.unschedulable = true;
  node.status.conditions[1].status = 'Unknown';
  assert.deepEqual(nodes.table.row(node, ctx).slice(0, 2), ['node1', 'NotReady,SchedulingDisabled']);
  const bare = registered({ metadata: { name: 'n2', labels: { 'kubernetes.io/role': 'worker' } } });
  assert.deepEqual(nodes.table.row(bare, ctx), ['n2', 'Unknown', 'worker', '<unknown>', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  assert.deepEqual(nodes.table.row(registered({ metadata: { name: 'n3' } }), ctx)[2], '<none>');
});

test('field selector spec.unschedulable', () => {
  const node = kubeletNode();
  assert.equal(nodes.fieldSelectors!['spec.unschedulable'](node), 'false');
  node.spec.unschedulable = true;
  assert.equal(nodes.fieldSelectors!['spec.unschedulable'](node), 'true');
});
