// Every built-in resource skiff serves. Adding a kind: one file under api/<group>/<version>/ and one line here.
import type { ResourceDefinition } from './types.ts';
import { namespaces } from './core/v1/namespaces.ts';
import { pods } from './core/v1/pods.ts';
import { podTemplates } from './core/v1/podtemplates.ts';
import { replicationControllers } from './core/v1/replicationcontrollers.ts';
import { services } from './core/v1/services.ts';
import { endpoints } from './core/v1/endpoints.ts';
import { configMaps } from './core/v1/configmaps.ts';
import { secrets } from './core/v1/secrets.ts';
import { serviceAccounts } from './core/v1/serviceaccounts.ts';
import { events } from './core/v1/events.ts';
import { nodes } from './core/v1/nodes.ts';
import { limitRanges } from './core/v1/limitranges.ts';
import { resourceQuotas } from './core/v1/resourcequotas.ts';
import { persistentVolumes } from './core/v1/persistentvolumes.ts';
import { persistentVolumeClaims } from './core/v1/persistentvolumeclaims.ts';
import { deployments } from './apps/v1/deployments.ts';
import { replicaSets } from './apps/v1/replicasets.ts';
import { statefulSets } from './apps/v1/statefulsets.ts';
import { daemonSets } from './apps/v1/daemonsets.ts';
import { controllerRevisions } from './apps/v1/controllerrevisions.ts';
import { jobs } from './batch/v1/jobs.ts';
import { cronJobs } from './batch/v1/cronjobs.ts';
import { ingresses } from './networking.k8s.io/v1/ingresses.ts';
import { ingressClasses } from './networking.k8s.io/v1/ingressclasses.ts';
import { networkPolicies } from './networking.k8s.io/v1/networkpolicies.ts';
import { leases } from './coordination.k8s.io/v1/leases.ts';
import { endpointSlices } from './discovery.k8s.io/v1/endpointslices.ts';
import { eventsV1 } from './events.k8s.io/v1/events.ts';
import { roles } from './rbac.authorization.k8s.io/v1/roles.ts';
import { clusterRoles } from './rbac.authorization.k8s.io/v1/clusterroles.ts';
import { roleBindings } from './rbac.authorization.k8s.io/v1/rolebindings.ts';
import { clusterRoleBindings } from './rbac.authorization.k8s.io/v1/clusterrolebindings.ts';
import { podDisruptionBudgets } from './policy/v1/poddisruptionbudgets.ts';
import { horizontalPodAutoscalers } from './autoscaling/v2/horizontalpodautoscalers.ts';
import { priorityClasses } from './scheduling.k8s.io/v1/priorityclasses.ts';
import { storageClasses } from './storage.k8s.io/v1/storageclasses.ts';
import { customResourceDefinitions } from './apiextensions.k8s.io/v1/customresourcedefinitions.ts';

export const allResources: ResourceDefinition[] = [
  pods, services, endpoints, configMaps, secrets, serviceAccounts, events, namespaces, nodes,
  limitRanges, resourceQuotas, persistentVolumes, persistentVolumeClaims, podTemplates, replicationControllers,
  deployments, replicaSets, statefulSets, daemonSets, controllerRevisions,
  jobs, cronJobs,
  ingresses, ingressClasses, networkPolicies,
  leases, endpointSlices, eventsV1,
  roles, clusterRoles, roleBindings, clusterRoleBindings,
  podDisruptionBudgets, horizontalPodAutoscalers, priorityClasses, storageClasses,
  customResourceDefinitions,
];
