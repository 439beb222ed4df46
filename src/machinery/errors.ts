// One error type for every layer: it carries exactly what upstream puts in a `Status` body,
// so the HTTP layer only serialises it and every component fails the same way.
import type { Status, StatusCause } from 'kubernetes-types/meta/v1';
import type { FieldError } from './validation.ts';

export type StatusReason =
  | 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'AlreadyExists' | 'Conflict'
  | 'Gone' | 'Expired' | 'Invalid' | 'MethodNotAllowed' | 'NotAcceptable'
  | 'UnsupportedMediaType' | 'RequestEntityTooLarge' | 'TooManyRequests' | 'InternalError'
  | 'Timeout' | 'ServiceUnavailable' | 'ResourceExpired'
  /** Upstream leaves the reason empty for some errors (e.g. a failed strategic merge). */
  | '';

export interface Qualified { group: string; resource: string }

export class ApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: Status['details'];

  constructor(code: number, reason: StatusReason, message: string, details?: Status['details']) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Status {
    const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message };
    if (this.reason) status.reason = this.reason;
    status.code = this.code;
    if (this.details) status.details = this.details;
    return status;
  }
}

/** "pods" for the core group, "deployments.apps" otherwise, as upstream prints resources. */
/** Status details name the group only when there is one, as upstream does. */
function detailsOf(gr: Qualified, name?: string): Status['details'] {
  return { ...(name ? { name } : {}), ...(gr.group ? { group: gr.group } : {}), kind: gr.resource };
}

export function qualifiedResource(gr: Qualified): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}
function qualifiedKind(kind: string, group: string): string {
  return group ? `${kind}.${group}` : kind;
}

export function notFound(gr: Qualified, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`,
    detailsOf(gr, name));
}

export function alreadyExists(gr: Qualified, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`,
    detailsOf(gr, name));
}

export function conflict(gr: Qualified, name: string, why: string): ApiError {
  return new ApiError(409, 'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`,
    detailsOf(gr, name));
}

export const STALE_OBJECT =
  'the object has been modified; please apply your changes to the latest version and try again';

export function invalid(kind: string, group: string, name: string, errors: FieldError[]): ApiError {
  const causes: StatusCause[] = errors.map((e) => ({ reason: e.type, message: e.detailMessage(), field: e.field }));
  const list = errors.map((e) => e.toString());
  const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${qualifiedKind(kind, group)} "${name}" is invalid: ${summary}`,
    { name, group, kind, causes });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function forbidden(gr: Qualified, name: string, why: string): ApiError {
  const target = name ? `${qualifiedResource(gr)} "${name}"` : qualifiedResource(gr);
  return new ApiError(403, 'Forbidden', `${target} is forbidden: ${why}`,
    detailsOf(gr, name));
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function methodNotSupported(gr: Qualified, verb: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualifiedResource(gr)}"`,
    detailsOf(gr));
}

export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function gone(message: string): ApiError {
  return new ApiError(410, 'Gone', message);
}

export function internalError(err: unknown): ApiError {
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`,
    { causes: [{ message }] });
}

export function unsupportedMediaType(contentType: string): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${contentType})`);
}

export function notAcceptable(): ApiError {
  return new ApiError(406, 'NotAcceptable', 'only the following media types are accepted: application/json, application/yaml');
}

export function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : internalError(err);
}
