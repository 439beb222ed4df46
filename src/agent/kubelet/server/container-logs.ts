// `GET /containerLogs/{ns}/{pod}/{container}`: reads a container's CRI log file and writes its
// lines as the kubelet does (tail, since, timestamps, byte limit), and with `follow` keeps
// reading as the container writes, across rotation, until the container stops or the client goes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { CriClient } from '../../runtime/cri-client.ts';
import { AgentError, findLogContainer } from './cri-lookup.ts';

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  /** Lines older than this (ms since epoch) are left out. */
  sinceMs?: number;
}

/** One line of a CRI log file: `<RFC3339Nano> stdout|stderr P|F <text>`. */
export interface CriLogRecord { time: string; timeMs: number; stream: string; partial: boolean; text: string }

const POLL_MS = 100;
const STATUS_CHECK_MS = 1000;
const READ_CHUNK = 256 * 1024;

export function parseLogOptions(query: URLSearchParams, now = Date.now()): LogOptions {
  const flag = (k: string) => query.get(k) === 'true' || query.get(k) === '1';
  const int = (k: string) => {
    const v = query.get(k);
    if (v === null || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw new AgentError(400, `invalid ${k} ${JSON.stringify(v)}`);
    return Number(v);
  };
  const opts: LogOptions = { follow: flag('follow'), previous: flag('previous'), timestamps: flag('timestamps') };
  const tail = int('tailLines');
  if (tail !== undefined && tail >= 0) opts.tailLines = tail;
  const limit = int('limitBytes');
  if (limit !== undefined && limit > 0) opts.limitBytes = limit;
  const sinceSeconds = int('sinceSeconds');
  const sinceTime = query.get('sinceTime');
  if (sinceSeconds !== undefined && sinceSeconds > 0) opts.sinceMs = now - sinceSeconds * 1000;
  else if (sinceTime) {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw new AgentError(400, `invalid sinceTime ${JSON.stringify(sinceTime)}`);
    opts.sinceMs = t;
  }
  return opts;
}

export function parseCriLogLine(line: string): CriLogRecord | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  if (a < 0 || b < 0) return undefined;
  const time = line.slice(0, a);
  const stream = line.slice(a + 1, b);
  // The tag may be absent in very old files; treat such lines as full.
  const c = line.indexOf(' ', b + 1);
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  let partial = false;
  let text: string;
  if (tag === 'P' || tag === 'F' || tag.startsWith('F:') || tag.startsWith('P:')) {
    partial = tag.startsWith('P');
    text = c < 0 ? '' : line.slice(c + 1);
  } else {
    text = line.slice(b + 1);
  }
  const timeMs = Date.parse(time);
  if (Number.isNaN(timeMs)) return undefined;
  return { time, timeMs, stream, partial, text };
}

/** RFC3339 with exactly nine fractional digits, the kubelet's timestamp format for `--timestamps`. */
export function formatLogTimestamp(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return time;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}${m[3]}`;
}

/** Splits file text into whole lines, returning the unfinished tail separately. */
function splitLines(text: string): { lines: string[]; rest: string } {
  const parts = text.split('\n');
  const rest = parts.pop() ?? '';
  return { lines: parts, rest };
}

/**
 * Turns records into output text; keeps track of whether the next record starts a line (the
 * timestamp prefixes a whole line once, not each partial piece).
 */
export function createLogFormatter(timestamps: boolean) {
  let atLineStart = true;
  return (rec: CriLogRecord): string => {
    let out = timestamps && atLineStart ? `${formatLogTimestamp(rec.time)} ` : '';
    out += rec.partial ? rec.text : `${rec.text}\n`;
    atLineStart = !rec.partial;
    return out;
  };
}

/** Groups records into logical lines (partials joined with their final piece). */
export function groupLogicalLines(records: CriLogRecord[]): CriLogRecord[][] {
  const lines: CriLogRecord[][] = [];
  let current: CriLogRecord[] = [];
  for (const r of records) {
    current.push(r);
    if (!r.partial) { lines.push(current); current = []; }
  }
  if (current.length) lines.push(current);
  return lines;
}

export async function serveContainerLogs(cri: CriClient, ns: string, pod: string, containerName: string, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const opts = parseLogOptions(query);
  const container = await findLogContainer(cri, ns, pod, containerName, opts.previous, query.get('containerID') || undefined);
  const status = (await cri.containerStatus({ containerId: container.id })).status;
  const path = status?.logPath ?? '';

  let closed = false;
  req.on('close', () => { closed = true; });
  res.on('close', () => { closed = true; });
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  let remaining = opts.limitBytes ?? Infinity;
  const emit = (text: string) => {
    if (!text || remaining <= 0) return;
    let buf = Buffer.from(text);
    if (buf.length > remaining) buf = buf.subarray(0, remaining);
    remaining -= buf.length;
    res.write(buf);
  };
  const format = createLogFormatter(opts.timestamps);
  const keep = (r: CriLogRecord) => opts.sinceMs === undefined || r.timeMs >= opts.sinceMs;

  let file: FileHandle | undefined = path ? await open(path, 'r').catch(() => undefined) : undefined;
  let inode = file ? (await file.stat()).ino : -1;
  let position = 0;
  let rest = '';
  let decoder = new StringDecoder('utf8');
  const readMore = async (): Promise<CriLogRecord[]> => {
    if (!file) return [];
    const out: CriLogRecord[] = [];
    for (;;) {
      const buf = Buffer.alloc(READ_CHUNK);
      const { bytesRead } = await file.read(buf, 0, buf.length, position);
      if (!bytesRead) break;
      position += bytesRead;
      const split = splitLines(rest + decoder.write(buf.subarray(0, bytesRead)));
      rest = split.rest;
      for (const l of split.lines) {
        const rec = parseCriLogLine(l);
        if (rec) out.push(rec);
      }
    }
    return out;
  };

  try {
    // What is already there: whole logical lines, filtered, the last tailLines of them.
    let lines = groupLogicalLines((await readMore()).filter(keep));
    if (opts.tailLines !== undefined) lines = opts.tailLines === 0 ? [] : lines.slice(-opts.tailLines);
    for (const line of lines) for (const rec of line) emit(format(rec));

    if (opts.follow && !opts.previous) {
      let lastStatusCheck = Date.now();
      while (!closed && remaining > 0) {
        const more = await readMore();
        for (const rec of more) if (keep(rec)) emit(format(rec));
        if (more.length) continue;
        // Rotated (the file at the path is a new one): finish the old, go on with the new.
        const now = await stat(path).catch(() => undefined);
        if (now && now.ino !== inode) {
          for (const rec of await readMore()) if (keep(rec)) emit(format(rec));
          await file?.close();
          file = await open(path, 'r').catch(() => undefined);
          inode = now.ino;
          position = 0;
          rest = '';
          decoder = new StringDecoder('utf8');
          continue;
        }
        if (Date.now() - lastStatusCheck >= STATUS_CHECK_MS) {
          lastStatusCheck = Date.now();
          const s = (await cri.containerStatus({ containerId: container.id }).catch(() => ({ status: null }))).status;
          if (!s || s.state !== 'CONTAINER_RUNNING') {
            for (const rec of await readMore()) if (keep(rec)) emit(format(rec));
            break;
          }
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    }
  } finally {
    await file?.close();
    res.end();
  }
}
