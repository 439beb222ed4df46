// Protobuf field tables for authentication/v1 (format: see protobuf.md — "<number> <jsonName> <type>[ *][ ?]").
// Field numbers are wire facts of k8s.io.api.authentication.v1; `?` marks Go pointer scalars whose zero is kept.

export const messages: Record<string, string> = {
  // The body of POST .../serviceaccounts/<name>/token (kubectl create token, the kubelet's projected tokens).
  'k8s.io.api.authentication.v1.TokenRequest': '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.authentication.v1.TokenRequestSpec; 3 status k8s.io.api.authentication.v1.TokenRequestStatus',
  'k8s.io.api.authentication.v1.TokenRequestSpec': '1 audiences string *; 4 expirationSeconds int64 ?; 3 boundObjectRef k8s.io.api.authentication.v1.BoundObjectReference',
  'k8s.io.api.authentication.v1.TokenRequestStatus': '1 token string; 2 expirationTimestamp k8s.io.apimachinery.pkg.apis.meta.v1.Time',
  'k8s.io.api.authentication.v1.BoundObjectReference': '1 kind string; 2 apiVersion string; 3 name string; 4 uid string',
};
