// grpc probe: calls grpc.health.v1.Health/Check (optionally for one service) on the pod IP and
// succeeds only on SERVING, with upstream's texts for every other outcome. The two health
// messages are tiny, so they are encoded by hand rather than loaded from a .proto file.
import * as grpc from '@grpc/grpc-js';
import { goDuration, goQuote, joinHostPort } from './go-text.ts';
import type { ProbeOutcome } from './types.ts';
import { KUBE_VERSION } from './types.ts';

export const HEALTH_CHECK_METHOD = '/grpc.health.v1.Health/Check';

/** HealthCheckResponse.ServingStatus names by number. */
export const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

/** Go's codes.Code String() names by number. */
const GO_CODE_NAMES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
  'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal',
  'Unavailable', 'DataLoss', 'Unauthenticated'];

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

function readVarint(buf: Buffer, pos: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, pos];
    shift += 7;
  }
}

/** HealthCheckRequest { string service = 1; } */
export function encodeHealthCheckRequest(req: { service: string }): Buffer {
  if (!req.service) return Buffer.alloc(0);
  const bytes = Buffer.from(req.service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a]), varint(bytes.length), bytes]);
}

/** HealthCheckRequest, for the test servers. */
export function decodeHealthCheckRequest(buf: Buffer): { service: string } {
  let service = '';
  walkFields(buf, (field, wire, value) => {
    if (field === 1 && wire === 2) service = (value as Buffer).toString('utf8');
  });
  return { service };
}

/** HealthCheckResponse { ServingStatus status = 1; } */
export function encodeHealthCheckResponse(res: { status: number }): Buffer {
  return res.status ? Buffer.concat([Buffer.from([0x08]), varint(res.status)]) : Buffer.alloc(0);
}

export function decodeHealthCheckResponse(buf: Buffer): { status: number } {
  let status = 0;
  walkFields(buf, (field, wire, value) => {
    if (field === 1 && wire === 0) status = value as number;
  });
  return { status };
}

function walkFields(buf: Buffer, visit: (field: number, wire: number, value: number | Buffer) => void): void {
  let pos = 0;
  while (pos < buf.length) {
    let key: number;
    [key, pos] = readVarint(buf, pos);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      let v: number;
      [v, pos] = readVarint(buf, pos);
      visit(field, wire, v);
    } else if (wire === 2) {
      let len: number;
      [len, pos] = readVarint(buf, pos);
      visit(field, wire, buf.subarray(pos, pos + len));
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

export async function grpcProbe(host: string, port: number, service: string, timeoutSeconds: number): Promise<ProbeOutcome> {
  const addr = joinHostPort(host, port);
  const timeout = goDuration(timeoutSeconds);
  const deadline = Date.now() + timeoutSeconds * 1000;
  const client = new grpc.Client(addr, grpc.credentials.createInsecure(), {
    'grpc.primary_user_agent': `kube-probe/${KUBE_VERSION}`,
    'grpc.enable_retries': 0,
    'grpc.service_config_disable_resolution': 1,
  });
  try {
    // As upstream's blocking dial: keep trying to connect until the deadline.
    const connected = await new Promise<boolean>((resolve) => client.waitForReady(deadline, (err) => resolve(!err)));
    if (!connected) {
      return { result: 'failure', output: `timeout: failed to connect service ${goQuote(addr)} within ${timeout}: context deadline exceeded` };
    }
    const res = await new Promise<{ status: number } | grpc.ServiceError>((resolve) => {
      client.makeUnaryRequest(HEALTH_CHECK_METHOD, encodeHealthCheckRequest, decodeHealthCheckResponse, { service },
        new grpc.Metadata(), { deadline }, (err, value) => resolve(err ?? value ?? { status: 0 }));
    });
    if ('code' in res) {
      if (res.code === grpc.status.UNIMPLEMENTED) {
        return { result: 'failure', output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${res.details}` };
      }
      if (res.code === grpc.status.DEADLINE_EXCEEDED) {
        return { result: 'failure', output: `timeout: health rpc did not complete within ${timeout}` };
      }
      const code = GO_CODE_NAMES[res.code] ?? `Code(${res.code})`;
      return { result: 'failure', output: `error: health rpc probe failed: rpc error: code = ${code} desc = ${res.details}` };
    }
    if (res.status !== 1) {
      return { result: 'failure', output: `service unhealthy (responded with ${goQuote(SERVING_STATUS[res.status] ?? String(res.status))})` };
    }
    return { result: 'success', output: 'service is serving' };
  } finally {
    client.close();
  }
}
