// The scheduler through the real kubectl on simulated nodes: seed 000's "Insufficient cpu" case,
// and cordon / drain / uncordon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from './helpers/server.ts';
import { until } from './helpers/wait.ts';


const podNames = async (s: TestServer, selector: string, phase?: string) =>
  (await s.k('get', 'pods', '-l', selector, ...(phase ? ['--field-selector', `status.phase=${phase}`] : []), '-o', 'name')).trim().split('\n').filter(Boolean);

test('seed 000: pods that do not fit stay Pending with upstream\'s FailedScheduling message, and schedule once they fit', async () => {
  const s = await startServer({ args: ['--simulated-nodes', '1', '--node-capacity', 'cpu=1900m,memory=8Gi,pods=110'] });
  try {
    const filler = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'system-load' }, spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '1670m' } } }] } };
    await s.kubectl(['create', '-f', '-'], { input: JSON.stringify(filler) });
    await until('the filler pod running', async () => (await podNames(s, '!app', 'Running')).length === 1);

    const deployment = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'archetype' },
      spec: {
        replicas: 2, selector: { matchLabels: { app: 'archetype' } },
        template: { metadata: { labels: { app: 'archetype' } }, spec: { containers: [{ name: 'archetype', image: 'nginx:1.27', resources: { requests: { cpu: '500m' } } }] } },
      },
    };
    await s.kubectl(['apply', '-f', '-'], { input: JSON.stringify(deployment) });
    await until('2 pending pods', async () => (await podNames(s, 'app=archetype', 'Pending')).length === 2);
    const message = '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
    await until('FailedScheduling', async () => (await s.k('get', 'events', '--field-selector', 'reason=FailedScheduling', '-o', 'jsonpath={.items[*].message}')).includes(message));
    const pending = (await podNames(s, 'app=archetype', 'Pending'))[0];
    const describe = await s.k('describe', pending);
    assert.match(describe, /^Status:\s+Pending$/m);
    assert.match(describe, /^\s+PodScheduled\s+False\s*$/m);
    assert.ok(describe.includes(`Warning  FailedScheduling`), describe);
    assert.ok(describe.replace(/\s+/g, ' ').includes(message), describe);

    // Remove the requests: the new pods fit and run.
    await s.k('set', 'resources', 'deployment', 'archetype', '--requests=cpu=0');
    await s.k('rollout', 'status', 'deployment/archetype', '--timeout=30s');
    assert.equal((await podNames(s, 'app=archetype', 'Running')).length, 2);
  } finally {
    await s.destroy();
  }
});

test('cordon, drain --ignore-daemonsets and uncordon behave as upstream', async () => {
  const s = await startServer({ args: ['--simulated-nodes', '2'] });
  try {
    await s.k('create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=4');
    await s.k('rollout', 'status', 'deployment/web', '--timeout=30s');
    assert.equal((await s.k('cordon', 'sim-node-0')).trim(), 'node/sim-node-0 cordoned');
    assert.match(await s.k('get', 'node', 'sim-node-0'), /^sim-node-0\s+Ready,SchedulingDisabled\s+/m);
    const drained = await s.kubectl(['drain', 'sim-node-0', '--ignore-daemonsets', '--timeout=60s']);
    assert.equal(drained.code, 0, drained.stderr);
    assert.match(drained.stdout, /node\/sim-node-0 drained/);
    await s.k('rollout', 'status', 'deployment/web', '--timeout=30s');
    const nodes = (await s.k('get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.nodeName}')).split(' ');
    assert.deepEqual([...new Set(nodes)], ['sim-node-1']);
    assert.equal((await s.k('uncordon', 'sim-node-0')).trim(), 'node/sim-node-0 uncordoned');
    assert.match(await s.k('get', 'node', 'sim-node-0'), /^sim-node-0\s+Ready\s+/m);
  } finally {
    await s.destroy();
  }
});
