// A GET to a node's agent (its kubelet HTTPS port), as the API server makes it: to the node's
// InternalIP (then ExternalIP, then Hostname) at status.daemonEndpoints.kubeletEndpoint.Port,
// presenting the API server's kubelet-client certificate when it has one.
import { request } from 'node:https';
import type { Node } from 'kubernetes-types/core/v1';

export interface KubeletClientTls {
  cert?: string;
  key?: string;
  /**
   * The CA to check the agent's serving certificate against. Without one the certificate is not
   * checked, as kube-apiserver does without --kubelet-certificate-authority.
   */
  ca?: string;
}

const ADDRESS_PREFERENCE = ['InternalIP', 'ExternalIP', 'Hostname'];
const DEFAULT_KUBELET_PORT = 10250;
const TIMEOUT_MS = 5_000;
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** host:port of the node's agent, or undefined when the node publishes no address. */
export function kubeletAddress(node: Node): { host: string; port: number } | undefined {
  const addresses = node.status?.addresses ?? [];
  for (const type of ADDRESS_PREFERENCE) {
    const a = addresses.find((x) => x.type === type && x.address);
    if (a) return { host: a.address, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port || DEFAULT_KUBELET_PORT };
  }
  return undefined;
}

/** GETs `path` from the node's agent and parses the JSON answer; rejects on any non-200 reply. */
export function kubeletGet(node: Node, path: string, tls: KubeletClientTls = {}): Promise<unknown> {
  const address = kubeletAddress(node);
  if (!address) return Promise.reject(new Error(`node ${node.metadata?.name} has no address`));
  return new Promise((resolve, reject) => {
    const req = request({
      host: address.host, port: address.port, path, method: 'GET',
      headers: { Accept: 'application/json' },
      cert: tls.cert, key: tls.key, ca: tls.ca,
      rejectUnauthorized: !!tls.ca,
      // Agents' certificates name the node, not the address dialled.
      checkServerIdentity: () => undefined,
      timeout: TIMEOUT_MS,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) { req.destroy(new Error('kubelet response too large')); return; }
        chunks.push(c);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) { reject(new Error(`kubelet ${address.host}:${address.port}${path}: ${res.statusCode} ${text.slice(0, 200).trim()}`)); return; }
        try { resolve(JSON.parse(text)); } catch (err) { reject(new Error(`kubelet ${address.host}:${address.port}${path}: ${(err as Error).message}`)); }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`kubelet ${address.host}:${address.port}${path}: timed out after ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}
