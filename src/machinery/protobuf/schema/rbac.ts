// Protobuf field tables for rbac.authorization.k8s.io/v1 (format: see protobuf.md —
// "<number> <jsonName> <type>[ *][ ?]"). Field numbers are wire facts of k8s.io.api.rbac.v1; the group
// has no pointer scalars.

export const messages: Record<string, string> = {
  'k8s.io.api.rbac.v1.Role': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 rules k8s.io.api.rbac.v1.PolicyRule *',
  'k8s.io.api.rbac.v1.ClusterRole': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 rules k8s.io.api.rbac.v1.PolicyRule *; 3 aggregationRule k8s.io.api.rbac.v1.AggregationRule',
  'k8s.io.api.rbac.v1.RoleBinding': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 subjects k8s.io.api.rbac.v1.Subject *; 3 roleRef k8s.io.api.rbac.v1.RoleRef',
  'k8s.io.api.rbac.v1.ClusterRoleBinding': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 subjects k8s.io.api.rbac.v1.Subject *; 3 roleRef k8s.io.api.rbac.v1.RoleRef',
  'k8s.io.api.rbac.v1.PolicyRule': '1 verbs string *; 2 apiGroups string *; 3 resources string *; 4 resourceNames string *; 5 nonResourceURLs string *',
  'k8s.io.api.rbac.v1.Subject': '1 kind string; 2 apiGroup string; 3 name string; 4 namespace string',
  'k8s.io.api.rbac.v1.RoleRef': '1 apiGroup string; 2 kind string; 3 name string',
  'k8s.io.api.rbac.v1.AggregationRule': '1 clusterRoleSelectors k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector *',
};
