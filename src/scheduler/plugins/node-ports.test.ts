import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerPort } from 'kubernetes-types/core/v1';
import { makeNode, makePod, nodeWith, runFilter } from '../testing.ts';
import { nodePorts } from './node-ports.ts';

const withPorts = (name: string, ports: ContainerPort[]) => makePod(name, { container: { ports } });

test('NodePorts refuses a node where a requested host port is taken', () => {
  const cases: Array<{ name: string; running: ContainerPort[]; wanted: ContainerPort[]; free: boolean }> = [
    { name: 'no host ports asked', running: [{ containerPort: 80, hostPort: 8080 }], wanted: [{ containerPort: 80 }], free: true },
    { name: 'same port, any address', running: [{ containerPort: 80, hostPort: 8080 }], wanted: [{ containerPort: 80, hostPort: 8080 }], free: false },
    { name: 'other port', running: [{ containerPort: 80, hostPort: 8080 }], wanted: [{ containerPort: 80, hostPort: 8081 }], free: true },
    { name: 'other protocol', running: [{ containerPort: 53, hostPort: 53, protocol: 'UDP' }], wanted: [{ containerPort: 53, hostPort: 53 }], free: true },
    { name: 'specific address vs 0.0.0.0 held', running: [{ containerPort: 80, hostPort: 8080 }], wanted: [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.1' }], free: false },
    { name: '0.0.0.0 vs specific address held', running: [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.1' }], wanted: [{ containerPort: 80, hostPort: 8080 }], free: false },
    { name: 'two different addresses', running: [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.1' }], wanted: [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.2' }], free: true },
  ];
  for (const c of cases) {
    const node = nodeWith(makeNode('n'), [withPorts('running', c.running)]);
    const status = runFilter(nodePorts, withPorts('p', c.wanted), node);
    assert.equal(status === null, c.free, c.name);
    if (status) assert.deepEqual(status, { code: 'Unschedulable', reasons: ["node(s) didn't have free ports for the requested pod ports"] });
  }
});

test('a port frees up when the pod holding it leaves the node', () => {
  const running = withPorts('running', [{ containerPort: 80, hostPort: 8080 }]);
  const node = nodeWith(makeNode('n'), [running]);
  assert.notEqual(runFilter(nodePorts, withPorts('p', [{ containerPort: 80, hostPort: 8080 }]), node), null);
  node.removePod(running.metadata!.uid!);
  assert.equal(runFilter(nodePorts, withPorts('p', [{ containerPort: 80, hostPort: 8080 }]), node), null);
});
