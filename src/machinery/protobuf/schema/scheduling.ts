// Protobuf field tables for scheduling.k8s.io/v1 (format: see protobuf.md — "<number> <jsonName> <type>[ *][ ?]").
// Field numbers are wire facts of k8s.io.api.scheduling.v1; `?` marks fields whose zero is kept.

export const messages: Record<string, string> = {
  // value is a plain int32 but has no omitempty in Go's JSON tag, so Go always emits it (value: 0 included);
  // it is marked `?` so a zero priority survives decoding instead of vanishing from the stored object.
  'k8s.io.api.scheduling.v1.PriorityClass': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 value int32 ?; 3 globalDefault bool; 4 description string; 5 preemptionPolicy string ?',
};
