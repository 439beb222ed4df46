// The schema model of every built-in type: what OpenAPI v2/v3 serve, what `kubectl explain`
// reads, what field validation and pruning check against, and where strategic merge patch and
// server-side apply find merge keys and list types. Generated at setup time from the
// kubernetes-types declarations plus skiff's patch-strategy table (see scripts/gen-openapi-model).

/** A JSON-Schema subset, as upstream's OpenAPI definitions use it. */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  /** "#/definitions/<name>" (v2 style); v3 documents rewrite it to "#/components/schemas/<name>". */
  $ref?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  default?: unknown;
  enum?: unknown[];
  'x-kubernetes-group-version-kind'?: Array<{ group: string; version: string; kind: string }>;
  'x-kubernetes-patch-strategy'?: string;      // "merge", "retainKeys", "merge,retainKeys", "replace"
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-unions'?: unknown[];
}

/** Definitions keyed by upstream's names, e.g. "io.k8s.api.core.v1.PodSpec". */
export interface SchemaModel {
  definitions: Record<string, Schema>;
}

/** The definition name of a served kind ("io.k8s.api.apps.v1.Deployment"). */
export function definitionName(group: string, version: string, kind: string): string {
  const pkg = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '').replace(/\.authorization$/, '');
  return `io.k8s.api.${pkg}.${version}.${kind}`;
}
