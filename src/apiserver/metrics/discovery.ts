// Discovery documents for metrics.k8s.io/v1beta1, as metrics-server serves them behind its
// APIService: `kubectl top` looks for the group in /apis (aggregated or legacy) before asking.
import { METRICS_API_VERSION, METRICS_GROUP, METRICS_VERSION } from './resource-metrics.ts';

const RESOURCES = [
  { name: 'nodes', kind: 'NodeMetrics', namespaced: false },
  { name: 'pods', kind: 'PodMetrics', namespaced: true },
];
const VERBS = ['get', 'list'];

/** The APIGroup, for /apis/metrics.k8s.io and an entry of the /apis APIGroupList. */
export function metricsApiGroup() {
  const version = { groupVersion: METRICS_API_VERSION, version: METRICS_VERSION };
  return { kind: 'APIGroup', apiVersion: 'v1', name: METRICS_GROUP, versions: [version], preferredVersion: version };
}

/** /apis/metrics.k8s.io/v1beta1. */
export function metricsApiResourceList() {
  return {
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion: METRICS_API_VERSION,
    resources: RESOURCES.map((r) => ({ name: r.name, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: VERBS })),
  };
}

/** The group's entry in the apidiscovery.k8s.io APIGroupDiscoveryList for /apis. */
export function metricsAggregatedDiscoveryGroup() {
  return {
    metadata: { name: METRICS_GROUP, creationTimestamp: null },
    versions: [{
      version: METRICS_VERSION,
      resources: RESOURCES.map((r) => ({
        resource: r.name,
        responseKind: { group: METRICS_GROUP, version: METRICS_VERSION, kind: r.kind },
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: '',
        verbs: VERBS,
      })),
      freshness: 'Current',
    }],
  };
}
