// The agent's HTTPS serving certificate: self-signed (the API server does not verify it, as
// upstream's default), for the node name and its IPs; kept in <agentDir>/tls and re-issued when
// missing, unreadable, near expiry or no longer naming the node's addresses.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { selfSignedServingCertificate, writeFileAtomic } from '../../../cli/pki.ts';

const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

export async function agentServingCert(dir: string, nodeName: string, ips: string[]): Promise<{ cert: string; key: string }> {
  const certFile = path.join(dir, 'serving-kubelet.crt');
  const keyFile = path.join(dir, 'serving-kubelet.key');
  const wantedIps = [...new Set([...ips.filter((ip) => net.isIP(ip) !== 0), '127.0.0.1'])];
  const existing = readPair(certFile, keyFile);
  if (existing && fits(existing.x509, nodeName, wantedIps)) return { cert: existing.cert, key: existing.key };

  const dnsNames = net.isIP(nodeName) ? ['localhost'] : [nodeName, 'localhost'];
  const issued = await selfSignedServingCertificate(nodeName, { dnsNames, ips: wantedIps });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomic(keyFile, issued.key, 0o600);
  writeFileAtomic(certFile, issued.cert, 0o644);
  return issued;
}

function readPair(certFile: string, keyFile: string): { cert: string; key: string; x509: X509Certificate } | undefined {
  try {
    const cert = fs.readFileSync(certFile, 'utf8');
    const key = fs.readFileSync(keyFile, 'utf8');
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) return undefined;
    return { cert, key, x509 };
  } catch {
    return undefined;
  }
}

function fits(cert: X509Certificate, nodeName: string, ips: string[]): boolean {
  if (cert.validToDate.getTime() - Date.now() < RENEW_BEFORE_MS) return false;
  if (!net.isIP(nodeName) && !cert.checkHost(nodeName, { wildcards: false })) return false;
  return ips.every((ip) => cert.checkIP(ip) !== undefined);
}
