// How each list and map field of the built-in types merges: the facts upstream's Go types declare
// with `patchStrategy`/`patchMergeKey` struct tags and `+listType`/`+listMapKey`/`+mapType`/
// `+structType` markers, written down as skiff's own table. The OpenAPI generator copies them into
// the schema model as x-kubernetes-* extensions; strategic merge patch and server-side apply read
// them from there. A field not listed here is a plain field (lists replace, maps merge by key).

export interface FieldStrategy {
  /** "merge", "retainKeys", "merge,retainKeys" (x-kubernetes-patch-strategy). */
  patchStrategy?: string;
  /** The key that identifies list items under the merge strategy (x-kubernetes-patch-merge-key). */
  patchMergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic' | 'granular';
}

const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const core = 'io.k8s.api.core.v1.';
const apps = 'io.k8s.api.apps.v1.';
const batch = 'io.k8s.api.batch.v1.';
const networking = 'io.k8s.api.networking.v1.';
const discovery = 'io.k8s.api.discovery.v1.';
const rbac = 'io.k8s.api.rbac.v1.';
const policy = 'io.k8s.api.policy.v1.';
const autoscaling = 'io.k8s.api.autoscaling.v2.';
const storage = 'io.k8s.api.storage.v1.';

const atomic: FieldStrategy = { listType: 'atomic' };
const set: FieldStrategy = { listType: 'set' };
const atomicMap: FieldStrategy = { mapType: 'atomic' };
/** Condition lists keyed by type, as most status types declare them. */
const conditionsByType: FieldStrategy = { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] };
const byName = (patchStrategy = 'merge'): FieldStrategy => ({ patchStrategy, patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] });

/** Per definition name, per field. */
export const fieldStrategies: Record<string, Record<string, FieldStrategy>> = {
  // ---- meta/v1
  [meta + 'ObjectMeta']: {
    finalizers: { patchStrategy: 'merge', listType: 'set' },
    ownerReferences: { patchStrategy: 'merge', patchMergeKey: 'uid', listType: 'map', listMapKeys: ['uid'] },
    managedFields: atomic,
  },
  [meta + 'LabelSelector']: { matchExpressions: atomic },
  [meta + 'LabelSelectorRequirement']: { values: atomic },
  [meta + 'StatusDetails']: { causes: atomic },
  [meta + 'DeleteOptions']: { dryRun: atomic },
  [meta + 'APIResource']: { categories: atomic, shortNames: atomic, verbs: atomic },
  [meta + 'APIResourceList']: { resources: atomic },

  // ---- core/v1: pods and their parts
  [core + 'PodSpec']: {
    volumes: byName('merge,retainKeys'),
    initContainers: byName(),
    containers: byName(),
    ephemeralContainers: byName(),
    imagePullSecrets: { patchStrategy: 'merge', patchMergeKey: 'name' },
    hostAliases: { patchStrategy: 'merge', patchMergeKey: 'ip' },
    tolerations: atomic,
    readinessGates: atomic,
    nodeSelector: atomicMap,
    topologySpreadConstraints: { patchStrategy: 'merge', patchMergeKey: 'topologyKey', listType: 'map', listMapKeys: ['topologyKey', 'whenUnsatisfiable'] },
    schedulingGates: byName(),
    resourceClaims: byName('merge,retainKeys'),
  },
  [core + 'Container']: containerStrategies(),
  [core + 'EphemeralContainer']: containerStrategies(),
  [core + 'ResourceRequirements']: { claims: { listType: 'map', listMapKeys: ['name'] } },
  [core + 'PodStatus']: {
    conditions: conditionsByType,
    podIPs: { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'map', listMapKeys: ['ip'] },
    hostIPs: { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'atomic' },
    initContainerStatuses: atomic,
    containerStatuses: atomic,
    ephemeralContainerStatuses: atomic,
    resourceClaimStatuses: byName('merge,retainKeys'),
  },
  [core + 'ContainerStatus']: { allocatedResourcesStatus: { listType: 'map', listMapKeys: ['name'] }, volumeMounts: { listType: 'map', listMapKeys: ['mountPath'] } },
  [core + 'PodSecurityContext']: { supplementalGroups: atomic, sysctls: atomic },
  [core + 'Capabilities']: { add: atomic, drop: atomic },
  [core + 'PodDNSConfig']: { nameservers: atomic, searches: atomic, options: atomic },
  [core + 'HostAlias']: { hostnames: atomic },
  [core + 'ExecAction']: { command: atomic },
  [core + 'HTTPGetAction']: { httpHeaders: atomic },
  [core + 'NodeSelector']: { nodeSelectorTerms: atomic },
  [core + 'NodeSelectorTerm']: { matchExpressions: atomic, matchFields: atomic },
  [core + 'NodeSelectorRequirement']: { values: atomic },
  [core + 'NodeAffinity']: { preferredDuringSchedulingIgnoredDuringExecution: atomic },
  [core + 'PodAffinity']: { requiredDuringSchedulingIgnoredDuringExecution: atomic, preferredDuringSchedulingIgnoredDuringExecution: atomic },
  [core + 'PodAntiAffinity']: { requiredDuringSchedulingIgnoredDuringExecution: atomic, preferredDuringSchedulingIgnoredDuringExecution: atomic },
  [core + 'PodAffinityTerm']: { namespaces: atomic, matchLabelKeys: atomic, mismatchLabelKeys: atomic },
  [core + 'TopologySpreadConstraint']: { matchLabelKeys: atomic },
  [core + 'ConfigMapVolumeSource']: { items: atomic },
  [core + 'SecretVolumeSource']: { items: atomic },
  [core + 'ConfigMapProjection']: { items: atomic },
  [core + 'SecretProjection']: { items: atomic },
  [core + 'DownwardAPIVolumeSource']: { items: atomic },
  [core + 'DownwardAPIProjection']: { items: atomic },
  [core + 'ProjectedVolumeSource']: { sources: atomic },
  [core + 'CephFSVolumeSource']: { monitors: atomic },
  [core + 'CephFSPersistentVolumeSource']: { monitors: atomic },
  [core + 'RBDVolumeSource']: { monitors: atomic },
  [core + 'RBDPersistentVolumeSource']: { monitors: atomic },
  [core + 'ISCSIVolumeSource']: { portals: atomic },
  [core + 'ISCSIPersistentVolumeSource']: { portals: atomic },
  [core + 'FCVolumeSource']: { targetWWNs: atomic, wwids: atomic },

  // ---- core/v1: other kinds
  [core + 'ServiceSpec']: {
    ports: { patchStrategy: 'merge', patchMergeKey: 'port', listType: 'map', listMapKeys: ['port', 'protocol'] },
    selector: atomicMap,
    clusterIPs: atomic,
    externalIPs: atomic,
    loadBalancerSourceRanges: atomic,
    ipFamilies: atomic,
  },
  [core + 'ServiceStatus']: { conditions: conditionsByType },
  [core + 'LoadBalancerStatus']: { ingress: atomic },
  [core + 'LoadBalancerIngress']: { ports: atomic },
  [core + 'Endpoints']: { subsets: atomic },
  [core + 'EndpointSubset']: { addresses: atomic, notReadyAddresses: atomic, ports: atomic },
  [core + 'ServiceAccount']: { secrets: byName(), imagePullSecrets: atomic },
  [core + 'NodeSpec']: { podCIDRs: { patchStrategy: 'merge', listType: 'set' }, taints: atomic },
  [core + 'NodeStatus']: {
    conditions: conditionsByType,
    addresses: conditionsByType,
    images: atomic,
    volumesInUse: atomic,
    volumesAttached: atomic,
    runtimeHandlers: atomic,
  },
  [core + 'ContainerImage']: { names: atomic },
  [core + 'NamespaceSpec']: { finalizers: atomic },
  [core + 'NamespaceStatus']: { conditions: conditionsByType },
  [core + 'ReplicationControllerSpec']: { selector: atomicMap },
  [core + 'ReplicationControllerStatus']: { conditions: conditionsByType },
  [core + 'LimitRangeSpec']: { limits: atomic },
  [core + 'ResourceQuotaSpec']: { scopes: atomic },
  [core + 'ScopeSelector']: { matchExpressions: atomic },
  [core + 'ScopedResourceSelectorRequirement']: { values: atomic },
  [core + 'PersistentVolumeSpec']: { accessModes: atomic, mountOptions: atomic },
  [core + 'PersistentVolumeClaimSpec']: { accessModes: atomic },
  [core + 'PersistentVolumeClaimStatus']: { accessModes: atomic, conditions: conditionsByType },

  // ---- apps/v1
  [apps + 'DeploymentSpec']: { strategy: { patchStrategy: 'retainKeys' } },
  [apps + 'DeploymentStatus']: { conditions: conditionsByType },
  [apps + 'ReplicaSetStatus']: { conditions: conditionsByType },
  [apps + 'StatefulSetSpec']: { volumeClaimTemplates: atomic },
  [apps + 'StatefulSetStatus']: { conditions: conditionsByType },
  [apps + 'DaemonSetStatus']: { conditions: conditionsByType },

  // ---- batch/v1
  [batch + 'JobStatus']: { conditions: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'atomic' } },
  [batch + 'PodFailurePolicy']: { rules: atomic },
  [batch + 'PodFailurePolicyRule']: { onPodConditions: atomic },
  [batch + 'PodFailurePolicyOnExitCodesRequirement']: { values: set },
  [batch + 'SuccessPolicy']: { rules: atomic },
  [batch + 'CronJobStatus']: { active: atomic },

  // ---- networking.k8s.io/v1
  [networking + 'IngressSpec']: { tls: atomic, rules: atomic },
  [networking + 'IngressTLS']: { hosts: atomic },
  [networking + 'HTTPIngressRuleValue']: { paths: atomic },
  [networking + 'IngressLoadBalancerStatus']: { ingress: atomic },
  [networking + 'IngressLoadBalancerIngress']: { ports: atomic },
  [networking + 'NetworkPolicySpec']: { ingress: atomic, egress: atomic, policyTypes: atomic },
  [networking + 'NetworkPolicyIngressRule']: { ports: atomic, from: atomic },
  [networking + 'NetworkPolicyEgressRule']: { ports: atomic, to: atomic },
  [networking + 'IPBlock']: { except: atomic },

  // ---- discovery.k8s.io/v1
  [discovery + 'EndpointSlice']: { endpoints: atomic, ports: atomic },
  [discovery + 'Endpoint']: { addresses: set },
  [discovery + 'EndpointHints']: { forZones: atomic },

  // ---- rbac.authorization.k8s.io/v1
  [rbac + 'Role']: { rules: atomic },
  [rbac + 'ClusterRole']: { rules: atomic },
  [rbac + 'AggregationRule']: { clusterRoleSelectors: atomic },
  [rbac + 'PolicyRule']: { verbs: atomic, apiGroups: atomic, resources: atomic, resourceNames: atomic, nonResourceURLs: atomic },
  [rbac + 'RoleBinding']: { subjects: atomic },
  [rbac + 'ClusterRoleBinding']: { subjects: atomic },

  // ---- policy/v1
  [policy + 'PodDisruptionBudgetStatus']: { conditions: conditionsByType },

  // ---- autoscaling/v2
  [autoscaling + 'HorizontalPodAutoscalerSpec']: { metrics: atomic },
  [autoscaling + 'HorizontalPodAutoscalerStatus']: { currentMetrics: atomic, conditions: conditionsByType },
  [autoscaling + 'HPAScalingRules']: { policies: atomic },

  // ---- storage.k8s.io/v1
  [storage + 'StorageClass']: { mountOptions: atomic, allowedTopologies: atomic },
  [core + 'TopologySelectorTerm']: { matchLabelExpressions: atomic },
  [core + 'TopologySelectorLabelRequirement']: { values: atomic },
};

/** Containers and ephemeral containers share their list fields' strategies. */
function containerStrategies(): Record<string, FieldStrategy> {
  return {
    command: atomic,
    args: atomic,
    ports: { patchStrategy: 'merge', patchMergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'] },
    envFrom: atomic,
    env: byName(),
    volumeMounts: { patchStrategy: 'merge', patchMergeKey: 'mountPath', listType: 'map', listMapKeys: ['mountPath'] },
    volumeDevices: { patchStrategy: 'merge', patchMergeKey: 'devicePath', listType: 'map', listMapKeys: ['devicePath'] },
    resizePolicy: atomic,
  };
}

/**
 * Structs upstream marks `+structType=atomic` (x-kubernetes-map-type: atomic on the definition):
 * an apply or patch replaces them whole rather than merging their fields.
 */
export const atomicStructs: string[] = [
  meta + 'LabelSelector',
  meta + 'OwnerReference',
  core + 'ObjectReference',
  core + 'LocalObjectReference',
  core + 'TypedLocalObjectReference',
  core + 'ConfigMapKeySelector',
  core + 'SecretKeySelector',
  core + 'ObjectFieldSelector',
  core + 'ResourceFieldSelector',
  core + 'NodeSelector',
  core + 'NodeSelectorTerm',
  core + 'TopologySelectorTerm',
  core + 'SecretReference',
  rbac + 'RoleRef',
  rbac + 'Subject',
];
