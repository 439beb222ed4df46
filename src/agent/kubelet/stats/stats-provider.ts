// Samples the node and its containers every 10 s (and on demand when the last sample is stale)
// and serves the result as the kubelet's `GET /stats/summary`, which the API server reads for
// the metrics.k8s.io API behind `kubectl top`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CriClient } from '../../runtime/cri-client.ts';
import type { Logger } from '../../../cli/log.ts';
import { buildSummary, MIN_RATE_WINDOW_MS, type Sample, type StatsSummary } from './summary.ts';
import { readNodeUsage } from './node-usage.ts';
import { readContainerUsage } from './container-usage.ts';

export const SAMPLE_INTERVAL_MS = 10_000;
export const SUMMARY_PATH = '/stats/summary';

export interface StatsRoute {
  prefix: string;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export interface StatsProvider {
  summary(): Promise<StatsSummary>;
  route: StatsRoute;
  stop(): void;
}

export interface StatsProviderOptions {
  cri: CriClient;
  nodeName: string;
  log: Logger;
  now?: () => number;
  /** Reads one sample; defaults to the node's /proc and cgroup files and the CRI. */
  sample?: (at: number) => Promise<Sample>;
  /** Set false to sample only on demand (tests). */
  background?: boolean;
}

export function createStatsProvider(o: StatsProviderOptions): StatsProvider {
  const now = o.now ?? Date.now;
  const readSample = o.sample ?? (async (at: number): Promise<Sample> => {
    const [node, containers] = await Promise.all([readNodeUsage(at), readContainerUsage(o.cri, now)]);
    return { node, containers };
  });
  let prev: Sample | undefined;
  let last: Sample | undefined;
  let inFlight: Promise<void> | undefined;
  let stopped = false;

  /** Takes a sample, one at a time: callers arriving meanwhile share it. */
  function sampleNow(): Promise<void> {
    inFlight ??= readSample(now()).then((s) => {
      // A sample right after the last one replaces it, so prev..last stays a window worth a rate.
      if (!last || s.node.at - last.node.at >= MIN_RATE_WINDOW_MS) prev = last;
      last = s;
    }).finally(() => { inFlight = undefined; });
    return inFlight;
  }

  const timer = o.background === false ? undefined : setInterval(() => {
    sampleNow().catch((err) => o.log.warn('stats sample failed', { error: err instanceof Error ? err.message : String(err) }));
  }, SAMPLE_INTERVAL_MS);
  timer?.unref();

  async function summary(): Promise<StatsSummary> {
    if (stopped) throw new Error('stats provider stopped');
    if (!last || now() - last.node.at >= SAMPLE_INTERVAL_MS) await sampleNow();
    // A rate needs two samples some time apart: right after start, take the second one shortly.
    for (let tries = 0; !prev && tries < 3; tries++) {
      const wait = MIN_RATE_WINDOW_MS - (now() - last!.node.at);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await sampleNow();
    }
    return buildSummary(o.nodeName, prev, last!);
  }

  const route: StatsRoute = {
    prefix: SUMMARY_PATH,
    handle(req, res) {
      const path = new URL(req.url ?? '/', 'https://localhost').pathname.replace(/\/+$/, '');
      if (path !== SUMMARY_PATH) return sendText(res, 404, '404 page not found\n');
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method Not Allowed\n');
      summary().then((s) => {
        const body = JSON.stringify(s);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      }, (err) => {
        o.log.warn('stats summary failed', { error: err instanceof Error ? err.message : String(err) });
        sendText(res, 500, `Internal Error: failed to get stats summary: ${err instanceof Error ? err.message : String(err)}\n`);
      });
    },
  };

  return {
    summary,
    route,
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
    },
  };
}

function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
