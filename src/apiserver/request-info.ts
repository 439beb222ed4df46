// Turns a request path into what it addresses, the way upstream's RequestInfoFactory does:
// /api/v1/namespaces/ns/pods/name/status → group "", version v1, namespace ns, resource pods, ...

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  /** get list watch create update patch delete deletecollection */
  verb: string;
  apiPrefix: string;
  group: string;
  version: string;
  namespace: string | undefined;
  resource: string;
  subresource: string | undefined;
  name: string | undefined;
}

export function requestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false, path: pathname, verb: method.toLowerCase(), apiPrefix: '', group: '', version: '',
    namespace: undefined, resource: '', subresource: undefined, name: undefined,
  };
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (parts[0] !== 'api' && parts[0] !== 'apis') return info;
  info.apiPrefix = parts[0];
  let rest = parts.slice(1);
  if (info.apiPrefix === 'apis') {
    if (rest.length < 2) return info; // /apis, /apis/<group>
    info.group = rest[0];
    rest = rest.slice(1);
  } else if (rest.length < 1) {
    return info; // /api
  }
  info.version = rest[0];
  rest = rest.slice(1);
  if (rest.length === 0) return info; // group-version discovery
  info.isResourceRequest = true;

  // /namespaces/<ns>/<resource>... but /namespaces and /namespaces/<name>[/status|finalize] address namespaces.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    info.namespace = rest[1];
    rest = rest.slice(2);
  }
  info.resource = rest[0];
  info.name = rest[1];
  info.subresource = rest[2];
  if (rest[0] === 'namespaces' && rest.length <= 3) {
    info.name = rest[1];
    info.subresource = rest[2];
  }

  switch (method) {
    case 'POST': info.verb = 'create'; break;
    case 'GET': case 'HEAD': info.verb = info.name ? 'get' : 'list'; break;
    case 'PUT': info.verb = 'update'; break;
    case 'PATCH': info.verb = 'patch'; break;
    case 'DELETE': info.verb = info.name ? 'delete' : 'deletecollection'; break;
  }
  if ((info.verb === 'list' || info.verb === 'get') && isTrue(query.get('watch'))) info.verb = 'watch';
  return info;
}

export function isTrue(v: string | null): boolean {
  return v === 'true' || v === '1';
}
