import { test } from 'node:test';
import assert from 'node:assert/strict';
import { services } from './services.ts';
import { age } from '../../../machinery/duration.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ctx = { now, age: (t: string | undefined) => age(t, now) };

/** A service as the registry sees it on create: defaulted and prepared. */
function created(spec: Record<string, unknown>, meta: Record<string, unknown> = {}): any {
  const svc: any = { metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z', ...meta }, spec: structuredClone(spec) };
  services.defaults!(svc);
  services.prepareForCreate!(svc);
  return svc;
}
const errors = (svc: any): string[] => services.validate!(svc).map(String);

test('a ClusterIP service gets upstream defaults', () => {
  const svc = created({ selector: { app: 'web' }, ports: [{ port: 80 }] });
  assert.deepEqual(svc.spec, {
    selector: { app: 'web' },
    ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    sessionAffinity: 'None',
    type: 'ClusterIP',
    internalTrafficPolicy: 'Cluster',
    ipFamilyPolicy: 'SingleStack',
    ipFamilies: ['IPv4'],
  });
  assert.deepEqual(svc.status, { loadBalancer: {} });
  assert.deepEqual(errors(svc), []);
});

test('defaults depend on the type', () => {
  const np = created({ type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }] });
  assert.equal(np.spec.externalTrafficPolicy, 'Cluster');
  assert.equal(np.spec.ports[0].targetPort, 'http');
  const lb = created({ type: 'LoadBalancer', ports: [{ port: 443 }] });
  assert.equal(lb.spec.allocateLoadBalancerNodePorts, true);
  assert.equal(lb.spec.externalTrafficPolicy, 'Cluster');
  const ext = created({ type: 'ExternalName', externalName: 'db.example.com' });
  assert.equal(ext.spec.internalTrafficPolicy, undefined);
  assert.equal(ext.spec.ipFamilies, undefined);
  assert.equal(ext.spec.ipFamilyPolicy, undefined);
  assert.deepEqual(errors(ext), []);
  const withExternalIPs = created({ ports: [{ port: 80 }], externalIPs: ['192.0.2.10'] });
  assert.equal(withExternalIPs.spec.externalTrafficPolicy, 'Cluster');
  const affinity = created({ ports: [{ port: 80 }], sessionAffinity: 'ClientIP' });
  assert.deepEqual(affinity.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
});

test('headless services: selector-less ones require dual-stack, others are single-stack', () => {
  const selectorless = created({ clusterIP: 'None' });
  assert.deepEqual(selectorless.spec.clusterIPs, ['None']);
  assert.equal(selectorless.spec.ipFamilyPolicy, 'RequireDualStack');
  assert.deepEqual(selectorless.spec.ipFamilies, ['IPv4']);
  assert.deepEqual(errors(selectorless), []);
  const selected = created({ clusterIP: 'None', selector: { app: 'db' } });
  assert.equal(selected.spec.ipFamilyPolicy, 'SingleStack');
  assert.deepEqual(errors(selected), []);
});

test('a supplied clusterIP is mirrored into clusterIPs', () => {
  const svc = created({ clusterIP: '10.43.0.50', ports: [{ port: 80 }] });
  assert.deepEqual(svc.spec.clusterIPs, ['10.43.0.50']);
  assert.deepEqual(errors(svc), []);
});

test('validation messages match upstream', () => {
  const label = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['no ports', { selector: { app: 'x' } }, ['spec.ports: Required value']],
    ['unnamed second port', { ports: [{ name: 'http', port: 80 }, { port: 443 }] }, ['spec.ports[1].name: Required value']],
    ['duplicate port names', { ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] }, ['spec.ports[1].name: Duplicate value: "http"']],
    ['bad port name', { ports: [{ name: 'Web', port: 80 }] }, [`spec.ports[0].name: Invalid value: "Web": ${label}`]],
    ['port out of range', { ports: [{ port: 70000 }] }, [
      'spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ]],
    ['bad protocol', { ports: [{ port: 80, protocol: 'HTTP' }] }, ['spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']],
    ['bad target port name', { ports: [{ port: 80, targetPort: 'web--x' }] }, ['spec.ports[0].targetPort: Invalid value: "web--x": must not contain consecutive hyphens']],
    ['bad type', { type: 'Public', ports: [{ port: 80 }] }, ['spec.type: Unsupported value: "Public": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']],
    ['node port on ClusterIP', { ports: [{ port: 80, nodePort: 30080 }] }, ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]],
    ['headless load balancer', { type: 'LoadBalancer', clusterIP: 'None', ports: [{ port: 80 }] }, ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for LoadBalancer services"]],
    ['bad clusterIP', { clusterIP: '10.43.0.300', ports: [{ port: 80 }] }, ['spec.clusterIPs[0]: Invalid value: "10.43.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    ['IPv6 family', { ipFamilies: ['IPv6'], ports: [{ port: 80 }] }, ['spec.ipFamilies[0]: Invalid value: "IPv6": IPv6 is not configured on this cluster']],
    ['IPv6 clusterIP', { clusterIP: 'fd00::10', ports: [{ port: 80 }] }, ['spec.clusterIPs[0]: Invalid value: []string{"fd00::10"}: IPv6 is not configured on this cluster']],
    ['dual-stack required', { ipFamilyPolicy: 'RequireDualStack', ports: [{ port: 80 }] }, ['spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services']],
    ['loopback external IP', { externalIPs: ['127.0.0.1'], ports: [{ port: 80 }] }, ['spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)']],
    ['ExternalName without name', { type: 'ExternalName' }, ['spec.externalName: Required value']],
    ['source ranges on ClusterIP', { loadBalancerSourceRanges: ['10.0.0.0/8'], ports: [{ port: 80 }] }, ["spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"]],
    ['bad source range', { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/33'], ports: [{ port: 80 }] }, ['spec.LoadBalancerSourceRanges[0]: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
    ['affinity timeout', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } }, ports: [{ port: 80 }] }, ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400']],
    ['local traffic without health check port', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] }, ['spec.healthCheckNodePort: Required value']],
    ['duplicate node ports', { type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81, nodePort: 30080 }] }, ['spec.ports[1].nodePort: Duplicate value: 30080']],
    ['duplicate ports', { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] }, [
      'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
    ]],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual(errors(created(spec)), want, name);
});

test('a headless service needs no ports; the same port may serve TCP and UDP', () => {
  assert.deepEqual(errors(created({ clusterIP: 'None', selector: { app: 'x' } })), []);
  assert.deepEqual(errors(created({ ports: [{ name: 'dns', port: 53 }, { name: 'dns-udp', port: 53, protocol: 'UDP' }] })), []);
});

test('names are DNS-1035 labels', () => {
  assert.deepEqual(services.nameValidator!('web'), []);
  assert.match(services.nameValidator!('1web')[0], /^a DNS-1035 label must consist of/);
});

/** An update as the registry runs it: status kept, defaults, prepareForUpdate, validation. */
function updated(old: any, spec: Record<string, unknown>): { svc: any; errs: string[] } {
  const svc: any = { metadata: structuredClone(old.metadata), spec: structuredClone(spec), status: structuredClone(old.status) };
  services.defaults!(svc);
  services.prepareForUpdate!(svc, old);
  return { svc, errs: [...services.validate!(svc), ...services.validateUpdate!(svc, old)].map(String) };
}

test('the cluster IP may not change once set', () => {
  const old = created({ clusterIP: '10.43.0.10', ports: [{ port: 80 }] });
  const { errs } = updated(old, { clusterIP: '10.43.0.20', clusterIPs: ['10.43.0.10'], ports: [{ port: 80 }] });
  assert.deepEqual(errs, ['spec.clusterIPs[0]: Invalid value: []string{"10.43.0.20"}: may not change once set']);
});

test('a replace without the allocated values keeps them', () => {
  const old = created({ type: 'NodePort', clusterIP: '10.43.0.10', ports: [{ name: 'http', port: 80, nodePort: 30080 }] });
  const { svc, errs } = updated(old, { type: 'NodePort', ports: [{ name: 'http', port: 80 }] });
  assert.equal(svc.spec.clusterIP, '10.43.0.10');
  assert.deepEqual(svc.spec.clusterIPs, ['10.43.0.10']);
  assert.equal(svc.spec.ports[0].nodePort, 30080);
  assert.deepEqual(errs, []);
});

test('switching to ExternalName drops the cluster IP fields and node ports', () => {
  const old = created({ type: 'NodePort', clusterIP: '10.43.0.10', ports: [{ port: 80, nodePort: 30080 }] });
  const { svc, errs } = updated(old, { ...old.spec, type: 'ExternalName', externalName: 'db.example.com' });
  assert.equal(svc.spec.clusterIP, undefined);
  assert.equal(svc.spec.clusterIPs, undefined);
  assert.equal(svc.spec.ipFamilies, undefined);
  assert.equal(svc.spec.ipFamilyPolicy, undefined);
  assert.equal(svc.spec.externalTrafficPolicy, undefined);
  assert.equal(svc.spec.ports[0].nodePort, undefined);
  assert.deepEqual(errs, []);
});

test('load-balancer status is only for load balancers and is checked', () => {
  const svc = created({ ports: [{ port: 80 }] });
  svc.status = { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } };
  assert.deepEqual(services.validateStatus!(svc, svc).map(String),
    ["status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"]);
  const lb = created({ type: 'LoadBalancer', ports: [{ port: 80 }] });
  lb.status = { loadBalancer: { ingress: [{ ip: '192.0.2.1' }, { hostname: '192.0.2.2' }] } };
  services.defaults!(lb);
  assert.equal(lb.status.loadBalancer.ingress[0].ipMode, 'VIP');
  assert.deepEqual(services.validateStatus!(lb, lb).map(String),
    ['status.loadBalancer.ingress[1].hostname: Invalid value: "192.0.2.2": must be a DNS name, not an IP address']);
});

test('table rows', () => {
  const row = (spec: Record<string, unknown>, status?: unknown) => {
    const svc = created(spec);
    if (status) svc.status = status;
    return services.table.row(svc, ctx);
  };
  assert.deepEqual(services.table.columns.map((c) => c.name), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
  assert.deepEqual(row({ clusterIP: '10.43.0.10', selector: { tier: 'front', app: 'web' }, ports: [{ port: 80 }, { port: 53, protocol: 'UDP', name: 'dns' }] }),
    ['web', 'ClusterIP', '10.43.0.10', '<none>', '80/TCP,53/UDP', '60m', 'app=web,tier=front']);
  assert.deepEqual(row({ type: 'NodePort', clusterIP: '10.43.0.11', ports: [{ port: 80, nodePort: 30080 }] }),
    ['web', 'NodePort', '10.43.0.11', '<none>', '80:30080/TCP', '60m', '<none>']);
  assert.deepEqual(row({ type: 'LoadBalancer', clusterIP: '10.43.0.12', ports: [{ port: 80, nodePort: 31000 }] }).slice(0, 5),
    ['web', 'LoadBalancer', '10.43.0.12', '<pending>', '80:31000/TCP']);
  assert.deepEqual(row({ type: 'LoadBalancer', clusterIP: '10.43.0.12', ports: [{ port: 80 }] },
    { loadBalancer: { ingress: [{ ip: '192.0.2.9' }, { hostname: 'lb.example.com' }, { ip: '192.0.2.1' }] } })[3],
  '192.0.2.1,192.0.2.9,lb.example.com');
  assert.deepEqual(row({ type: 'ExternalName', externalName: 'db.example.com' }).slice(1, 5),
    ['ExternalName', '<none>', 'db.example.com', '<none>']);
  assert.deepEqual(row({ clusterIP: 'None' }).slice(2, 5), ['None', '<none>', '<none>']);
});

test('field selectors', () => {
  const svc = created({ type: 'NodePort', clusterIP: '10.43.0.10', ports: [{ port: 80 }] });
  assert.equal(services.fieldSelectors!['spec.clusterIP'](svc), '10.43.0.10');
  assert.equal(services.fieldSelectors!['spec.type'](svc), 'NodePort');
});
