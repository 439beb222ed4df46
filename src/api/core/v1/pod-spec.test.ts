import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodSpec, PodTemplateSpec } from 'kubernetes-types/core/v1';
import {
  defaultPodSpec, defaultPodTemplateSpec, defaultPullPolicy, podQOSClass, validatePodSpec, validatePodTemplateSpec,
} from './pod-spec.ts';

type Json = Record<string, any>;

/** A defaulted copy of `spec`, as the registry validates it. */
function defaulted(spec: Json): PodSpec {
  const s = structuredClone(spec) as PodSpec;
  defaultPodSpec(s);
  return s;
}

/** The error strings for a (defaulted) spec at "spec". */
function errorsOf(spec: Json, path = 'spec'): string[] {
  return validatePodSpec(defaulted(spec), path).map(String);
}

const nginx = (extra: Json = {}): Json => ({ name: 'nginx', image: 'nginx', ...extra });

// The seed's kuard pod (gcr.io/kuar-demo/kuard-arm64:blue) and friends.
const KUARD: Json = {
  volumes: [{ name: 'kuard-data', nfs: { server: 'my.nfs.server.local', path: '/exports' } }],
  containers: [{
    image: 'gcr.io/kuar-demo/kuard-arm64:blue', name: 'kuard',
    ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
    resources: { requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '1000m', memory: '256Mi' } },
    volumeMounts: [{ mountPath: '/data', name: 'kuard-data' }],
    livenessProbe: { httpGet: { path: '/healthy', port: 8080 }, initialDelaySeconds: 5, timeoutSeconds: 1, periodSeconds: 10, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/ready', port: 8080 }, initialDelaySeconds: 30, timeoutSeconds: 1 },
  }],
};

// ---- defaults ---------------------------------------------------------------------------------

test('imagePullPolicy defaults from the tag: Always for :latest or no tag, IfNotPresent otherwise', () => {
  const cases: [string, string][] = [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    ['gcr.io/kuar-demo/kuard-arm64:blue', 'IfNotPresent'],
    ['localhost:5000/app', 'Always'],
    ['localhost:5000/app:v2', 'IfNotPresent'],
    [`busybox@sha256:${'a'.repeat(64)}`, 'IfNotPresent'],
    [`busybox:latest@sha256:${'a'.repeat(64)}`, 'Always'],
    ['NGINX', 'IfNotPresent'], // does not parse: upstream falls back to IfNotPresent
    ['', 'IfNotPresent'],
  ];
  for (const [image, policy] of cases) assert.equal(defaultPullPolicy(image), policy, image);
});

test('the kuard pod gets upstream pod-spec defaults', () => {
  const s = defaulted(KUARD) as Json;
  assert.equal(s.restartPolicy, 'Always');
  assert.equal(s.dnsPolicy, 'ClusterFirst');
  assert.equal(s.schedulerName, 'default-scheduler');
  assert.equal(s.terminationGracePeriodSeconds, 30);
  assert.deepEqual(s.securityContext, {});
  // enableServiceLinks is a Pod default, not a pod-spec one (templates never get it).
  assert.equal(s.enableServiceLinks, undefined);
  const c = s.containers[0];
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  // Quantities are stored canonically: 1000m is "1".
  assert.deepEqual(c.resources, { requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } });
  assert.deepEqual(c.livenessProbe, {
    httpGet: { path: '/healthy', port: 8080, scheme: 'HTTP' },
    initialDelaySeconds: 5, timeoutSeconds: 1, periodSeconds: 10, failureThreshold: 3, successThreshold: 1,
  });
  assert.deepEqual(c.readinessProbe, {
    httpGet: { path: '/ready', port: 8080, scheme: 'HTTP' },
    initialDelaySeconds: 30, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3,
  });
  assert.deepEqual(validatePodSpec(s as PodSpec, 'spec').map(String), []);
});

test('container, probe, env and volume defaults', () => {
  const s = defaulted({
    initContainers: [{ name: 'init', image: 'busybox:1.36' }],
    containers: [{
      name: 'app', image: 'nginx',
      ports: [{ containerPort: 80 }],
      env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      startupProbe: { grpc: { port: 9000 }, timeoutSeconds: 0 },
      lifecycle: { preStop: { httpGet: { port: 80 } } },
    }],
    volumes: [
      { name: 'scratch' },
      { name: 'cfg', configMap: { name: 'cfg' } },
      { name: 'sec', secret: { secretName: 's', defaultMode: 0o400 } },
      { name: 'host', hostPath: { path: '/var/log' } },
      { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
      { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
    ],
  }) as Json;
  assert.equal(s.initContainers[0].imagePullPolicy, 'IfNotPresent');
  assert.equal(s.initContainers[0].terminationMessagePolicy, 'File');
  const c = s.containers[0];
  assert.equal(c.imagePullPolicy, 'Always');
  assert.deepEqual(c.resources, {});
  assert.equal(c.ports[0].protocol, 'TCP');
  assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, 'v1');
  assert.deepEqual(c.startupProbe, { grpc: { port: 9000, service: '' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual(c.lifecycle.preStop.httpGet, { port: 80, path: '/', scheme: 'HTTP' });
  const [scratch, cfg, sec, host, token, info] = s.volumes;
  assert.deepEqual(scratch, { name: 'scratch', emptyDir: {} });
  assert.equal(cfg.configMap.defaultMode, 420);
  assert.equal(sec.secret.defaultMode, 0o400); // a given value is kept
  assert.equal(host.hostPath.type, '');
  assert.equal(token.projected.defaultMode, 420);
  assert.equal(token.projected.sources[0].serviceAccountToken.expirationSeconds, 3600);
  assert.equal(info.downwardAPI.defaultMode, 420);
  assert.equal(info.downwardAPI.items[0].fieldRef.apiVersion, 'v1');
});

test('defaults keep what the client set', () => {
  const s = defaulted({
    restartPolicy: 'Never', dnsPolicy: 'Default', schedulerName: 'mine', terminationGracePeriodSeconds: 0,
    containers: [nginx({ imagePullPolicy: 'Never', terminationMessagePolicy: 'FallbackToLogsOnError' })],
  }) as Json;
  assert.equal(s.restartPolicy, 'Never');
  assert.equal(s.dnsPolicy, 'Default');
  assert.equal(s.schedulerName, 'mine');
  assert.equal(s.terminationGracePeriodSeconds, 0);
  assert.equal(s.containers[0].imagePullPolicy, 'Never');
  assert.equal(s.containers[0].terminationMessagePolicy, 'FallbackToLogsOnError');
});

test('resource quantities are canonicalised and rounded up to milli', () => {
  const s = defaulted({ containers: [nginx({ resources: { limits: { cpu: '0.0001', memory: '1024Mi' }, requests: { cpu: 0.5 } } })] }) as Json;
  assert.deepEqual(s.containers[0].resources, { limits: { cpu: '1m', memory: '1Gi' }, requests: { cpu: '500m' } });
});

test('defaults never throw on malformed input', () => {
  const weird: Json[] = [
    { containers: 'x' }, { containers: [null, 3, 'a'] }, { volumes: [null, { name: 'v', secret: 'x' }] },
    { containers: [{ resources: { limits: 'x' }, ports: 'x', env: [null], livenessProbe: 'x' }] },
  ];
  for (const spec of weird) {
    assert.doesNotThrow(() => defaultPodSpec(spec as PodSpec));
    assert.doesNotThrow(() => validatePodSpec(spec as PodSpec, 'spec'));
  }
  assert.doesNotThrow(() => defaultPodTemplateSpec(undefined));
});

test('pod template defaults reach the template spec', () => {
  const t: PodTemplateSpec = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } };
  defaultPodTemplateSpec(t);
  assert.equal(t.spec?.restartPolicy, 'Always');
  assert.equal(t.spec?.containers[0].imagePullPolicy, 'IfNotPresent');
});

// ---- validation -------------------------------------------------------------------------------

test('validation errors read exactly as upstream prints them', () => {
  const cases: [string, Json, string[]][] = [
    ['no containers', {}, ['spec.containers: Required value']],
    ['image required', { containers: [{ name: 'app' }] }, ['spec.containers[0].image: Required value']],
    ['container name not a label', { containers: [nginx({ name: 'Web_1' })] }, [
      `spec.containers[0].name: Invalid value: "Web_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ]],
    ['duplicate container names', { containers: [nginx(), nginx()] }, ['spec.containers[1].name: Duplicate value: "nginx"']],
    ['init container name clashes', { initContainers: [nginx({ image: 'busybox' })], containers: [nginx()] }, [
      'spec.initContainers[0].name: Duplicate value: "nginx"',
    ]],
    ['restartPolicy', { restartPolicy: 'Sometimes', containers: [nginx()] }, [
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]],
    ['dnsPolicy', { dnsPolicy: 'Google', containers: [nginx()] }, [
      'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    ]],
    ['imagePullPolicy', { containers: [nginx({ imagePullPolicy: 'Sometimes' })] }, [
      'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
    ]],
    ['port protocol', { containers: [nginx({ ports: [{ containerPort: 53, protocol: 'ICMP' }] })] }, [
      'spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    ]],
    ['port range', { containers: [nginx({ ports: [{ containerPort: 70000 }, { containerPort: 80, hostPort: -1 }] })] }, [
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[1].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive',
    ]],
    ['containerPort required', { containers: [nginx({ ports: [{ name: 'http' }] })] }, ['spec.containers[0].ports[0].containerPort: Required value']],
    ['port names', { containers: [nginx({ ports: [{ containerPort: 80, name: 'HTTP' }, { containerPort: 81, name: '8080' }, { containerPort: 82, name: 'a--b' }, { containerPort: 83, name: 'web' }, { containerPort: 84, name: 'web' }] })] }, [
      'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain at least one letter (a-z)',
      'spec.containers[0].ports[1].name: Invalid value: "8080": must contain at least one letter (a-z)',
      'spec.containers[0].ports[2].name: Invalid value: "a--b": must not contain consecutive hyphens',
      'spec.containers[0].ports[4].name: Duplicate value: "web"',
    ]],
    ['host port conflict', { containers: [nginx({ ports: [{ containerPort: 80, hostPort: 8080 }] }), nginx({ name: 'b', ports: [{ containerPort: 81, hostPort: 8080 }] })] }, [
      'spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"',
    ]],
    ['env names', { containers: [nginx({ env: [{ name: '' }, { name: 'A=B' }, { name: 'my.env-name' }] })] }, [
      'spec.containers[0].env[0].name: Required value',
      `spec.containers[0].env[1].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
    ]],
    ['env valueFrom', { containers: [nginx({ env: [{ name: 'A', valueFrom: {} }, { name: 'B', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }, { name: 'C', valueFrom: { fieldRef: { fieldPath: 'spec.nodeNames' } } }] })] }, [
      'spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      'spec.containers[0].env[1].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
      'spec.containers[0].env[2].valueFrom.fieldRef.fieldPath: Invalid value: "spec.nodeNames": error converting fieldPath: field label not supported: spec.nodeNames',
    ]],
    ['volume names', { volumes: [{ name: 'data', emptyDir: {} }, { name: 'data', emptyDir: {} }, { name: 'Bad', emptyDir: {} }], containers: [nginx()] }, [
      'spec.volumes[1].name: Duplicate value: "data"',
      `spec.volumes[2].name: Invalid value: "Bad": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ]],
    ['one volume source', { volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' }, configMap: { name: 'c' } }], containers: [nginx()] }, [
      'spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type',
      'spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type',
    ]],
    ['volume source fields', { volumes: [{ name: 'a', secret: {} }, { name: 'b', configMap: { name: 'c', defaultMode: 0o1000 } }, { name: 'c', hostPath: { path: '/x', type: 'Pipe' } }], containers: [nginx()] }, [
      'spec.volumes[0].secret.secretName: Required value',
      'spec.volumes[1].configMap.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive',
      'spec.volumes[2].hostPath.type: Unsupported value: "Pipe": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
    ]],
    ['volumeMounts refer to volumes', { volumes: [{ name: 'data' }], containers: [nginx({ volumeMounts: [{ name: 'data', mountPath: '/d' }, { name: 'cache', mountPath: '/d' }, { name: 'data' }] })] }, [
      'spec.containers[0].volumeMounts[1].name: Not found: "cache"',
      'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/d": must be unique',
      'spec.containers[0].volumeMounts[2].mountPath: Required value',
    ]],
    ['requests above limits', { containers: [nginx({ resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } })] }, [
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ]],
    ['bad quantities and names', { containers: [nginx({ resources: { limits: { cpu: '-1', memory: 'lots' }, requests: { pods: '1', 'example.com/gpu': '1' } } })] }, [
      'spec.containers[0].resources.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0',
      `spec.containers[0].resources.limits[memory]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      'spec.containers[0].resources.requests[pods]: Invalid value: "pods": must be a standard resource for containers',
      'spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources',
    ]],
    ['extended resources are whole and equal', { containers: [nginx({ resources: { limits: { 'example.com/gpu': '2' }, requests: { 'example.com/gpu': '500m' } } })] }, [
      'spec.containers[0].resources.requests[example.com/gpu]: Invalid value: "500m": must be an integer',
      'spec.containers[0].resources.requests: Invalid value: "500m": must be equal to example.com/gpu limit of 2',
    ]],
    ['probe handler', { containers: [nginx({ livenessProbe: { initialDelaySeconds: -5 } })] }, [
      'spec.containers[0].livenessProbe: Required value: must specify a handler type',
      'spec.containers[0].livenessProbe.initialDelaySeconds: Invalid value: -5: must be greater than or equal to 0',
    ]],
    ['probe rules', { containers: [nginx({ livenessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 }, successThreshold: 2 }, readinessProbe: { httpGet: { port: 'HTTP' } } })] }, [
      'spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
      'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
      'spec.containers[0].readinessProbe.httpGet.port: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.containers[0].readinessProbe.httpGet.port: Invalid value: "HTTP": must contain at least one letter (a-z)',
    ]],
    ['init containers may not probe', { initContainers: [{ name: 'init', image: 'busybox', readinessProbe: { exec: { command: ['true'] } } }], containers: [nginx()] }, [
      'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
    ]],
    ['negative numbers', { terminationGracePeriodSeconds: 30, activeDeadlineSeconds: 0, containers: [nginx()] }, [
      'spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive',
    ]],
    ['nodeSelector labels', { nodeSelector: { 'disk type': 'ssd' }, containers: [nginx()] }, [
      `spec.nodeSelector: Invalid value: "disk type": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ]],
    ['tolerations', { tolerations: [{ key: 'k', operator: 'Is', value: 'v' }, { operator: 'Equal', value: 'v' }, { key: 'k', operator: 'Exists', effect: 'NoRun' }, { key: 'k', operator: 'Exists', tolerationSeconds: 5 }], containers: [nginx()] }, [
      'spec.tolerations[0].operator: Unsupported value: "Is": supported values: "Equal", "Exists"',
      'spec.tolerations[1].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
      'spec.tolerations[2].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      "spec.tolerations[3].effect: Invalid value: \"\": effect must be 'NoExecute' when `tolerationSeconds` is set",
    ]],
    ['hostname and service account', { hostname: 'Web', serviceAccountName: 'my_sa', containers: [nginx()] }, [
      `spec.serviceAccountName: Invalid value: "my_sa": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      `spec.hostname: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ]],
    ['dnsConfig with dnsPolicy None', { dnsPolicy: 'None', containers: [nginx()] }, [
      'spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None',
    ]],
    ['node affinity', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In' }] }] } } }, containers: [nginx()] }, [
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ]],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual(errorsOf(spec), want, name);
});

test('a missing terminationGracePeriodSeconds is required (no defaults ran)', () => {
  const errs = validatePodSpec({ containers: [nginx()] } as PodSpec, 'spec').map(String);
  assert.ok(errs.includes('spec.terminationGracePeriodSeconds: Required value'), errs.join('\n'));
  assert.ok(errs.includes('spec.restartPolicy: Required value'), errs.join('\n'));
  assert.ok(errs.includes('spec.containers[0].imagePullPolicy: Required value'), errs.join('\n'));
});

test('a volume with no source is refused (when defaults did not add emptyDir)', () => {
  const spec = defaulted({ containers: [nginx()] }) as Json;
  spec.volumes = [{ name: 'v' }];
  assert.deepEqual(validatePodSpec(spec as PodSpec, 'spec').map(String), ['spec.volumes[0]: Required value: must specify a volume type']);
});

test('template paths: errors sit under spec.template.spec', () => {
  const t = { metadata: { labels: { app: 'web' } }, spec: { containers: [nginx({ ports: [{ containerPort: 80 }, { containerPort: 0 }, { containerPort: 99999 }] })] } } as unknown as PodTemplateSpec;
  defaultPodTemplateSpec(t);
  assert.deepEqual(validatePodTemplateSpec(t, 'spec.template').map(String), [
    'spec.template.spec.containers[0].ports[1].containerPort: Required value',
    'spec.template.spec.containers[0].ports[2].containerPort: Invalid value: 99999: must be between 1 and 65535, inclusive',
  ]);
});

test('template labels are checked at <path>.labels, a missing template spec needs containers', () => {
  assert.deepEqual(validatePodTemplateSpec({ metadata: { labels: { app: 'a b' } } } as PodTemplateSpec, 'spec.template').map(String), [
    `spec.template.labels: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    'spec.template.spec.containers: Required value',
  ]);
});

test('hostNetwork: a template may leave hostPort unset, not mismatched', () => {
  const ok = errorsOf({ hostNetwork: true, containers: [nginx({ ports: [{ containerPort: 80 }] })] }, 'spec.template.spec');
  assert.deepEqual(ok, []);
  const bad = errorsOf({ hostNetwork: true, containers: [nginx({ ports: [{ containerPort: 80, hostPort: 81 }] })] }, 'spec.template.spec');
  assert.deepEqual(bad, ['spec.template.spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true']);
});

// ---- QoS --------------------------------------------------------------------------------------

test('QoS class: BestEffort, Burstable, Guaranteed', () => {
  const res = (r: Json) => nginx({ resources: r });
  const cases: [string, Json, string][] = [
    ['no resources', { containers: [nginx()] }, 'BestEffort'],
    ['only non-QoS resources', { containers: [res({ requests: { 'ephemeral-storage': '1Gi' } })] }, 'BestEffort'],
    ['requests only', { containers: [res({ requests: { cpu: '100m' } })] }, 'Burstable'],
    ['kuard (requests below limits)', KUARD, 'Burstable'],
    ['equal requests and limits', { containers: [res({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1000m', memory: '1024Mi' } })] }, 'Guaranteed'],
    ['limits without memory', { containers: [res({ requests: { cpu: '1' }, limits: { cpu: '1' } })] }, 'Burstable'],
    ['one container without limits', { containers: [res({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }), nginx({ name: 'side' })] }, 'Burstable'],
    ['init container counts', {
      initContainers: [{ name: 'init', image: 'busybox', resources: { requests: { cpu: '1' } } }],
      containers: [res({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } })],
    }, 'Burstable'],
  ];
  for (const [name, spec, want] of cases) assert.equal(podQOSClass(spec as PodSpec), want, name);
});
