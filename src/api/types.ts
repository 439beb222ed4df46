// What a built-in resource contributes to the generic registry (DESIGN.md "Registry entry per
// resource"). One file per kind under api/<group>/<version>/ exports one of these.
import type { ObjectMeta } from 'kubernetes-types/meta/v1';
import type { FieldError, NameValidator } from '../machinery/validation.ts';

/** ObjectMeta without kubernetes-types' readonly marks: the server is the one that sets those fields. */
export type Meta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };

/** Any API object as stored: JSON with metadata. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata?: Meta;
  [field: string]: unknown;
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';
export const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** A column of the server-side Table (meta.k8s.io/v1 TableColumnDefinition). */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** "name" for the Name column, as upstream sets it. */
  format?: string;
  description?: string;
  /** 0 = always shown, 1 = only with -o wide. */
  priority?: number;
}

export interface TableContext {
  now: Date;
  /** The AGE cell for a timestamp ("<unknown>" when absent). */
  age(timestamp: string | undefined): string;
}

export interface ScaleSubresource {
  /** Dotted paths into the object. */
  specReplicasPath: string;
  statusReplicasPath: string;
  /** Path to a metav1.LabelSelector (rendered as a string selector in Scale.status.selector). */
  labelSelectorPath?: string;
}

export interface ResourceDefinition<T extends KObject = any> {
  group: string;             // '' for core
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  /** e.g. ['all'] so `kubectl get all` includes it. */
  categories?: string[];
  /** Defaults to ALL_VERBS. */
  verbs?: Verb[];
  /** Has a /status subresource: writes to the main resource keep the stored status, /status writes change only status. */
  statusSubresource?: boolean;
  /** A /status write may also change metadata.annotations (upstream's Deployment status strategy). */
  statusWritesAnnotations?: boolean;
  /** Has a /scale subresource (autoscaling/v1 Scale). */
  scale?: ScaleSubresource;
  /** metadata.generation starts at 1 and is bumped whenever anything outside metadata and status changes. */
  generation?: boolean;
  /** Bump generation on update for reasons beyond a spec change (Deployments: annotation changes). */
  bumpsGeneration?(obj: T, old: T): boolean;
  /** How metadata.name is checked; defaults to a DNS-1123 subdomain. */
  nameValidator?: NameValidator;

  /**
   * Served from another resource's storage, converting on the way in and out (events.k8s.io/v1
   * Event lives in core/v1 events). The stored object is in the other resource's version.
   */
  storedAs?: {
    group: string;
    resource: string;
    toStorage(obj: T): KObject;
    fromStorage(obj: KObject): T;
  };

  /** Fill in upstream defaults, in place. Runs on create and on update (like upstream's decoding). */
  defaults?(obj: T): void;
  /** Reset what the client may not set on create (e.g. status), in place. */
  prepareForCreate?(obj: T): void;
  /** Carry over what the client may not change on update, in place. */
  prepareForUpdate?(obj: T, old: T): void;
  /** Validation of the whole object (metadata.name/labels/annotations are checked generically). */
  validate?(obj: T): FieldError[];
  /** Further checks on create only. */
  validateCreate?(obj: T): FieldError[];
  /** Further checks on update only (immutable fields ...). */
  validateUpdate?(obj: T, old: T): FieldError[];
  /** Carry over or fill in what a /status write may not change, in place. */
  prepareForStatusUpdate?(obj: T, old: T): void;
  /** Checks on a /status write. */
  validateStatus?(obj: T, old: T): FieldError[];

  /** Field selectors beyond metadata.name and metadata.namespace: field path → value getter. */
  fieldSelectors?: Record<string, (obj: T) => string | undefined>;

  /** Columns and cells of the server-side Table, Name first, -o wide columns with priority 1. */
  table: {
    columns: TableColumn[];
    row(obj: T, ctx: TableContext): unknown[];
  };
}
