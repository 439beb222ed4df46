// Protobuf field tables for discovery.k8s.io/v1 (format: see protobuf.md — "<number> <jsonName> <type>[ *][ ?]").
// Field numbers are wire facts of k8s.io.api.discovery.v1; `?` marks Go pointer scalars whose zero is kept.

export const messages: Record<string, string> = {
  'k8s.io.api.discovery.v1.EndpointSlice': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 endpoints k8s.io.api.discovery.v1.Endpoint *; 3 ports k8s.io.api.discovery.v1.EndpointPort *; 4 addressType string',
  'k8s.io.api.discovery.v1.Endpoint': '1 addresses string *; 2 conditions k8s.io.api.discovery.v1.EndpointConditions; 3 hostname string ?; 4 targetRef k8s.io.api.core.v1.ObjectReference; 5 deprecatedTopology map<string,string>; 6 nodeName string ?; 7 zone string ?; 8 hints k8s.io.api.discovery.v1.EndpointHints',
  'k8s.io.api.discovery.v1.EndpointConditions': '1 ready bool ?; 2 serving bool ?; 3 terminating bool ?',
  'k8s.io.api.discovery.v1.EndpointHints': '1 forZones k8s.io.api.discovery.v1.ForZone *; 2 forNodes k8s.io.api.discovery.v1.ForNode *',
  'k8s.io.api.discovery.v1.ForZone': '1 name string',
  'k8s.io.api.discovery.v1.ForNode': '1 name string',
  'k8s.io.api.discovery.v1.EndpointPort': '1 name string ?; 2 protocol string ?; 3 port int32 ?; 4 appProtocol string ?',
};
