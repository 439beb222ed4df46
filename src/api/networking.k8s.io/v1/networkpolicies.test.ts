import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import type { KObject, TableContext } from '../../types.ts';
import { age } from '../../../machinery/duration.ts';
import { networkPolicies } from './networkpolicies.ts';

const now = new Date('2024-05-01T10:00:00Z');
const ctx: TableContext = { now, age: (ts) => age(ts, now) };
type Obj = NetworkPolicy & KObject;
const policy = (spec: Obj['spec']): Obj => ({ metadata: { name: 'deny', namespace: 'default', creationTimestamp: '2024-05-01T09:00:00Z' }, spec });
const errors = (obj: Obj) => networkPolicies.validate!(obj).map(String);

test('defaults: Ingress always, Egress with egress rules, TCP ports', () => {
  const ingressOnly = policy({ podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] });
  networkPolicies.defaults!(ingressOnly);
  assert.deepEqual(ingressOnly.spec!.policyTypes, ['Ingress']);
  assert.equal(ingressOnly.spec!.ingress![0].ports![0].protocol, 'TCP');

  const both = policy({ podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] });
  networkPolicies.defaults!(both);
  assert.deepEqual(both.spec!.policyTypes, ['Ingress', 'Egress']);
  assert.equal(both.spec!.egress![0].ports![0].protocol, 'UDP');

  const explicit = policy({ podSelector: {}, policyTypes: ['Egress'], egress: [{}] });
  networkPolicies.defaults!(explicit);
  assert.deepEqual(explicit.spec!.policyTypes, ['Egress']);

  const bare: Obj = { metadata: { name: 'x' } };
  networkPolicies.defaults!(bare);
  assert.deepEqual(bare.spec, { podSelector: {}, policyTypes: ['Ingress'] });
});

test('validation messages match upstream', () => {
  const cases: [Obj['spec'], string[]][] = [
    [{ podSelector: {}, ingress: [{ from: [{}] }] }, ['spec.ingress[0].from[0]: Required value: must specify a peer']],
    [{ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] },
      ['spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer']],
    [{ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/16', '10.0.0.0/8'] } }] }] }, [
      'spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "11.0.0.0/16": must be a strict subset of `cidr`',
      'spec.egress[0].to[0].ipBlock.except[1]: Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`',
    ]],
    [{ podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }] },
      ['spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
    [{ podSelector: {}, ingress: [{ ports: [{ port: 'HTTP', endPort: 90 }] }] }, [
      'spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
      'spec.ingress[0].ports[0].port: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.ingress[0].ports[0].port: Invalid value: "HTTP": must contain at least one letter (a-z)',
    ]],
    [{ podSelector: {}, ingress: [{ ports: [{ protocol: 'ICMP', port: 90, endPort: 80 }] }] }, [
      'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
      'spec.ingress[0].ports[0].endPort: Invalid value: 90: must be greater than or equal to `port`',
    ]],
    [{ podSelector: {}, policyTypes: ['Ingress', 'Egress', 'Ingress'] },
      ['spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not specify more than two policyTypes']],
    [{ podSelector: {}, policyTypes: ['Both'] },
      ['spec.policyTypes[0]: Unsupported value: "Both": supported values: "Ingress", "Egress"']],
    [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] } },
      ["spec.podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"]],
  ];
  for (const [spec, want] of cases) assert.deepEqual(errors(policy(spec)), want);
});

test('table shows the pod selector', () => {
  assert.deepEqual(networkPolicies.table.columns.map((c) => c.name), ['Name', 'Pod-Selector', 'Age']);
  assert.deepEqual(networkPolicies.table.row(policy({ podSelector: {} }), ctx), ['deny', '<none>', '60m']);
  assert.deepEqual(networkPolicies.table.row(policy({ podSelector: { matchLabels: { app: 'web' } } }), ctx)[1], 'app=web');
});
