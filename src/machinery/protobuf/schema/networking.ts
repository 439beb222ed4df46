// Protobuf field tables for networking/v1 (format: see protobuf.md — "<number> <jsonName> <type>[ *][ ?]").
// Field numbers are wire facts of k8s.io.api.networking.v1; `?` marks Go pointer scalars whose zero is kept.

export const messages: Record<string, string> = {
  'k8s.io.api.networking.v1.Ingress': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.networking.v1.IngressSpec; 3 status k8s.io.api.networking.v1.IngressStatus',
  'k8s.io.api.networking.v1.IngressSpec': '1 defaultBackend k8s.io.api.networking.v1.IngressBackend; 2 tls k8s.io.api.networking.v1.IngressTLS *; 3 rules k8s.io.api.networking.v1.IngressRule *; 4 ingressClassName string ?',
  'k8s.io.api.networking.v1.IngressBackend': '3 resource k8s.io.api.core.v1.TypedLocalObjectReference; 4 service k8s.io.api.networking.v1.IngressServiceBackend',
  'k8s.io.api.networking.v1.IngressServiceBackend': '1 name string; 2 port k8s.io.api.networking.v1.ServiceBackendPort',
  'k8s.io.api.networking.v1.ServiceBackendPort': '1 name string; 2 number int32',
  'k8s.io.api.networking.v1.IngressTLS': '1 hosts string *; 2 secretName string',
  // ingressRuleValue is embedded inline in Go, so its fields (http) sit directly in the rule's JSON.
  'k8s.io.api.networking.v1.IngressRule': '1 host string; 2 ingressRuleValue k8s.io.api.networking.v1.IngressRuleValue inline',
  'k8s.io.api.networking.v1.IngressRuleValue': '1 http k8s.io.api.networking.v1.HTTPIngressRuleValue',
  'k8s.io.api.networking.v1.HTTPIngressRuleValue': '1 paths k8s.io.api.networking.v1.HTTPIngressPath *',
  'k8s.io.api.networking.v1.HTTPIngressPath': '1 path string; 2 backend k8s.io.api.networking.v1.IngressBackend; 3 pathType string ?',
  'k8s.io.api.networking.v1.IngressStatus': '1 loadBalancer k8s.io.api.networking.v1.IngressLoadBalancerStatus',
  'k8s.io.api.networking.v1.IngressLoadBalancerStatus': '1 ingress k8s.io.api.networking.v1.IngressLoadBalancerIngress *',
  'k8s.io.api.networking.v1.IngressLoadBalancerIngress': '1 ip string; 2 hostname string; 4 ports k8s.io.api.networking.v1.IngressPortStatus *',
  'k8s.io.api.networking.v1.IngressPortStatus': '1 port int32; 2 protocol string; 3 error string ?',

  'k8s.io.api.networking.v1.IngressClass': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.networking.v1.IngressClassSpec',
  'k8s.io.api.networking.v1.IngressClassSpec': '1 controller string; 2 parameters k8s.io.api.networking.v1.IngressClassParametersReference',
  // The proto name of field 1 is "aPIGroup"; its JSON name is "apiGroup".
  'k8s.io.api.networking.v1.IngressClassParametersReference': '1 apiGroup string ?; 2 kind string; 3 name string; 4 scope string ?; 5 namespace string ?',

  'k8s.io.api.networking.v1.NetworkPolicy': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.networking.v1.NetworkPolicySpec',
  'k8s.io.api.networking.v1.NetworkPolicySpec': '1 podSelector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector; 2 ingress k8s.io.api.networking.v1.NetworkPolicyIngressRule *; 3 egress k8s.io.api.networking.v1.NetworkPolicyEgressRule *; 4 policyTypes string *',
  'k8s.io.api.networking.v1.NetworkPolicyIngressRule': '1 ports k8s.io.api.networking.v1.NetworkPolicyPort *; 2 from k8s.io.api.networking.v1.NetworkPolicyPeer *',
  'k8s.io.api.networking.v1.NetworkPolicyEgressRule': '1 ports k8s.io.api.networking.v1.NetworkPolicyPort *; 2 to k8s.io.api.networking.v1.NetworkPolicyPeer *',
  'k8s.io.api.networking.v1.NetworkPolicyPort': '1 protocol string ?; 2 port k8s.io.apimachinery.pkg.util.intstr.IntOrString; 3 endPort int32 ?',
  'k8s.io.api.networking.v1.NetworkPolicyPeer': '1 podSelector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector; 2 namespaceSelector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector; 3 ipBlock k8s.io.api.networking.v1.IPBlock',
  'k8s.io.api.networking.v1.IPBlock': '1 cidr string; 2 except string *',
};
