// The admin kubeconfig the server writes for kubectl, shaped like k3s's (everything named `default`,
// credentials embedded so the file works when copied to another machine).

import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './pki.ts';
import type { ServerCredentials } from './pki.ts';

export function adminKubeconfig(creds: ServerCredentials, serverUrl: string): string {
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  // Written by hand (every value is base64 or a URL, nothing to quote) so that starting the
  // server does not load a YAML library.
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(creds.caCert)}`,
    `    server: ${JSON.stringify(serverUrl)}`,
    '  name: default',
    'contexts:',
    '- context:',
    '    cluster: default',
    '    user: default',
    '  name: default',
    'current-context: default',
    'kind: Config',
    'preferences: {}',
    'users:',
    '- name: default',
    '  user:',
    `    client-certificate-data: ${b64(creds.adminCert)}`,
    `    client-key-data: ${b64(creds.adminKey)}`,
    '',
  ].join('\n');
}

/** Writes a kubeconfig readable only by its owner (it holds admin credentials), replacing any old one atomically. */
export function writeKubeconfig(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, content, 0o600);
}
