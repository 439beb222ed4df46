// Protobuf field tables for k8s.io.apimachinery.pkg.apis.meta.v1 and k8s.io.apimachinery.pkg.runtime
// (format: see protobuf.md and codec.ts). Time, MicroTime, Duration, FieldsV1, RawExtension, Quantity
// and IntOrString are not here: the codec converts them to their JSON forms itself.

export const messages: Record<string, string> = {
  'k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta': '1 name string; 2 generateName string; 3 namespace string; 4 selfLink string; 5 uid string; 6 resourceVersion string; 7 generation int64; 8 creationTimestamp k8s.io.apimachinery.pkg.apis.meta.v1.Time; 9 deletionTimestamp k8s.io.apimachinery.pkg.apis.meta.v1.Time; 10 deletionGracePeriodSeconds int64 ?; 11 labels map<string,string>; 12 annotations map<string,string>; 13 ownerReferences k8s.io.apimachinery.pkg.apis.meta.v1.OwnerReference *; 14 finalizers string *; 17 managedFields k8s.io.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry *',
  'k8s.io.apimachinery.pkg.apis.meta.v1.OwnerReference': '5 apiVersion string; 1 kind string; 3 name string; 4 uid string; 6 controller bool ?; 7 blockOwnerDeletion bool ?',
  'k8s.io.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry': '1 manager string; 2 operation string; 3 apiVersion string; 4 time k8s.io.apimachinery.pkg.apis.meta.v1.Time; 6 fieldsType string; 7 fieldsV1 k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1; 8 subresource string',
  'k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta': '1 selfLink string; 2 resourceVersion string; 3 continue string; 4 remainingItemCount int64 ?',
  'k8s.io.apimachinery.pkg.apis.meta.v1.TypeMeta': '1 kind string; 2 apiVersion string',
  'k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector': '1 matchLabels map<string,string>; 2 matchExpressions k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement *',
  'k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement': '1 key string; 2 operator string; 3 values string *',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Condition': '1 type string; 2 status string; 3 observedGeneration int64; 4 lastTransitionTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 5 reason string; 6 message string',
  'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions': '1 gracePeriodSeconds int64 ?; 2 preconditions k8s.io.apimachinery.pkg.apis.meta.v1.Preconditions; 3 orphanDependents bool ?; 4 propagationPolicy string ?; 5 dryRun string *; 6 ignoreStoreReadErrorWithClusterBreakingPotential bool ?',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Preconditions': '1 uid string ?; 2 resourceVersion string ?',
  'k8s.io.apimachinery.pkg.apis.meta.v1.CreateOptions': '1 dryRun string *; 3 fieldManager string; 4 fieldValidation string',
  'k8s.io.apimachinery.pkg.apis.meta.v1.UpdateOptions': '1 dryRun string *; 2 fieldManager string; 3 fieldValidation string',
  'k8s.io.apimachinery.pkg.apis.meta.v1.PatchOptions': '1 dryRun string *; 2 force bool ?; 3 fieldManager string; 4 fieldValidation string',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Status': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 status string; 3 message string; 4 reason string; 5 details k8s.io.apimachinery.pkg.apis.meta.v1.StatusDetails; 6 code int32',
  'k8s.io.apimachinery.pkg.apis.meta.v1.StatusDetails': '1 name string; 2 group string; 3 kind string; 6 uid string; 4 causes k8s.io.apimachinery.pkg.apis.meta.v1.StatusCause *; 5 retryAfterSeconds int32',
  'k8s.io.apimachinery.pkg.apis.meta.v1.StatusCause': '1 reason string; 2 message string; 3 field string',
  'k8s.io.apimachinery.pkg.apis.meta.v1.PartialObjectMetadata': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta',
  'k8s.io.apimachinery.pkg.apis.meta.v1.GroupVersionKind': '1 group string; 2 version string; 3 kind string',
  'k8s.io.apimachinery.pkg.apis.meta.v1.GroupVersionResource': '1 group string; 2 version string; 3 resource string',
  'k8s.io.apimachinery.pkg.apis.meta.v1.GroupKind': '1 group string; 2 kind string',
  'k8s.io.apimachinery.pkg.apis.meta.v1.GroupResource': '1 group string; 2 resource string',
  'k8s.io.apimachinery.pkg.apis.meta.v1.GroupVersion': '1 group string; 2 version string',
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldSelectorRequirement': '1 key string; 2 operator string; 3 values string *',
  // runtime.Unknown is the envelope of every protobuf body (after the 4 magic bytes).
  'k8s.io.apimachinery.pkg.runtime.Unknown': '1 typeMeta k8s.io.apimachinery.pkg.runtime.TypeMeta inline; 2 raw bytes; 3 contentEncoding string; 4 contentType string',
  'k8s.io.apimachinery.pkg.runtime.TypeMeta': '1 apiVersion string; 2 kind string',
};
