// Downward API files: pod metadata (name, namespace, uid, labels, annotations) and a container's
// resource requests/limits, rendered as upstream's kubelet renders them (maps as sorted
// `key="value"` lines, resources rounded up to whole divisors, unset limits = node allocatable).
import type { Container, DownwardAPIVolumeFile, Pod } from 'kubernetes-types/core/v1';
import { milliValue, parseQuantity, value } from '../../../machinery/quantity.ts';
import type { Payload } from './atomic-writer.ts';
import { goQuote } from '../../../machinery/fieldpath.ts';

/** What an unset limit stands for: the node's allocatable amounts (e.g. { cpu: '2', memory: '8Gi' }). */
export type NodeAllocatable = Record<string, string>;

export function downwardApiPayload(pod: Pod, items: DownwardAPIVolumeFile[], defaultMode: number, allocatable: NodeAllocatable): Payload {
  const payload: Payload = new Map();
  for (const item of items) {
    let text: string;
    if (item.fieldRef) text = podFieldValue(pod, item.fieldRef.fieldPath);
    else if (item.resourceFieldRef) {
      const containerName = item.resourceFieldRef.containerName;
      const container = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === containerName);
      if (!container) throw new Error(`container ${containerName} not found`);
      text = containerResourceValue(container, item.resourceFieldRef.resource, item.resourceFieldRef.divisor, allocatable);
    } else {
      throw new Error(`downwardAPI item ${item.path} has neither fieldRef nor resourceFieldRef`);
    }
    payload.set(item.path, { data: text, mode: item.mode ?? defaultMode });
  }
  return payload;
}

/** A pod field as a downward API file shows it. */
export function podFieldValue(pod: Pod, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const subscript = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (subscript) return (subscript[1] === 'labels' ? meta.labels : meta.annotations)?.[subscript[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name': return meta.name ?? '';
    case 'metadata.namespace': return meta.namespace ?? '';
    case 'metadata.uid': return meta.uid ?? '';
    case 'metadata.labels': return formatMap(meta.labels ?? {});
    case 'metadata.annotations': return formatMap(meta.annotations ?? {});
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP': return pod.status?.podIP ?? '';
    case 'status.hostIP': return pod.status?.hostIP ?? '';
    default: throw new Error(`unsupported fieldPath: ${fieldPath}`);
  }
}

/** upstream's FormatMap: `key="value"` per line, keys sorted, values quoted as Go's %q. */
export function formatMap(m: Record<string, string>): string {
  return Object.keys(m).sort().map((k) => `${k}=${goQuote(m[k])}`).join('\n');
}

/** `limits.cpu`, `requests.memory`, ...: the amount in whole divisors, rounded up. */
export function containerResourceValue(container: Container, resource: string, divisor: string | undefined, allocatable: NodeAllocatable): string {
  const [kind, name] = resource.split(/\.(.*)/s, 2) as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !name) throw new Error(`unsupported container resource : ${resource}`);
  let amount = (kind === 'limits' ? container.resources?.limits : container.resources?.requests)?.[name];
  if (amount === undefined && kind === 'limits') amount = allocatable[name];
  const q = parseQuantity(amount ?? '0');
  const div = parseQuantity(divisor && divisor !== '0' ? divisor : '1');
  if (name === 'cpu') return String(Math.ceil(milliValue(q) / milliValue(div)));
  return String(Math.ceil(value(q) / value(div)));
}
