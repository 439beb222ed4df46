import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1';
import { milliCpuToQuota, milliCpuToShares, oomScoreAdj, podAmounts, qosClass } from './qos.ts';
import { burstableShares, podCgroup, podCgroupValues, qosCgroup } from './cgroups.ts';

const c = (requests?: Record<string, string>, limits?: Record<string, string>, extra: Partial<Container> = {}): Container =>
  ({ name: 'c', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) }, ...extra });
const pod = (containers: Container[], initContainers?: Container[]): Pod => ({ metadata: { uid: 'u1' }, spec: { containers, initContainers } });

test('QoS classes as upstream decides them', () => {
  const cases: [string, Pod, string][] = [
    ['nothing set', pod([c()]), 'BestEffort'],
    ['requests equal limits', pod([c({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })]), 'Guaranteed'],
    ['equal in other units', pod([c({ cpu: '1000m', memory: '1024Mi' }, { cpu: '1', memory: '1Gi' })]), 'Guaranteed'],
    ['only limits (requests not defaulted)', pod([c(undefined, { cpu: '1', memory: '1Gi' })]), 'Burstable'],
    ['requests below limits', pod([c({ cpu: '500m', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })]), 'Burstable'],
    ['no memory limit', pod([c({ cpu: '1' }, { cpu: '1' })]), 'Burstable'],
    ['one of two containers unlimited', pod([c({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' }), c()]), 'Burstable'],
    ['only an init container asks', pod([c()], [c({ cpu: '100m' })]), 'Burstable'],
    ['only other resources', pod([c({ 'ephemeral-storage': '1Gi' })]), 'BestEffort'],
  ];
  for (const [name, p, want] of cases) assert.equal(qosClass(p), want, name);
});

test('cpu shares and quota follow upstream\'s conversions', () => {
  const cases: [number, number, number][] = [[0, 2, 0], [1, 2, 1000], [100, 102, 10000], [250, 256, 25000], [1000, 1024, 100000], [4000, 4096, 400000]];
  for (const [milli, shares, quota] of cases) {
    assert.equal(milliCpuToShares(milli), shares, `shares ${milli}`);
    assert.equal(milliCpuToQuota(milli), quota, `quota ${milli}`);
  }
  assert.equal(milliCpuToShares(1_000_000), 262144);
});

test('pod amounts: sum of app containers and sidecars, at least the largest init container', () => {
  const p = pod(
    [c({ cpu: '100m', memory: '10Mi' }, { cpu: '200m', memory: '20Mi' }), c({ cpu: '100m' }, { cpu: '300m', memory: '30Mi' })],
    [c({ cpu: '500m' }, { cpu: '1', memory: '5Mi' }), c({ cpu: '50m' }, { cpu: '50m', memory: '1Mi' }, { restartPolicy: 'Always' })],
  );
  assert.deepEqual(podAmounts(p), {
    // An unset request counts as the limit, as the API server defaults it.
    cpuRequestMilli: 500, cpuLimitMilli: 1000, memoryRequest: 41 * 1024 ** 2, memoryLimit: 51 * 1024 ** 2,
  });
  // A container without a memory limit leaves the pod without one.
  assert.equal(podAmounts(pod([c(undefined, { cpu: '1' })])).memoryLimit, undefined);
});

test('pod and QoS cgroup paths and the values written there', () => {
  assert.equal(qosCgroup('/skiff/n1', 'Guaranteed'), '/skiff/n1/kubepods');
  assert.equal(podCgroup('/skiff/n1', 'Guaranteed', 'abc'), '/skiff/n1/kubepods/podabc');
  assert.equal(podCgroup('/skiff/n1', 'Burstable', 'abc'), '/skiff/n1/kubepods/burstable/podabc');
  assert.equal(podCgroup('/skiff/n1', 'BestEffort', 'abc'), '/skiff/n1/kubepods/besteffort/podabc');
  assert.deepEqual(podCgroupValues(pod([c()])), { cpuShares: 2 });
  assert.deepEqual(podCgroupValues(pod([c({ cpu: '500m', memory: '64Mi' }, { cpu: '500m', memory: '64Mi' })])),
    { cpuShares: 512, cpuQuota: 50000, cpuPeriod: 100000, memoryLimit: 64 * 1024 ** 2 });
  assert.deepEqual(podCgroupValues(pod([c({ cpu: '250m' })])), { cpuShares: 256 });
  assert.equal(burstableShares([pod([c({ cpu: '250m' })]), pod([c({ cpu: '250m' })]), pod([c()])]), 512);
  assert.equal(burstableShares([]), 2);
});

test('oom_score_adj by QoS, never negative on these machines', () => {
  const mem = 1000 * 1024 ** 2;
  assert.equal(oomScoreAdj(pod([c()]), c(), mem), 1000);
  const g = c({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' });
  assert.equal(oomScoreAdj(pod([g]), g, mem), 0);
  const b = c({ memory: `${250}Mi` });
  assert.equal(oomScoreAdj(pod([b]), b, mem), 750);
  const big = c({ memory: '2000Mi' });
  assert.equal(oomScoreAdj(pod([big]), big, mem), 2);
});
