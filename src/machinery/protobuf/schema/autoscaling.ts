// Protobuf field tables for autoscaling/v2 and autoscaling/v1 (format: see protobuf.md —
// "<number> <jsonName> <type>[ *][ ?]"). Field numbers are wire facts of k8s.io.api.autoscaling.*;
// `?` marks Go pointer scalars whose zero is kept.

const v2: Record<string, string> = {
  'k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerSpec; 3 status k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerStatus',
  'k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerSpec': '1 scaleTargetRef k8s.io.api.autoscaling.v2.CrossVersionObjectReference; 2 minReplicas int32 ?; 3 maxReplicas int32; 4 metrics k8s.io.api.autoscaling.v2.MetricSpec *; 5 behavior k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerBehavior',
  'k8s.io.api.autoscaling.v2.CrossVersionObjectReference': '1 kind string; 2 name string; 3 apiVersion string',
  'k8s.io.api.autoscaling.v2.MetricSpec': '1 type string; 2 object k8s.io.api.autoscaling.v2.ObjectMetricSource; 3 pods k8s.io.api.autoscaling.v2.PodsMetricSource; 4 resource k8s.io.api.autoscaling.v2.ResourceMetricSource; 5 external k8s.io.api.autoscaling.v2.ExternalMetricSource; 7 containerResource k8s.io.api.autoscaling.v2.ContainerResourceMetricSource',
  'k8s.io.api.autoscaling.v2.ObjectMetricSource': '1 describedObject k8s.io.api.autoscaling.v2.CrossVersionObjectReference; 2 target k8s.io.api.autoscaling.v2.MetricTarget; 3 metric k8s.io.api.autoscaling.v2.MetricIdentifier',
  'k8s.io.api.autoscaling.v2.PodsMetricSource': '1 metric k8s.io.api.autoscaling.v2.MetricIdentifier; 2 target k8s.io.api.autoscaling.v2.MetricTarget',
  'k8s.io.api.autoscaling.v2.ResourceMetricSource': '1 name string; 2 target k8s.io.api.autoscaling.v2.MetricTarget',
  'k8s.io.api.autoscaling.v2.ContainerResourceMetricSource': '1 name string; 2 target k8s.io.api.autoscaling.v2.MetricTarget; 3 container string',
  'k8s.io.api.autoscaling.v2.ExternalMetricSource': '1 metric k8s.io.api.autoscaling.v2.MetricIdentifier; 2 target k8s.io.api.autoscaling.v2.MetricTarget',
  'k8s.io.api.autoscaling.v2.MetricIdentifier': '1 name string; 2 selector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector',
  'k8s.io.api.autoscaling.v2.MetricTarget': '1 type string; 2 value k8s.io.apimachinery.pkg.api.resource.Quantity; 3 averageValue k8s.io.apimachinery.pkg.api.resource.Quantity; 4 averageUtilization int32 ?',
  'k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerBehavior': '1 scaleUp k8s.io.api.autoscaling.v2.HPAScalingRules; 2 scaleDown k8s.io.api.autoscaling.v2.HPAScalingRules',
  'k8s.io.api.autoscaling.v2.HPAScalingRules': '1 selectPolicy string ?; 2 policies k8s.io.api.autoscaling.v2.HPAScalingPolicy *; 3 stabilizationWindowSeconds int32 ?; 4 tolerance k8s.io.apimachinery.pkg.api.resource.Quantity',
  'k8s.io.api.autoscaling.v2.HPAScalingPolicy': '1 type string; 2 value int32; 3 periodSeconds int32',
  'k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerStatus': '1 observedGeneration int64 ?; 2 lastScaleTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 3 currentReplicas int32; 4 desiredReplicas int32; 5 currentMetrics k8s.io.api.autoscaling.v2.MetricStatus *; 6 conditions k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerCondition *',
  'k8s.io.api.autoscaling.v2.MetricStatus': '1 type string; 2 object k8s.io.api.autoscaling.v2.ObjectMetricStatus; 3 pods k8s.io.api.autoscaling.v2.PodsMetricStatus; 4 resource k8s.io.api.autoscaling.v2.ResourceMetricStatus; 5 external k8s.io.api.autoscaling.v2.ExternalMetricStatus; 7 containerResource k8s.io.api.autoscaling.v2.ContainerResourceMetricStatus',
  'k8s.io.api.autoscaling.v2.ObjectMetricStatus': '1 metric k8s.io.api.autoscaling.v2.MetricIdentifier; 2 current k8s.io.api.autoscaling.v2.MetricValueStatus; 3 describedObject k8s.io.api.autoscaling.v2.CrossVersionObjectReference',
  'k8s.io.api.autoscaling.v2.PodsMetricStatus': '1 metric k8s.io.api.autoscaling.v2.MetricIdentifier; 2 current k8s.io.api.autoscaling.v2.MetricValueStatus',
  'k8s.io.api.autoscaling.v2.ResourceMetricStatus': '1 name string; 2 current k8s.io.api.autoscaling.v2.MetricValueStatus',
  'k8s.io.api.autoscaling.v2.ContainerResourceMetricStatus': '1 name string; 2 current k8s.io.api.autoscaling.v2.MetricValueStatus; 3 container string',
  'k8s.io.api.autoscaling.v2.ExternalMetricStatus': '1 metric k8s.io.api.autoscaling.v2.MetricIdentifier; 2 current k8s.io.api.autoscaling.v2.MetricValueStatus',
  'k8s.io.api.autoscaling.v2.MetricValueStatus': '1 value k8s.io.apimachinery.pkg.api.resource.Quantity; 2 averageValue k8s.io.apimachinery.pkg.api.resource.Quantity; 3 averageUtilization int32 ?',
  'k8s.io.api.autoscaling.v2.HorizontalPodAutoscalerCondition': '1 type string; 2 status string; 3 lastTransitionTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 4 reason string; 5 message string',
};

// autoscaling/v1: the scale subresource body (kubectl scale), and the v1 HorizontalPodAutoscaler
// that kubectl autoscale falls back to when the v2 create fails.
const v1: Record<string, string> = {
  'k8s.io.api.autoscaling.v1.Scale': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.autoscaling.v1.ScaleSpec; 3 status k8s.io.api.autoscaling.v1.ScaleStatus',
  'k8s.io.api.autoscaling.v1.ScaleSpec': '1 replicas int32',
  'k8s.io.api.autoscaling.v1.ScaleStatus': '1 replicas int32; 2 selector string',
  'k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.autoscaling.v1.HorizontalPodAutoscalerSpec; 3 status k8s.io.api.autoscaling.v1.HorizontalPodAutoscalerStatus',
  'k8s.io.api.autoscaling.v1.HorizontalPodAutoscalerSpec': '1 scaleTargetRef k8s.io.api.autoscaling.v1.CrossVersionObjectReference; 2 minReplicas int32 ?; 3 maxReplicas int32; 4 targetCPUUtilizationPercentage int32 ?',
  'k8s.io.api.autoscaling.v1.CrossVersionObjectReference': '1 kind string; 2 name string; 3 apiVersion string',
  'k8s.io.api.autoscaling.v1.HorizontalPodAutoscalerStatus': '1 observedGeneration int64 ?; 2 lastScaleTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 3 currentReplicas int32; 4 desiredReplicas int32; 5 currentCPUUtilizationPercentage int32 ?',
};

export const messages: Record<string, string> = { ...v2, ...v1 };
