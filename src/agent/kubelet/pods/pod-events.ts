// Events about a pod or one of its containers, addressed as upstream's kubelet addresses them
// (involvedObject the Pod, fieldPath `spec.containers{name}` for a container).
import type { Container, Pod } from 'kubernetes-types/core/v1';
import type { KObject } from '../../../api/types.ts';
import type { EventRecorder } from '../../../client/event-recorder.ts';

export interface PodEvents {
  pod(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
  container(pod: Pod, c: Container, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export function podEvents(recorder: EventRecorder): PodEvents {
  const target = (pod: Pod) => ({ ...pod, apiVersion: 'v1', kind: 'Pod' }) as KObject;
  return {
    pod: (pod, type, reason, message) => recorder.event(target(pod), type, reason, message),
    container: (pod, c, type, reason, message) => {
      const init = (pod.spec?.initContainers ?? []).some((i) => i.name === c.name);
      recorder.event(target(pod), type, reason, message, `${init ? 'spec.initContainers' : 'spec.containers'}{${c.name}}`);
    },
  };
}
