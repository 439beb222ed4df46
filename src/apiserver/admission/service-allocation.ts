// Allocates Service cluster IPs (from the service CIDR) and node ports (30000-32767) on create,
// keeps them across updates that omit them, and checks requested ones are free, as upstream's
// service REST storage does. What is in use is read from the store, plus in-flight reservations.
import type { Service, ServicePort } from 'kubernetes-types/core/v1';
import type { KObject } from '../../api/types.ts';
import { invalid } from '../../machinery/errors.ts';
import { invalidValue, type FieldError } from '../../machinery/validation.ts';
import type { AdmissionPlugin } from '../admission.ts';

export interface Cidr { base: number; size: number }

export function parseCidr(cidr: string): Cidr {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  const base = ipToInt(ip);
  if (base === undefined || !(prefix >= 8 && prefix <= 30)) throw new Error(`invalid service CIDR ${cidr}`);
  const size = 2 ** (32 - prefix);
  return { base: base - (base % size), size };
}

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** The n-th address of a CIDR (1 → the kubernetes service, 10 → cluster DNS). */
export function nthAddress(cidr: string, n: number): string {
  return intToIp(parseCidr(cidr).base + n);
}

const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

export function serviceAllocation(serviceCidr: string, listServices: () => Promise<KObject[]>): AdmissionPlugin {
  const cidr = parseCidr(serviceCidr);
  const reservedIps = new Set<string>();
  const reservedPorts = new Set<number>();
  const held = new WeakMap<object, { ips: string[]; ports: number[] }>();

  async function inUse() {
    const ips = new Set(reservedIps);
    const ports = new Set(reservedPorts);
    for (const svc of (await listServices()) as Service[]) {
      for (const ip of svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])) ips.add(ip);
      for (const p of svc.spec?.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
    }
    return { ips, ports };
  }

  return {
    name: 'ServiceAllocation',
    async validate(a) {
      if (a.def.group !== '' || a.def.plural !== 'services' || a.subresource) return;
      if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return;
      const svc = a.object as Service;
      const old = a.oldObject as Service | undefined;
      const spec = svc.spec ?? (svc.spec = {});
      const used = await inUse();
      const errs: FieldError[] = [];
      const mine = { ips: [] as string[], ports: [] as number[] };

      // Cluster IP: kept from the stored object when omitted, allocated when new.
      if (spec.type !== 'ExternalName') {
        if (old?.spec?.clusterIP && !spec.clusterIP) spec.clusterIP = old.spec.clusterIP;
        if (!spec.clusterIP) {
          const ip = pickFreeIp(cidr, used.ips);
          if (!ip) errs.push(invalidValue('spec.clusterIPs', [], 'failed to allocate IP: range is full'));
          else { spec.clusterIP = ip; mine.ips.push(ip); }
        } else if (spec.clusterIP !== 'None' && spec.clusterIP !== old?.spec?.clusterIP) {
          const n = ipToInt(spec.clusterIP);
          if (n === undefined || n <= cidr.base || n >= cidr.base + cidr.size - 1) {
            errs.push(invalidValue('spec.clusterIPs', [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${intToIp(cidr.base)}/${32 - Math.log2(cidr.size)}`));
          } else if (used.ips.has(spec.clusterIP)) {
            errs.push(invalidValue('spec.clusterIPs', [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`));
          } else {
            mine.ips.push(spec.clusterIP);
          }
        }
        if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
        if (spec.clusterIP && spec.clusterIP !== 'None') {
          spec.ipFamilies ??= ['IPv4'];
          spec.ipFamilyPolicy ??= 'SingleStack';
        }
      }

      // Node ports for NodePort and LoadBalancer services.
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
        const oldPorts = new Map<string, number>();
        for (const p of old?.spec?.ports ?? []) if (p.nodePort) oldPorts.set(portKey(p), p.nodePort);
        (spec.ports ?? []).forEach((p, i) => {
          if (!p.nodePort && oldPorts.has(portKey(p))) p.nodePort = oldPorts.get(portKey(p));
          const oldHad = [...oldPorts.values()].includes(p.nodePort ?? -1);
          if (!p.nodePort) {
            const port = pickFreePort(used.ports);
            if (!port) errs.push(invalidValue(`spec.ports[${i}].nodePort`, 0, 'failed to allocate a nodePort: range is full'));
            else { p.nodePort = port; used.ports.add(port); mine.ports.push(port); }
          } else if (!oldHad) {
            if (p.nodePort < NODE_PORT_MIN || p.nodePort > NODE_PORT_MAX) {
              errs.push(invalidValue(`spec.ports[${i}].nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`));
            } else if (used.ports.has(p.nodePort)) {
              errs.push(invalidValue(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated'));
            } else { used.ports.add(p.nodePort); mine.ports.push(p.nodePort); }
          }
        });
      } else {
        for (const p of spec.ports ?? []) delete p.nodePort;
      }
      if (errs.length) throw invalid('Service', '', a.name, errs);
      for (const ip of mine.ips) reservedIps.add(ip);
      for (const p of mine.ports) reservedPorts.add(p);
      held.set(a, mine);
    },
    committed(a) {
      const mine = held.get(a);
      if (!mine) return;
      // Once stored (or refused) the store is the truth again.
      for (const ip of mine.ips) reservedIps.delete(ip);
      for (const p of mine.ports) reservedPorts.delete(p);
    },
  };
}

function portKey(p: ServicePort): string {
  return `${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}`;
}

function pickFreeIp(cidr: Cidr, used: Set<string>): string | undefined {
  // .1 is the kubernetes service and .10 cluster DNS by convention; start the search at random
  // in the upper part of the range like upstream, so static picks from the low range rarely clash.
  const first = cidr.base + 1;
  const last = cidr.base + cidr.size - 2;
  const span = last - first + 1;
  const offset = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const ip = intToIp(first + ((offset + i) % span));
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

function pickFreePort(used: Set<number>): number | undefined {
  const span = NODE_PORT_MAX - NODE_PORT_MIN + 1;
  const offset = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = NODE_PORT_MIN + ((offset + i) % span);
    if (!used.has(port)) return port;
  }
  return undefined;
}
