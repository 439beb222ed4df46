// Protobuf field tables for policy/v1 (format: see protobuf.md — "<number> <jsonName> <type>[ *][ ?]").
// Field numbers are wire facts of k8s.io.api.policy.v1; `?` marks Go pointer scalars whose zero is kept.

export const messages: Record<string, string> = {
  'k8s.io.api.policy.v1.PodDisruptionBudget': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.policy.v1.PodDisruptionBudgetSpec; 3 status k8s.io.api.policy.v1.PodDisruptionBudgetStatus',
  'k8s.io.api.policy.v1.PodDisruptionBudgetSpec': '1 minAvailable k8s.io.apimachinery.pkg.util.intstr.IntOrString; 2 selector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector; 3 maxUnavailable k8s.io.apimachinery.pkg.util.intstr.IntOrString; 4 unhealthyPodEvictionPolicy string ?',
  'k8s.io.api.policy.v1.PodDisruptionBudgetStatus': '1 observedGeneration int64; 2 disruptedPods map<string,k8s.io.apimachinery.pkg.apis.meta.v1.Time>; 3 disruptionsAllowed int32; 4 currentHealthy int32; 5 desiredHealthy int32; 6 expectedPods int32; 7 conditions k8s.io.apimachinery.pkg.apis.meta.v1.Condition *',
  // The body of POST .../pods/<name>/eviction (kubectl drain).
  'k8s.io.api.policy.v1.Eviction': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 deleteOptions k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions',
};
