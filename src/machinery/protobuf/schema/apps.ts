// Protobuf field tables for apps/v1 (format: see protobuf.md — "<number> <jsonName> <type>[ *][ ?]").
// Field numbers are wire facts of k8s.io.api.apps.v1; `?` marks Go pointer scalars whose zero is kept.

export const messages: Record<string, string> = {
  'k8s.io.api.apps.v1.Deployment': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.apps.v1.DeploymentSpec; 3 status k8s.io.api.apps.v1.DeploymentStatus',
  'k8s.io.api.apps.v1.DeploymentSpec': '1 replicas int32 ?; 2 selector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector; 3 template k8s.io.api.core.v1.PodTemplateSpec; 4 strategy k8s.io.api.apps.v1.DeploymentStrategy; 5 minReadySeconds int32; 6 revisionHistoryLimit int32 ?; 7 paused bool; 9 progressDeadlineSeconds int32 ?; 10 podReplacementPolicy string ?',
  'k8s.io.api.apps.v1.DeploymentStrategy': '1 type string; 2 rollingUpdate k8s.io.api.apps.v1.RollingUpdateDeployment',
  'k8s.io.api.apps.v1.RollingUpdateDeployment': '1 maxUnavailable k8s.io.apimachinery.pkg.util.intstr.IntOrString; 2 maxSurge k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  'k8s.io.api.apps.v1.DeploymentStatus': '1 observedGeneration int64; 2 replicas int32; 3 updatedReplicas int32; 4 availableReplicas int32; 5 unavailableReplicas int32; 6 conditions k8s.io.api.apps.v1.DeploymentCondition *; 7 readyReplicas int32; 8 collisionCount int32 ?; 9 terminatingReplicas int32 ?',
  'k8s.io.api.apps.v1.DeploymentCondition': '1 type string; 2 status string; 4 reason string; 5 message string; 6 lastUpdateTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 7 lastTransitionTime k8s.io.apimachinery.pkg.apis.meta.v1.Time',

  'k8s.io.api.apps.v1.ReplicaSet': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.apps.v1.ReplicaSetSpec; 3 status k8s.io.api.apps.v1.ReplicaSetStatus',
  'k8s.io.api.apps.v1.ReplicaSetSpec': '1 replicas int32 ?; 2 selector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector; 3 template k8s.io.api.core.v1.PodTemplateSpec; 4 minReadySeconds int32',
  'k8s.io.api.apps.v1.ReplicaSetStatus': '1 replicas int32; 2 fullyLabeledReplicas int32; 3 observedGeneration int64; 4 readyReplicas int32; 5 availableReplicas int32; 6 conditions k8s.io.api.apps.v1.ReplicaSetCondition *; 7 terminatingReplicas int32 ?',
  'k8s.io.api.apps.v1.ReplicaSetCondition': '1 type string; 2 status string; 3 lastTransitionTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 4 reason string; 5 message string',

  'k8s.io.api.apps.v1.StatefulSet': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.apps.v1.StatefulSetSpec; 3 status k8s.io.api.apps.v1.StatefulSetStatus',
  'k8s.io.api.apps.v1.StatefulSetSpec': '1 replicas int32 ?; 2 selector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector; 3 template k8s.io.api.core.v1.PodTemplateSpec; 4 volumeClaimTemplates k8s.io.api.core.v1.PersistentVolumeClaim *; 5 serviceName string; 6 podManagementPolicy string; 7 updateStrategy k8s.io.api.apps.v1.StatefulSetUpdateStrategy; 8 revisionHistoryLimit int32 ?; 9 minReadySeconds int32; 10 persistentVolumeClaimRetentionPolicy k8s.io.api.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy; 11 ordinals k8s.io.api.apps.v1.StatefulSetOrdinals',
  'k8s.io.api.apps.v1.StatefulSetUpdateStrategy': '1 type string; 2 rollingUpdate k8s.io.api.apps.v1.RollingUpdateStatefulSetStrategy',
  'k8s.io.api.apps.v1.RollingUpdateStatefulSetStrategy': '1 partition int32 ?; 2 maxUnavailable k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  'k8s.io.api.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy': '1 whenDeleted string; 2 whenScaled string',
  'k8s.io.api.apps.v1.StatefulSetOrdinals': '1 start int32',
  'k8s.io.api.apps.v1.StatefulSetStatus': '1 observedGeneration int64; 2 replicas int32; 3 readyReplicas int32; 4 currentReplicas int32; 5 updatedReplicas int32; 6 currentRevision string; 7 updateRevision string; 9 collisionCount int32 ?; 10 conditions k8s.io.api.apps.v1.StatefulSetCondition *; 11 availableReplicas int32',
  'k8s.io.api.apps.v1.StatefulSetCondition': '1 type string; 2 status string; 3 lastTransitionTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 4 reason string; 5 message string',

  'k8s.io.api.apps.v1.DaemonSet': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.apps.v1.DaemonSetSpec; 3 status k8s.io.api.apps.v1.DaemonSetStatus',
  'k8s.io.api.apps.v1.DaemonSetSpec': '1 selector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector; 2 template k8s.io.api.core.v1.PodTemplateSpec; 3 updateStrategy k8s.io.api.apps.v1.DaemonSetUpdateStrategy; 4 minReadySeconds int32; 6 revisionHistoryLimit int32 ?',
  'k8s.io.api.apps.v1.DaemonSetUpdateStrategy': '1 type string; 2 rollingUpdate k8s.io.api.apps.v1.RollingUpdateDaemonSet',
  'k8s.io.api.apps.v1.RollingUpdateDaemonSet': '1 maxUnavailable k8s.io.apimachinery.pkg.util.intstr.IntOrString; 2 maxSurge k8s.io.apimachinery.pkg.util.intstr.IntOrString',
  'k8s.io.api.apps.v1.DaemonSetStatus': '1 currentNumberScheduled int32; 2 numberMisscheduled int32; 3 desiredNumberScheduled int32; 4 numberReady int32; 5 observedGeneration int64; 6 updatedNumberScheduled int32; 7 numberAvailable int32; 8 numberUnavailable int32; 9 collisionCount int32 ?; 10 conditions k8s.io.api.apps.v1.DaemonSetCondition *',
  'k8s.io.api.apps.v1.DaemonSetCondition': '1 type string; 2 status string; 3 lastTransitionTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 4 reason string; 5 message string',

  'k8s.io.api.apps.v1.ControllerRevision': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 data k8s.io.apimachinery.pkg.runtime.RawExtension; 3 revision int64',
};
