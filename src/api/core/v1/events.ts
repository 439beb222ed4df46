// core/v1 Event: what happened to an object, as controllers and kubelets report it. The core API
// keeps upstream's lenient legacy checks (events.k8s.io/v1 is stricter); names need only be
// usable as a path segment.
import type { Event } from 'kubernetes-types/core/v1';
import type { KObject, ResourceDefinition } from '../../types.ts';
import {
  type FieldError, invalidValue, isDNS1123Subdomain, isQualifiedName, required, validatePathSegmentName,
} from '../../../machinery/validation.ts';

const REPORTING_INSTANCE_MAX = 128;
const ACTION_MAX = 128;
const REASON_MAX = 128;
const NOTE_MAX = 1024;

/** Upstream's legacyValidateEvent: namespaces agree; events with eventTime carry their reporter. */
function validateEvent(ev: Event): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = ev.metadata?.namespace ?? '';
  const involvedNamespace = ev.involvedObject?.namespace ?? '';
  const mismatch = () => invalidValue('involvedObject.namespace', involvedNamespace, 'does not match event.namespace');
  if (!ev.eventTime) {
    // Old-style events: an event about a cluster-scoped object lives in "default" (or nowhere).
    if (!involvedNamespace) {
      if (namespace !== '' && namespace !== 'default') errs.push(mismatch());
    } else if (namespace !== involvedNamespace) {
      errs.push(mismatch());
    }
  } else {
    if (!involvedNamespace && namespace !== 'default' && namespace !== 'kube-system') errs.push(mismatch());
    const controller = ev.reportingComponent ?? '';
    if (!controller) errs.push(required('reportingController'));
    for (const msg of isQualifiedName(controller)) errs.push(invalidValue('reportingController', controller, msg));
    const instance = ev.reportingInstance ?? '';
    if (!instance) errs.push(required('reportingInstance'));
    if (instance.length > REPORTING_INSTANCE_MAX) errs.push(invalidValue('reportingInstance', '', `can have at most ${REPORTING_INSTANCE_MAX} characters`));
    const action = ev.action ?? '';
    if (!action) errs.push(required('action'));
    if (action.length > ACTION_MAX) errs.push(invalidValue('action', '', `can have at most ${ACTION_MAX} characters`));
    const reason = ev.reason ?? '';
    if (!reason) errs.push(required('reason'));
    if (reason.length > REASON_MAX) errs.push(invalidValue('reason', '', `can have at most ${REASON_MAX} characters`));
    if ((ev.message ?? '').length > NOTE_MAX) errs.push(invalidValue('message', '', `can have at most ${NOTE_MAX} characters`));
  }
  for (const msg of isDNS1123Subdomain(namespace)) errs.push(invalidValue('namespace', namespace, msg));
  return errs;
}

/** "kubelet, node1": the component (or reporting controller) and the host (or reporting instance). */
function eventSource(ev: Event): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const host = ev.source?.host || ev.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}

export const events: ResourceDefinition<Event & KObject> = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  nameValidator: validatePathSegmentName,

  validate: validateEvent,

  fieldSelectors: {
    'involvedObject.kind': (ev) => ev.involvedObject?.kind ?? '',
    'involvedObject.namespace': (ev) => ev.involvedObject?.namespace ?? '',
    'involvedObject.name': (ev) => ev.involvedObject?.name ?? '',
    'involvedObject.uid': (ev) => ev.involvedObject?.uid ?? '',
    'involvedObject.apiVersion': (ev) => ev.involvedObject?.apiVersion ?? '',
    'involvedObject.resourceVersion': (ev) => ev.involvedObject?.resourceVersion ?? '',
    'involvedObject.fieldPath': (ev) => ev.involvedObject?.fieldPath ?? '',
    reason: (ev) => ev.reason ?? '',
    reportingComponent: (ev) => ev.reportingComponent ?? '',
    source: (ev) => ev.source?.component || ev.reportingComponent || '',
    type: (ev) => ev.type ?? '',
  },

  table: {
    columns: [
      { name: 'Last Seen', type: 'string' },
      { name: 'Type', type: 'string' },
      { name: 'Reason', type: 'string' },
      { name: 'Object', type: 'string' },
      { name: 'Subobject', type: 'string', priority: 1 },
      { name: 'Source', type: 'string', priority: 1 },
      { name: 'Message', type: 'string' },
      { name: 'First Seen', type: 'string', priority: 1 },
      { name: 'Count', type: 'string', priority: 1 },
      { name: 'Name', type: 'string', format: 'name', priority: 1 },
    ],
    row(ev, ctx) {
      // New-style events only carry eventTime (and series); old ones first/lastTimestamp and count.
      const firstSeen = ev.firstTimestamp ? ctx.age(ev.firstTimestamp) : ctx.age(ev.eventTime);
      let lastSeen = ev.lastTimestamp ? ctx.age(ev.lastTimestamp) : firstSeen;
      let count = ev.count ?? 0;
      if (ev.series) {
        lastSeen = ctx.age(ev.series.lastObservedTime);
        count = ev.series.count ?? 0;
      } else if (count === 0) {
        count = 1;
      }
      const kind = (ev.involvedObject?.kind ?? '').toLowerCase();
      const target = ev.involvedObject?.name ? `${kind}/${ev.involvedObject.name}` : kind;
      return [
        lastSeen, ev.type ?? '', ev.reason ?? '', target, ev.involvedObject?.fieldPath ?? '', eventSource(ev),
        (ev.message ?? '').trim(), firstSeen, count, ev.metadata?.name ?? '',
      ];
    },
  },
};
