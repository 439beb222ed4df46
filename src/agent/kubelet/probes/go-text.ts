// Texts the upstream kubelet prints through Go's formatting (durations, %q quoting, dial
// errors). Users read these in `kubectl describe pod` events, so skiff renders them the same way.

/** Go's time.Duration String() for a whole number of seconds: 1s, 1m30s, 1h0m0s. */
export function goDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

const GO_ESCAPES: Record<string, string> = { '\u0007': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u000b': '\\v' };

/** Go's %q for a string: double quotes, backslash escapes, \xNN for other control bytes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (GO_ESCAPES[ch]) out += GO_ESCAPES[ch];
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** net.JoinHostPort: brackets around IPv6 literals. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The kubelet's format.Pod: name_namespace(uid). */
export function formatPod(pod: { metadata?: { name?: string; namespace?: string; uid?: string } }): string {
  const m = pod.metadata ?? {};
  return `${m.name ?? ''}_${m.namespace ?? ''}(${m.uid ?? ''})`;
}

interface NodeNetError { code?: string; message?: string; syscall?: string }

const CONNECT_ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  EADDRNOTAVAIL: 'cannot assign requested address',
  ECONNRESET: 'connection reset by peer',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

/**
 * A failed TCP connect as Go's net.Dial reports it, e.g.
 * `dial tcp 10.42.0.5:8080: connect: connection refused`.
 */
export function goDialError(hostPort: string, err: unknown): string {
  const e = (err ?? {}) as NodeNetError;
  if (e.code === 'ETIMEDOUT') return `dial tcp ${hostPort}: i/o timeout`;
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') {
    const host = hostPort.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    return `dial tcp: lookup ${host}: no such host`;
  }
  const text = e.code ? CONNECT_ERRNO_TEXT[e.code] : undefined;
  if (text) return `dial tcp ${hostPort}: connect: ${text}`;
  return `dial tcp ${hostPort}: ${e.message ?? String(err)}`;
}
