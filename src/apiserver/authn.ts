// Authentication: who is asking. A client certificate signed by the cluster CA (CN = user,
// O = groups) or a bearer token the server knows; anything else is anonymous.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { timingSafeEqual } from 'node:crypto';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
}

export interface TokenAuthenticator {
  /** The user a bearer token belongs to, or undefined when the token is unknown. */
  authenticate(token: string): UserInfo | undefined;
}

/** Tokens fixed at start (the join token): compared in constant time. */
export function staticTokens(entries: Array<{ token: string; user: UserInfo }>): TokenAuthenticator {
  const known = entries.map((e) => ({ token: Buffer.from(e.token), user: e.user }));
  return {
    authenticate(token) {
      const given = Buffer.from(token);
      for (const e of known) {
        if (e.token.length === given.length && timingSafeEqual(e.token, given)) return e.user;
      }
      return undefined;
    },
  };
}

/** The client certificate's user, read once per TLS connection (keep-alive connections carry many requests). */
const certUsers = new WeakMap<TLSSocket, UserInfo | null>();

export function authenticate(req: IncomingMessage, tokens: TokenAuthenticator[]): UserInfo | undefined {
  const socket = req.socket as TLSSocket;
  const cached = certUsers.get(socket);
  if (cached) return cached;
  if (cached === undefined) {
    const user = certificateUser(socket);
    certUsers.set(socket, user ?? null);
    if (user) return user;
  }
  return bearerUser(req, tokens);
}

function certificateUser(socket: TLSSocket): UserInfo | undefined {
  if (socket.authorized) {
    const cert = socket.getPeerCertificate();
    const subject = cert?.subject as unknown as Record<string, string | string[]> | undefined;
    if (subject?.CN) {
      const o = subject.O;
      return { name: String(subject.CN), groups: [...(Array.isArray(o) ? o : o ? [o] : []), 'system:authenticated'] };
    }
  }
  return undefined;
}

function bearerUser(req: IncomingMessage, tokens: TokenAuthenticator[]): UserInfo | undefined {
  const header = req.headers.authorization;
  if (header && /^bearer /i.test(header)) {
    const token = header.slice(7).trim();
    for (const t of tokens) {
      const user = t.authenticate(token);
      if (user) return { ...user, groups: [...user.groups, 'system:authenticated'] };
    }
  }
  return undefined;
}
