// core/v1 Service: a stable virtual IP (or DNS name) in front of a set of pods.
//
// Order of a write, matching upstream: defaults (including the IP-family fields for this
// single-stack IPv4 cluster) → prepareForCreate/prepareForUpdate (status, clusterIP/clusterIPs
// kept in step, allocated values carried over, fields of an abandoned type dropped) → the
// registry allocates clusterIP(s) and node ports → validate. Allocation itself is the
// registry's; here supplied values are only checked.
import type { LoadBalancerIngress, Service as ServiceType, ServicePort, ServiceSpec, ServiceStatus } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import {
  type FieldError, duplicate, forbiddenField, invalidValue, isDNS1123Subdomain, notSupported, required,
  validateDNS1035Name, validateLabels,
} from '../../../machinery/validation.ts';
import { jsonEqual } from '../../../machinery/meta.ts';
import {
  SUPPORTED_PORT_PROTOCOLS, isValidPortNum, parseIP, validateCIDR, validateDNS1123LabelField, validateIP,
  validateNonSpecialIP, validatePortNumOrName, validateQualifiedNameField,
} from './core-rules.ts';
import { duplicateGo, goServicePortKey, goStringSlice, invalidGo } from './go-values.ts';

type Service = ServiceType & KObject & { status?: ServiceStatus };

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const SESSION_AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const LB_IP_MODES = ['Proxy', 'VIP'];
/** The only IP family skiff's service CIDR serves. */
const CLUSTER_IP_FAMILY = 'IPv4';
const DEFAULT_CLIENT_IP_TIMEOUT = 10800;
const MAX_CLIENT_IP_TIMEOUT = 86400;
const TOPOLOGY_MODE = 'service.kubernetes.io/topology-mode';
const TOPOLOGY_HINTS = 'service.kubernetes.io/topology-aware-hints';
const LB_SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

// ---- predicates ---------------------------------------------------------------------------

const isHeadless = (spec: ServiceSpec): boolean => spec.clusterIPs?.length === 1 && spec.clusterIPs[0] === 'None';
const externallyAccessible = (spec: ServiceSpec): boolean =>
  spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && !!spec.externalIPs?.length);
const needsClusterIP = (spec: ServiceSpec): boolean => spec.type !== 'ExternalName';
const needsNodePort = (spec: ServiceSpec): boolean =>
  spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
const needsHealthCheckNodePort = (spec: ServiceSpec): boolean =>
  spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';

// ---- defaults -----------------------------------------------------------------------------

/** Upstream infers the IP-family fields from what the user gave, falling back to the cluster's family. */
function defaultIPFamilies(spec: ServiceSpec): void {
  if (spec.type === 'ExternalName') return;
  const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  const headless = ips[0] === 'None';
  if (!spec.ipFamilyPolicy) {
    const selectorless = Object.keys(spec.selector ?? {}).length === 0;
    const twoOfSomething = ips.length === 2 || spec.ipFamilies?.length === 2;
    // Selector-less headless services take whatever families the cluster has.
    spec.ipFamilyPolicy = (headless && selectorless) || twoOfSomething ? 'RequireDualStack' : 'SingleStack';
  }
  const families = [...(spec.ipFamilies ?? [])];
  let unservedIP = false;
  if (!headless) {
    // Only IPv4 is inferred: an IPv6 address is left unmatched, and validate reports it.
    ips.forEach((ip, i) => {
      if (i < families.length) return;
      if (parseIP(ip)?.length === 4) families.push('IPv4');
      else unservedIP = true;
    });
  }
  if (families.length === 0 && !unservedIP) families.push(CLUSTER_IP_FAMILY);
  if (families.length) spec.ipFamilies = families;
}

function defaultService(svc: Service): void {
  const spec: ServiceSpec = svc.spec ?? (svc.spec = {});
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT } };
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const port of spec.ports ?? []) {
    if (!port.protocol) port.protocol = 'TCP';
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  if (externallyAccessible(spec) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(spec.type)) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
    for (const ingress of svc.status?.loadBalancer?.ingress ?? []) {
      if (ingress.ip && !ingress.ipMode) ingress.ipMode = 'VIP';
    }
  }
  defaultIPFamilies(spec);
}

// ---- create / update strategy ---------------------------------------------------------------

const sameClusterIPs = (a: ServiceSpec, b: ServiceSpec): boolean => jsonEqual(a.clusterIPs ?? [], b.clusterIPs ?? []);

/** Keeps clusterIP and clusterIPs in step for clients that only know one of them. */
function normalizeClusterIPs(spec: ServiceSpec, old: ServiceSpec | undefined): void {
  if (!old) {
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    return;
  }
  // An older client that patched some other field and sent no clusterIPs.
  if (old.clusterIPs?.length && !spec.clusterIPs?.length && (old.clusterIP ?? '') === (spec.clusterIP ?? '')) {
    spec.clusterIPs = old.clusterIPs;
  }
  if ((old.clusterIP ?? '') !== (spec.clusterIP ?? '')) {
    if (old.clusterIP && !spec.clusterIP) {
      if (sameClusterIPs(old, spec)) delete spec.clusterIPs;
    } else if (sameClusterIPs(old, spec)) {
      spec.clusterIPs = [spec.clusterIP!];
    }
  }
}

/** Values the registry allocated stay when a client replaces the object without them. */
function patchAllocatedValues(spec: ServiceSpec, old: ServiceSpec): void {
  if (needsClusterIP(old) && needsClusterIP(spec)) {
    if (!spec.clusterIP && old.clusterIP) spec.clusterIP = old.clusterIP;
    if (!spec.clusterIPs?.length && old.clusterIPs?.length) spec.clusterIPs = old.clusterIPs;
  }
  if (needsNodePort(old) && needsNodePort(spec)) {
    const used = new Set((spec.ports ?? []).map((p) => p.nodePort).filter((n) => n));
    const byName = new Map((old.ports ?? []).map((p) => [p.name ?? '', p.nodePort]));
    for (const port of spec.ports ?? []) {
      const oldNodePort = byName.get(port.name ?? '');
      if (!port.nodePort && oldNodePort && !used.has(oldNodePort)) port.nodePort = oldNodePort;
    }
  }
  if (needsHealthCheckNodePort(old) && needsHealthCheckNodePort(spec) && !spec.healthCheckNodePort) {
    spec.healthCheckNodePort = old.healthCheckNodePort;
  }
}

/** Fields of the old type go when the type changes, unless the user changed them too. */
function dropTypeDependentFields(svc: Service, old: ServiceSpec): void {
  const spec = svc.spec!;
  if (needsClusterIP(old) && !needsClusterIP(spec)) {
    if (sameClusterIPs(old, spec)) { delete spec.clusterIP; delete spec.clusterIPs; }
    if (jsonEqual(old.ipFamilies ?? [], spec.ipFamilies ?? [])) delete spec.ipFamilies;
    if (old.ipFamilyPolicy === spec.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  const nodePorts = (s: ServiceSpec) => (s.ports ?? []).map((p) => p.nodePort ?? 0);
  if (needsNodePort(old) && !needsNodePort(spec) && jsonEqual(nodePorts(old), nodePorts(spec))) {
    for (const port of spec.ports ?? []) delete port.nodePort;
  }
  if (needsHealthCheckNodePort(old) && !needsHealthCheckNodePort(spec) && old.healthCheckNodePort === spec.healthCheckNodePort) {
    delete spec.healthCheckNodePort;
  }
  if (old.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts !== undefined && old.allocateLoadBalancerNodePorts === spec.allocateLoadBalancerNodePorts) {
      delete spec.allocateLoadBalancerNodePorts;
    }
    if (old.loadBalancerClass === spec.loadBalancerClass) delete spec.loadBalancerClass;
  }
  if (externallyAccessible(old) && !externallyAccessible(spec) && old.externalTrafficPolicy === spec.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
  // Load-balancer status only makes sense for load balancers.
  if (spec.type !== 'LoadBalancer') svc.status = { ...svc.status, loadBalancer: {} };
}

// ---- validation ---------------------------------------------------------------------------

function validatePort(port: ServicePort, requireName: boolean, names: Set<string>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !port.name) {
    errs.push(required(`${field}.name`));
  } else if (port.name) {
    errs.push(...validateDNS1123LabelField(port.name, `${field}.name`));
    if (names.has(port.name)) errs.push(duplicate(`${field}.name`, port.name));
    else names.add(port.name);
  }
  for (const msg of isValidPortNum(port.port)) errs.push(invalidValue(`${field}.port`, port.port ?? 0, msg));
  if (!port.protocol) errs.push(required(`${field}.protocol`));
  else if (!SUPPORTED_PORT_PROTOCOLS.includes(port.protocol)) errs.push(notSupported(`${field}.protocol`, port.protocol, SUPPORTED_PORT_PROTOCOLS));
  errs.push(...validatePortNumOrName(port.targetPort, `${field}.targetPort`));
  if (port.appProtocol !== undefined) errs.push(...validateQualifiedNameField(port.appProtocol, `${field}.appProtocol`));
  return errs;
}

/** clusterIP, clusterIPs, ipFamilies and ipFamilyPolicy agree with each other and with this cluster. */
function validateClusterIPFields(spec: ServiceSpec): FieldError[] {
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ips = spec.clusterIPs;
  const ipsGo = goStringSlice(ips);
  if (spec.clusterIP) {
    if (!ips?.length) errs.push(required('spec.clusterIPs'));
    else if (ips[0] !== spec.clusterIP) errs.push(invalidGo('spec.clusterIPs', ips, ipsGo, 'first value must match `clusterIP`'));
  } else if (ips?.length) {
    errs.push(invalidGo('spec.clusterIPs', ips, ipsGo, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  (spec.ipFamilies ?? []).forEach((family, i) => {
    if (!IP_FAMILIES.includes(family)) errs.push(notSupported(`spec.ipFamilies[${i}]`, family, IP_FAMILIES));
    if (seen.has(family)) errs.push(duplicate(`spec.ipFamilies[${i}]`, family));
    seen.add(family);
  });
  if (spec.ipFamilyPolicy !== undefined && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  let badIPs = false;
  (ips ?? []).forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips!.length > 1) {
        badIPs = true;
        errs.push(invalidGo('spec.clusterIPs', ips, ipsGo, "'None' must be the first and only value"));
      }
      return;
    }
    const ipErrs = validateIP(ip, `spec.clusterIPs[${i}]`);
    if (ipErrs.length) badIPs = true;
    errs.push(...ipErrs);
  });
  if ((ips?.length ?? 0) > 2) errs.push(invalidGo('spec.clusterIPs', ips, ipsGo, 'may only hold up to 2 values'));
  if (badIPs) return errs;
  const familyOf = (ip: string) => (parseIP(ip)?.length === 16 ? 'IPv6' : 'IPv4');
  if (ips && ips.length > 1 && familyOf(ips[0]) === familyOf(ips[1])) {
    errs.push(invalidGo('spec.clusterIPs', ips, ipsGo, 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadless(spec) && ips?.length && spec.ipFamilies?.length) {
    ips.forEach((ip, i) => {
      const family = spec.ipFamilies![i];
      if (family === undefined) return;
      if (family === 'IPv4' && familyOf(ip) === 'IPv6') errs.push(invalidValue(`spec.clusterIPs[${i}]`, ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (family === 'IPv6' && familyOf(ip) === 'IPv4') errs.push(invalidValue(`spec.clusterIPs[${i}]`, ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  if (errs.length) return errs;
  // What this single-stack IPv4 cluster can serve (upstream checks these while allocating).
  if (!isHeadless(spec)) {
    (ips ?? []).forEach((ip, i) => {
      if (i >= (spec.ipFamilies?.length ?? 0) && familyOf(ip) !== CLUSTER_IP_FAMILY) {
        errs.push(invalidGo(`spec.clusterIPs[${i}]`, ips, ipsGo, `${familyOf(ip)} is not configured on this cluster`));
      }
    });
  }
  const selectorlessHeadless = isHeadless(spec) && Object.keys(spec.selector ?? {}).length === 0;
  if (!selectorlessHeadless) {
    if (spec.ipFamilyPolicy === 'RequireDualStack') {
      errs.push(invalidValue('spec.ipFamilyPolicy', spec.ipFamilyPolicy, 'this cluster is not configured for dual-stack services'));
    }
    (spec.ipFamilies ?? []).forEach((family, i) => {
      if (family !== CLUSTER_IP_FAMILY) errs.push(invalidValue(`spec.ipFamilies[${i}]`, family, `${family} is not configured on this cluster`));
    });
  }
  return errs;
}

function validateTrafficPolicies(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  if (!externallyAccessible(spec)) {
    if (spec.externalTrafficPolicy) {
      errs.push(invalidValue('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
    }
  } else if (!spec.externalTrafficPolicy) {
    errs.push(required('spec.externalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(spec.externalTrafficPolicy)) {
    errs.push(notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, TRAFFIC_POLICIES));
  }
  if (!needsHealthCheckNodePort(spec)) {
    if (spec.healthCheckNodePort) {
      errs.push(invalidValue('spec.healthCheckNodePort', spec.healthCheckNodePort,
        "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    }
  } else if (!spec.healthCheckNodePort) {
    errs.push(required('spec.healthCheckNodePort'));
  } else {
    for (const msg of isValidPortNum(spec.healthCheckNodePort)) errs.push(invalidValue('spec.healthCheckNodePort', spec.healthCheckNodePort, msg));
  }
  if (spec.internalTrafficPolicy === undefined) {
    if (['NodePort', 'LoadBalancer', 'ClusterIP'].includes(spec.type ?? '')) errs.push(required('spec.internalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(spec.internalTrafficPolicy)) {
    errs.push(notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  }
  if (spec.trafficDistribution !== undefined && spec.trafficDistribution !== 'PreferClose') {
    errs.push(notSupported('spec.trafficDistribution', spec.trafficDistribution, ['PreferClose']));
  }
  return errs;
}

function validateService(svc: Service): FieldError[] {
  const errs: FieldError[] = [];
  const spec: ServiceSpec = svc.spec ?? {};
  const annotations = svc.metadata?.annotations ?? {};
  if (TOPOLOGY_MODE in annotations && TOPOLOGY_HINTS in annotations && annotations[TOPOLOGY_MODE] !== annotations[TOPOLOGY_HINTS]) {
    errs.push(invalidValue(`metadata.annotations[${TOPOLOGY_MODE}]`, annotations[TOPOLOGY_MODE],
      `must match annotations[${TOPOLOGY_HINTS}] when both are specified`));
  }
  const ports = spec.ports ?? [];
  if (ports.length === 0 && !isHeadless(spec) && spec.type !== 'ExternalName') errs.push(required('spec.ports'));
  if ((spec.type === 'LoadBalancer' || spec.type === 'NodePort') && isHeadless(spec)) {
    errs.push(invalidValue('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`));
  }
  if (spec.type === 'ExternalName') {
    if (spec.clusterIPs?.length) errs.push(forbiddenField('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (spec.ipFamilies?.length) errs.push(forbiddenField('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy !== undefined) errs.push(forbiddenField('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    // A CNAME may end in a dot to mark it fully qualified.
    const cname = (spec.externalName ?? '').replace(/\.$/, '');
    if (cname) errs.push(...isDNS1123Subdomain(cname).map((msg) => invalidValue('spec.externalName', cname, msg)));
    else errs.push(required('spec.externalName'));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validatePort(p, ports.length > 1, names, `spec.ports[${i}]`)));
  if (spec.selector) errs.push(...validateLabels(spec.selector, 'spec.selector'));

  if (!spec.sessionAffinity) {
    errs.push(required('spec.sessionAffinity'));
  } else if (!SESSION_AFFINITIES.includes(spec.sessionAffinity)) {
    errs.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, SESSION_AFFINITIES));
  }
  if (spec.sessionAffinity === 'ClientIP') {
    const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    const why = 'when session affinity type is ClientIP';
    if (!spec.sessionAffinityConfig) errs.push(required('spec.sessionAffinityConfig', why));
    else if (!spec.sessionAffinityConfig.clientIP) errs.push(required('spec.sessionAffinityConfig.clientIP', why));
    else if (timeout === undefined) errs.push(required('spec.sessionAffinityConfig.clientIP.timeoutSeconds', why));
    else if (timeout <= 0 || timeout > MAX_CLIENT_IP_TIMEOUT) {
      errs.push(invalidValue('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, `must be greater than 0 and less than ${MAX_CLIENT_IP_TIMEOUT}`));
    }
  } else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig) {
    errs.push(forbiddenField('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }

  errs.push(...validateClusterIPFields(spec));
  (spec.externalIPs ?? []).forEach((ip, i) => {
    const ipErrs = validateIP(ip, `spec.externalIPs[${i}]`);
    errs.push(...(ipErrs.length ? ipErrs : validateNonSpecialIP(ip, `spec.externalIPs[${i}]`)));
  });
  if (!spec.type) errs.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(spec.type)) errs.push(notSupported('spec.type', spec.type, SERVICE_TYPES));
  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p.nodePort) errs.push(forbiddenField(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  // Duplicates are judged per protocol: 53/TCP and 53/UDP may coexist.
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (!p.nodePort) return;
    const key = `${p.protocol}/${p.nodePort}`;
    if (nodePorts.has(key)) errs.push(duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
    nodePorts.add(key);
  });
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p.protocol}/${p.port}`;
    if (portKeys.has(key)) errs.push(duplicateGo(`spec.ports[${i}]`, p, goServicePortKey(p.protocol, p.port)));
    portKeys.add(key);
  });

  const lbOnly = "may only be used when `type` is 'LoadBalancer'";
  if (spec.loadBalancerSourceRanges?.length) {
    // Upstream spells this path with a capital L.
    if (spec.type !== 'LoadBalancer') errs.push(forbiddenField('spec.LoadBalancerSourceRanges', lbOnly));
    spec.loadBalancerSourceRanges.forEach((r, i) => errs.push(...validateCIDR(r.trim(), `spec.LoadBalancerSourceRanges[${i}]`)));
  } else if (LB_SOURCE_RANGES_ANNOTATION in annotations) {
    const field = `metadata.annotations[${LB_SOURCE_RANGES_ANNOTATION}]`;
    if (spec.type !== 'LoadBalancer') errs.push(forbiddenField(field, lbOnly));
    const value = annotations[LB_SOURCE_RANGES_ANNOTATION].trim();
    if (value) for (const r of value.split(',')) errs.push(...validateCIDR(r.trim(), field));
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.type !== 'LoadBalancer') {
    errs.push(forbiddenField('spec.allocateLoadBalancerNodePorts', lbOnly));
  }
  // Upstream reports this one without the "spec." prefix.
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) errs.push(required('allocateLoadBalancerNodePorts'));
  if (spec.type === 'LoadBalancer') {
    if (spec.loadBalancerClass !== undefined) errs.push(...validateQualifiedNameField(spec.loadBalancerClass, 'spec.loadBalancerClass'));
  } else if (spec.loadBalancerClass !== undefined) {
    errs.push(forbiddenField('spec.loadBalancerClass', lbOnly));
  }
  errs.push(...validateTrafficPolicies(spec));
  return errs;
}

/** The primary cluster IP and IP family may not change; a secondary may be added or released. */
function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const spec: ServiceSpec = svc.spec ?? {};
  const prev: ServiceSpec = old.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.type !== 'ExternalName' && prev.type !== 'ExternalName' && !(isHeadless(spec) && isHeadless(prev))) {
    const ips = spec.clusterIPs ?? [];
    const oldIPs = prev.clusterIPs ?? [];
    const ipsGo = goStringSlice(spec.clusterIPs);
    const changed = (i: number) => invalidGo(`spec.clusterIPs[${i}]`, spec.clusterIPs, ipsGo, 'may not change once set');
    if (oldIPs.length === ips.length) {
      oldIPs.forEach((ip, i) => { if (ip !== ips[i]) errs.push(changed(i)); });
    } else if (oldIPs.length > ips.length) {
      if (ips.length === 0) errs.push(invalidGo('spec.clusterIPs[0]', spec.clusterIPs, ipsGo, 'primary clusterIP can not be unset'));
      if (ips.length > 0 && ips[0] !== oldIPs[0]) errs.push(changed(0));
      if (ips.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
        errs.push(invalidValue('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
      }
    } else if (oldIPs.length > 0 && ips[0] !== oldIPs[0]) {
      errs.push(changed(0));
    }
  }
  if (spec.type !== 'ExternalName' && prev.type !== 'ExternalName' && isHeadless(spec) === isHeadless(prev) && !isHeadless(spec)) {
    const families = spec.ipFamilies ?? [];
    const oldFamilies = prev.ipFamilies ?? [];
    const familiesGo = goStringSlice(spec.ipFamilies, 'core.IPFamily');
    const ipsGo = goStringSlice(spec.clusterIPs);
    if (oldFamilies.length === families.length) {
      oldFamilies.forEach((f, i) => {
        if (f !== families[i]) errs.push(invalidGo('spec.ipFamilies[0]', spec.ipFamilies, familiesGo, 'may not change once set'));
      });
    } else if (oldFamilies.length > families.length) {
      if (!spec.clusterIPs?.length) errs.push(invalidGo('spec.ipFamilies[0]', spec.ipFamilies, familiesGo, 'primary ipFamily can not be unset'));
      if (families.length > 0 && families[0] !== oldFamilies[0]) errs.push(invalidGo('spec.ipFamilies[0]', spec.clusterIPs, ipsGo, 'may not change once set'));
      if (families.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
        errs.push(invalidValue('spec.ipFamilyPolicy', spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
      }
    } else if (oldFamilies.length > 0 && families.length > 0 && families[0] !== oldFamilies[0]) {
      errs.push(invalidGo('spec.ipFamilies[0]', spec.clusterIPs, ipsGo, 'may not change once set'));
    }
  }
  if (spec.type === 'LoadBalancer' && prev.type === 'LoadBalancer' && spec.loadBalancerClass !== prev.loadBalancerClass) {
    errs.push(invalidValue('spec.loadBalancerClass', spec.loadBalancerClass ?? null, 'may not change once set'));
  }
  if (needsHealthCheckNodePort(prev) && needsHealthCheckNodePort(spec) && spec.healthCheckNodePort !== prev.healthCheckNodePort) {
    errs.push(forbiddenField('spec.healthCheckNodePort', 'field is immutable'));
  }
  return errs;
}

function validateLoadBalancerStatus(svc: Service): FieldError[] {
  const ingress: LoadBalancerIngress[] = svc.status?.loadBalancer?.ingress ?? [];
  if (svc.spec?.type !== 'LoadBalancer' && ingress.length) {
    return [forbiddenField('status.loadBalancer.ingress', "may only be used when `spec.type` is 'LoadBalancer'")];
  }
  const errs: FieldError[] = [];
  ingress.forEach((ing, i) => {
    const field = `status.loadBalancer.ingress[${i}]`;
    if (ing.ip) errs.push(...validateIP(ing.ip, `${field}.ip`));
    if (ing.ipMode === undefined) {
      if (ing.ip) errs.push(required(`${field}.ipMode`, 'must be specified when `ip` is set'));
    } else if (!ing.ip) {
      errs.push(forbiddenField(`${field}.ipMode`, 'may not be specified when `ip` is not set'));
    } else if (!LB_IP_MODES.includes(ing.ipMode)) {
      errs.push(notSupported(`${field}.ipMode`, ing.ipMode, LB_IP_MODES));
    }
    if (ing.hostname) {
      errs.push(...isDNS1123Subdomain(ing.hostname).map((msg) => invalidValue(`${field}.hostname`, ing.hostname, msg)));
      if (parseIP(ing.hostname)) errs.push(invalidValue(`${field}.hostname`, ing.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

// ---- table --------------------------------------------------------------------------------

function externalIPCell(svc: Service): string {
  const spec: ServiceSpec = svc.spec ?? {};
  const externalIPs = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = [...new Set((svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter((s) => s))].sort();
      if (externalIPs.length) return [...lb, ...externalIPs].join(',');
      return lb.length ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

function portsCell(ports: ServicePort[] | undefined): string {
  const text = (ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(',');
  return text || '<none>';
}

/** "app=web,tier=front" with keys sorted, or "<none>". */
function selectorCell(selector: Record<string, string> | undefined): string {
  const keys = Object.keys(selector ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${selector![k]}`).join(',') : '<none>';
}

export const services: ResourceDefinition<Service> = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  statusSubresource: true,
  nameValidator: validateDNS1035Name,

  defaults: defaultService,

  prepareForCreate(svc) {
    svc.status = { loadBalancer: {} };
    normalizeClusterIPs(svc.spec ?? (svc.spec = {}), undefined);
  },

  prepareForUpdate(svc, old) {
    const spec = svc.spec ?? (svc.spec = {});
    const prev = old.spec ?? {};
    patchAllocatedValues(spec, prev);
    normalizeClusterIPs(spec, prev);
    dropTypeDependentFields(svc, prev);
  },

  validate: validateService,
  validateUpdate: validateServiceUpdate,
  validateStatus: validateLoadBalancerStatus,

  fieldSelectors: {
    'spec.clusterIP': (svc) => svc.spec?.clusterIP ?? '',
    'spec.type': (svc) => svc.spec?.type ?? '',
  },

  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Type', type: 'string' },
      { name: 'Cluster-IP', type: 'string' },
      { name: 'External-IP', type: 'string' },
      { name: 'Port(s)', type: 'string' },
      { name: 'Age', type: 'string' },
      { name: 'Selector', type: 'string', priority: 1 },
    ],
    row: (svc, ctx) => [
      svc.metadata?.name ?? '',
      svc.spec?.type ?? '',
      svc.spec?.clusterIPs?.[0] ?? '<none>',
      externalIPCell(svc),
      portsCell(svc.spec?.ports),
      ctx.age(svc.metadata?.creationTimestamp),
      selectorCell(svc.spec?.selector),
    ],
  },
};
