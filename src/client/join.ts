// Joining a cluster as k3s agents do: fetch the cluster CA from the server's public /cacerts
// endpoint (before we can trust the server, so this one request is not verified), then check it
// against the pin in the join token, K10<sha256 of the CA PEM>::<credentials>. From then on every
// request verifies the server against that CA.
import { createHash } from 'node:crypto';
import { request } from 'node:https';

const PIN = /^K10([0-9a-f]{64})::/;
const FETCH_TIMEOUT_MS = 30_000;

/** The CA pin a token carries, or undefined for a bare token (which skips the check, as k3s does). */
export function tokenCaPin(token: string): string | undefined {
  return PIN.exec(token.trim())?.[1];
}

/** The server's CA is not the one the token pins: never join (it may not be the cluster it claims). */
export class CaMismatchError extends Error {}

export async function joinCluster(server: string, token: string): Promise<{ ca: string }> {
  const ca = await fetchCaCerts(new URL('/cacerts', server));
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`${server}/cacerts did not return a PEM certificate bundle`);
  }
  const pin = tokenCaPin(token);
  if (pin) {
    const actual = createHash('sha256').update(ca).digest('hex');
    if (actual !== pin) {
      throw new CaMismatchError(`token CA hash does not match the cluster CA certificate hash: ${pin} != ${actual}`);
    }
  }
  return { ca };
}

/** GET /cacerts anonymously, without verifying the server: its answer is checked against the pin instead. */
function fetchCaCerts(url: URL): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', rejectUnauthorized: false, agent: false, headers: { Accept: '*/*' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(new Error(`GET ${url.href}: HTTP ${res.statusCode}: ${body.trim().slice(0, 200)}`));
        else resolve(body);
      });
    });
    req.setTimeout(FETCH_TIMEOUT_MS, () => req.destroy(new Error(`GET ${url.href}: no answer within ${FETCH_TIMEOUT_MS / 1000}s`)));
    req.on('error', reject);
    req.end();
  });
}
