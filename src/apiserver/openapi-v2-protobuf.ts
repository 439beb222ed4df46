// Encodes an OpenAPI v2 (Swagger) document as gnostic's openapi.v2.Document protobuf, the form
// kubectl asks /openapi/v2 for. Field numbers follow gnostic's OpenAPIv2.proto. Vendor extensions
// (x-kubernetes-*) travel as NamedAny whose Any carries the value as YAML text; JSON is valid YAML.

type Json = any;

/** A protobuf message under construction: fields appended in the order written. */
class Writer {
  private readonly parts: Buffer[] = [];

  string(field: number, value: string | undefined): this {
    if (value) this.bytes(field, Buffer.from(value, 'utf8'));
    return this;
  }

  strings(field: number, values: string[] | undefined): this {
    for (const v of values ?? []) this.bytes(field, Buffer.from(v, 'utf8'));
    return this;
  }

  bool(field: number, value: boolean | undefined): this {
    if (value) this.parts.push(varint(field << 3), varint(1));
    return this;
  }

  /** A length-delimited field; an embedded message is written even when empty (it is present). */
  bytes(field: number, value: Buffer): this {
    this.parts.push(varint((field << 3) | 2), varint(value.length), value);
    return this;
  }

  message(field: number, value: Writer | undefined): this {
    if (value) this.bytes(field, value.finish());
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return Buffer.from(out);
}

/** openapi.v2.Any: 2 yaml. */
function any(value: unknown): Writer {
  return new Writer().string(2, JSON.stringify(value));
}

/** repeated NamedAny (1 name, 2 value) for the x- keys of an object. */
function vendorExtensions(w: Writer, field: number, obj: Json): void {
  for (const [key, value] of Object.entries(obj)) {
    if (key.startsWith('x-')) w.message(field, new Writer().string(1, key).message(2, any(value)));
  }
}

/** openapi.v2.Schema. */
function schema(s: Json): Writer {
  const w = new Writer()
    .string(1, s.$ref)
    .string(2, s.format)
    .string(3, s.title)
    .string(4, s.description);
  if (s.default !== undefined) w.message(5, any(s.default));
  w.strings(19, s.required);
  for (const e of s.enum ?? []) w.message(20, any(e));
  if (s.additionalProperties !== undefined) {
    // AdditionalPropertiesItem: 1 schema, 2 boolean.
    const item = new Writer();
    if (typeof s.additionalProperties === 'boolean') item.bool(2, s.additionalProperties);
    else item.message(1, schema(s.additionalProperties));
    w.message(21, item);
  }
  if (s.type) w.message(22, new Writer().strings(1, Array.isArray(s.type) ? s.type : [s.type])); // TypeItem
  if (s.items) w.message(23, new Writer().message(1, schema(s.items))); // ItemsItem
  for (const sub of s.allOf ?? []) w.message(24, schema(sub));
  if (s.properties) w.message(25, namedSchemas(s.properties)); // Properties
  w.bool(27, s.readOnly);
  vendorExtensions(w, 31, s);
  return w;
}

/** A message whose field 1 is repeated NamedSchema (Properties, Definitions). */
function namedSchemas(map: Record<string, Json>): Writer {
  const w = new Writer();
  for (const [name, s] of Object.entries(map)) w.message(1, new Writer().string(1, name).message(2, schema(s)));
  return w;
}

/** openapi.v2.ParametersItem holding a Parameter. */
function parameter(p: Json): Writer {
  const param = new Writer();
  if (p.in === 'body') {
    // BodyParameter: 1 description, 2 name, 3 in, 4 required, 5 schema.
    param.message(1, new Writer().string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required).message(5, schema(p.schema)));
  } else {
    // NonBodyParameter: 3 query (QueryParameterSubSchema), 4 path (PathParameterSubSchema).
    const sub = new Writer().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name);
    if (p.in === 'query') sub.string(6, p.type).string(7, p.format).bool(20, p.uniqueItems);
    else sub.string(5, p.type).string(6, p.format).bool(19, p.uniqueItems);
    param.message(2, new Writer().message(p.in === 'query' ? 3 : 4, sub));
  }
  return new Writer().message(1, param);
}

/** openapi.v2.Operation. */
function operation(op: Json): Writer {
  const w = new Writer()
    .strings(1, op.tags)
    .string(2, op.summary)
    .string(3, op.description)
    .string(5, op.operationId)
    .strings(6, op.produces)
    .strings(7, op.consumes);
  for (const p of op.parameters ?? []) w.message(8, parameter(p));
  const responses = new Writer();
  for (const [code, r] of Object.entries(op.responses ?? {}) as Array<[string, Json]>) {
    // Response: 1 description, 2 schema (SchemaItem: 1 schema); wrapped in ResponseValue (1 response).
    const response = new Writer().string(1, r.description);
    if (r.schema) response.message(2, new Writer().message(1, schema(r.schema)));
    responses.message(1, new Writer().string(1, code).message(2, new Writer().message(1, response)));
  }
  w.message(9, responses);
  w.strings(10, op.schemes);
  w.bool(11, op.deprecated);
  vendorExtensions(w, 13, op);
  return w;
}

const METHOD_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

/** openapi.v2.PathItem. */
function pathItem(item: Json): Writer {
  const w = new Writer();
  for (const [method, field] of Object.entries(METHOD_FIELDS)) if (item[method]) w.message(field, operation(item[method]));
  for (const p of item.parameters ?? []) w.message(9, parameter(p));
  vendorExtensions(w, 10, item);
  return w;
}

/** The whole document as openapi.v2.Document bytes. */
export function encodeOpenApiV2(doc: Json): Buffer {
  const w = new Writer().string(1, doc.swagger);
  if (doc.info) w.message(2, new Writer().string(1, doc.info.title).string(2, doc.info.version).string(3, doc.info.description));
  w.string(3, doc.host).string(4, doc.basePath).strings(5, doc.schemes).strings(6, doc.consumes).strings(7, doc.produces);
  if (doc.paths) {
    // Paths: 2 repeated NamedPathItem.
    const paths = new Writer();
    for (const [path, item] of Object.entries(doc.paths)) paths.message(2, new Writer().string(1, path).message(2, pathItem(item)));
    w.message(8, paths);
  }
  if (doc.definitions) w.message(9, namedSchemas(doc.definitions));
  vendorExtensions(w, 16, doc);
  return w.finish();
}
