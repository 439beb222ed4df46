// Protobuf field tables for coordination.k8s.io/v1 (format: see protobuf.md — "<number> <jsonName> <type>[ *][ ?]").
// Field numbers are wire facts of k8s.io.api.coordination.v1; `?` marks Go pointer scalars whose zero is kept.

export const messages: Record<string, string> = {
  'k8s.io.api.coordination.v1.Lease': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.coordination.v1.LeaseSpec',
  'k8s.io.api.coordination.v1.LeaseSpec': '1 holderIdentity string ?; 2 leaseDurationSeconds int32 ?; 3 acquireTime k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime; 4 renewTime k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime; 5 leaseTransitions int32 ?; 6 strategy string ?; 7 preferredHolder string ?',
};
