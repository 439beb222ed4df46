// Protobuf field tables for storage.k8s.io/v1 (format: see protobuf.md — "<number> <jsonName> <type>[ *][ ?]").
// Field numbers are wire facts of k8s.io.api.storage.v1; `?` marks Go pointer scalars whose zero is kept.

export const messages: Record<string, string> = {
  // allowedTopologies refers to core's TopologySelectorTerm (defined in core.ts).
  'k8s.io.api.storage.v1.StorageClass': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 provisioner string; 3 parameters map<string,string>; 4 reclaimPolicy string ?; 5 mountOptions string *; 6 allowVolumeExpansion bool ?; 7 volumeBindingMode string ?; 8 allowedTopologies k8s.io.api.core.v1.TopologySelectorTerm *',
};
