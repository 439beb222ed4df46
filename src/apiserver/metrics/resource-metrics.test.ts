import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { cpuQuantity, goDuration, memoryQuantity, metaTime, nodeMetrics, podMetrics, type Summary } from './resource-metrics.ts';
import { metricsTable } from './metrics-api.ts';
import { metricsAggregatedDiscoveryGroup, metricsApiResourceList } from './discovery.ts';
import { kubeletAddress } from './kubelet-get.ts';

test('usage quantities print as metrics-server prints them', () => {
  const cases: Array<[string, string, string]> = [
    ['cpu', cpuQuantity(329087452), '329087452n'],
    ['cpu, whole millicores', cpuQuantity(5_000_000), '5m'],
    ['cpu, whole microcores', cpuQuantity(12_000), '12u'],
    ['cpu, two cores', cpuQuantity(2_000_000_000), '2'],
    ['cpu, idle', cpuQuantity(0), '0'],
    ['memory in Ki', memoryQuantity(2748180 * 1024), '2748180Ki'],
    ['memory in Mi', memoryQuantity(64 * 1024 * 1024), '64Mi'],
    ['memory under 1Ki prints as decimal', memoryQuantity(1000), '1k'],
    ['memory, odd bytes', memoryQuantity(598017), '598017'],
  ];
  for (const [name, got, want] of cases) assert.equal(got, want, name);
});

test('windows print as Go durations', () => {
  const cases: Array<[number, string]> = [[10_000, '10s'], [20_064, '20.064s'], [1500, '1.5s'], [90_000, '1m30s'], [3_600_000, '1h0m0s'], [0, '0s'], [500, '500ms']];
  for (const [ms, want] of cases) assert.equal(goDuration(ms), want, String(ms));
});

const node: Node = {
  metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } },
  status: { addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: 12345 } } },
};
const pod = (name: string, phase: string, nodeName = 'n1'): Pod => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: name } },
  spec: { nodeName, containers: [] },
  status: { phase },
});
const time = '2026-11-25T15:00:00.123Z';
const summary: Summary = {
  node: { nodeName: 'n1', cpu: { time, usageNanoCores: 250_000_000, usageCoreNanoSeconds: 9e12 }, memory: { time, workingSetBytes: 512 * 1024 * 1024 } },
  pods: [
    { podRef: { name: 'web', namespace: 'default', uid: 'uid-web' }, containers: [
      { name: 'app', cpu: { time, usageNanoCores: 200_123_456 }, memory: { time, workingSetBytes: 4 * 1024 * 1024 } },
      { name: 'sidecar', cpu: { time, usageNanoCores: 1_000_000 }, memory: { time, workingSetBytes: 1024 * 1024 } },
    ] },
    { podRef: { name: 'partial', namespace: 'default', uid: 'uid-partial' }, containers: [
      { name: 'app', cpu: { time, usageCoreNanoSeconds: 5 }, memory: { time, workingSetBytes: 4096 } },
    ] },
  ],
};
const now = new Date('2026-11-25T15:00:05Z');

test('NodeMetrics from a summary', () => {
  assert.deepEqual(nodeMetrics(node, summary, 10_000, now), {
    kind: 'NodeMetrics', apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: 'n1', creationTimestamp: '2026-11-25T15:00:05Z', labels: { 'kubernetes.io/hostname': 'n1' } },
    timestamp: '2026-11-25T15:00:00Z', window: '10s', usage: { cpu: '250m', memory: '512Mi' },
  });
  assert.equal(nodeMetrics(node, { node: { cpu: { time } } }, 10_000, now), undefined, 'no rate: no metrics');
});

test('PodMetrics from a summary: running pods whose containers all have readings', () => {
  assert.deepEqual(podMetrics(pod('web', 'Running'), summary, 10_000, now), {
    kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2026-11-25T15:00:05Z', labels: { app: 'web' } },
    timestamp: '2026-11-25T15:00:00Z', window: '10s',
    containers: [{ name: 'app', usage: { cpu: '200123456n', memory: '4Mi' } }, { name: 'sidecar', usage: { cpu: '1m', memory: '1Mi' } }],
  });
  assert.equal(podMetrics(pod('web', 'Pending'), summary, 10_000, now), undefined, 'not running');
  assert.equal(podMetrics(pod('partial', 'Running'), summary, 10_000, now), undefined, 'a container without a rate');
  assert.equal(podMetrics(pod('absent', 'Running'), summary, 10_000, now), undefined, 'not on the node');
  const base = pod('web', 'Running');
  const other: Pod = { ...base, metadata: { ...base.metadata, uid: 'a-new-pod-with-the-same-name' } };
  assert.equal(podMetrics(other, summary, 10_000, now), undefined, 'another pod of that name');
});

test('the metrics Table sums container usage per pod', () => {
  const m = podMetrics(pod('web', 'Running'), summary, 10_000, now)!;
  const table = metricsTable([m], true, 'None');
  assert.deepEqual(table.columnDefinitions.map((c) => c.name), ['Name', 'cpu', 'memory', 'Window']);
  assert.deepEqual(table.rows, [{ cells: ['web', '201123456n', '5Mi', '10s'] }]);
});

test('discovery lists nodes and pods with get and list', () => {
  assert.deepEqual(metricsApiResourceList().resources.map((r) => [r.name, r.kind, r.namespaced, r.verbs.join(',')]), [
    ['nodes', 'NodeMetrics', false, 'get,list'], ['pods', 'PodMetrics', true, 'get,list'],
  ]);
  assert.equal(metricsAggregatedDiscoveryGroup().versions[0].resources[1].scope, 'Namespaced');
});

test('kubeletAddress prefers InternalIP and the published kubelet port', () => {
  assert.deepEqual(kubeletAddress(node), { host: '127.0.0.1', port: 12345 });
  assert.deepEqual(kubeletAddress({ status: { addresses: [{ type: 'Hostname', address: 'h' }] } }), { host: 'h', port: 10250 });
  assert.equal(kubeletAddress({ status: {} }), undefined);
  assert.equal(metaTime('2026-11-25T15:00:00.999Z'), '2026-11-25T15:00:00Z');
});
