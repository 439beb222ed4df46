import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import { dnsConfig, hostsFile, parseResolvConf, podHostname, sandboxConfig, type SandboxContext } from './sandbox-config.ts';

const ctx: SandboxContext = {
  nodeName: 'n1',
  agentDir: '/var/lib/skiff/agent', clusterDns: '10.43.0.10', clusterDomain: 'cluster.local', cgroupParent: '/skiff/n1/kubepods/besteffort/podu1',
  hostResolv: parseResolvConf('# host\nnameserver 192.168.0.1\nnameserver 192.168.0.2\nsearch corp.example\noptions edns0 timeout:2\n'),
};
const pod = (spec: Partial<Pod['spec']> = {}, name = 'web'): Pod => ({
  metadata: { name, namespace: 'shop', uid: 'u1', labels: { app: 'web' }, annotations: { a: 'b' } },
  spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP', hostPort: 5353 }] }], ...spec } as Pod['spec'],
});

test('the sandbox config: metadata, hostname, log directory, labels, cgroup parent, ports', () => {
  const c = sandboxConfig(pod(), 1, ctx);
  assert.deepEqual(c.metadata, { name: 'web', namespace: 'shop', uid: 'u1', attempt: 1 });
  assert.equal(c.hostname, 'web');
  assert.equal(c.logDirectory, '/var/lib/skiff/agent/logs/pods/shop_web_u1');
  assert.deepEqual(c.labels, { app: 'web', 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': 'u1' });
  assert.deepEqual(c.annotations, { a: 'b', 'skiff.io/node-name': 'n1' });
  assert.equal(c.linux?.cgroupParent, ctx.cgroupParent);
  assert.deepEqual(c.portMappings, [
    { protocol: 'TCP', containerPort: 80, hostPort: 0, hostIp: '' },
    { protocol: 'UDP', containerPort: 53, hostPort: 5353, hostIp: '' },
  ]);
  assert.equal(sandboxConfig(pod({ hostname: 'other' }), 0, ctx).hostname, 'other');
  assert.equal(podHostname(pod({}, 'x'.repeat(70))), 'x'.repeat(63));
  assert.equal(podHostname(pod({}, `${'x'.repeat(62)}-abc`)), 'x'.repeat(62));
});

test('DNS by policy, merged with dnsConfig', () => {
  const cases: [Partial<Pod['spec']>, { servers: string[]; searches: string[]; options: string[] }][] = [
    [{}, { servers: ['10.43.0.10'], searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'], options: ['ndots:5'] }],
    [{ dnsPolicy: 'Default' }, { servers: ['192.168.0.1', '192.168.0.2'], searches: ['corp.example'], options: ['edns0', 'timeout:2'] }],
    [{ hostNetwork: true }, { servers: ['192.168.0.1', '192.168.0.2'], searches: ['corp.example'], options: ['edns0', 'timeout:2'] }],
    [{ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }, { servers: ['10.43.0.10'], searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'], options: ['ndots:5'] }],
    [{ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['a.b'], options: [{ name: 'ndots', value: '2' }, { name: 'rotate' }] } },
      { servers: ['1.2.3.4'], searches: ['a.b'], options: ['ndots:2', 'rotate'] }],
    [{ dnsConfig: { options: [{ name: 'ndots', value: '1' }] } },
      { servers: ['10.43.0.10'], searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'], options: ['ndots:1'] }],
  ];
  for (const [spec, want] of cases) assert.deepEqual(dnsConfig(pod(spec), ctx), want, JSON.stringify(spec));
});

test('the managed /etc/hosts', () => {
  const base = '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
    + 'fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';
  assert.equal(hostsFile(pod(), ['10.42.0.5'], 'cluster.local'), `${base}10.42.0.5\tweb\n`);
  assert.equal(
    hostsFile(pod({ hostname: 'h', subdomain: 'sub', hostAliases: [{ ip: '1.2.3.4', hostnames: ['foo', 'bar'] }] }), ['10.42.0.5'], 'cluster.local'),
    `${base}10.42.0.5\th.sub.shop.svc.cluster.local\th\n\n# Entries added by HostAliases.\n1.2.3.4\tfoo\tbar\n`,
  );
});
