import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { CriClient } from '../../runtime/cri-client.ts';
import { createLogFormatter, formatLogTimestamp, groupLogicalLines, parseCriLogLine, parseLogOptions, serveContainerLogs } from './container-logs.ts';
import { AgentError } from './cri-lookup.ts';

test('CRI log lines parse into time, stream, tag and text', () => {
  const cases: Array<[string, unknown]> = [
    ['2026-11-25T10:00:00.5Z stdout F hello world', { time: '2026-11-25T10:00:00.5Z', stream: 'stdout', partial: false, text: 'hello world' }],
    ['2026-11-25T10:00:00Z stderr P par', { time: '2026-11-25T10:00:00Z', stream: 'stderr', partial: true, text: 'par' }],
    ['2026-11-25T10:00:00Z stdout F ', { time: '2026-11-25T10:00:00Z', stream: 'stdout', partial: false, text: '' }],
    ['2026-11-25T10:00:00+02:00 stdout F  two spaces', { time: '2026-11-25T10:00:00+02:00', stream: 'stdout', partial: false, text: ' two spaces' }],
    ['garbage', undefined],
    ['not-a-time stdout F x', undefined],
  ];
  for (const [line, want] of cases) {
    const got = parseCriLogLine(line);
    if (want === undefined) assert.equal(got, undefined, line);
    else assert.deepEqual({ time: got?.time, stream: got?.stream, partial: got?.partial, text: got?.text }, want, line);
  }
});

test('timestamps are printed with nine fractional digits, as the kubelet does', () => {
  assert.equal(formatLogTimestamp('2026-11-25T10:00:00.5Z'), '2026-11-25T10:00:00.500000000Z');
  assert.equal(formatLogTimestamp('2026-11-25T10:00:00Z'), '2026-11-25T10:00:00.000000000Z');
  assert.equal(formatLogTimestamp('2026-11-25T10:00:00.123456789+02:00'), '2026-11-25T10:00:00.123456789+02:00');
});

test('partial pieces join into one line; the timestamp prefixes the line once', () => {
  const records = ['2026-01-01T00:00:01Z stdout P ab', '2026-01-01T00:00:02Z stdout P cd', '2026-01-01T00:00:03Z stdout F ef', '2026-01-01T00:00:04Z stderr F gh']
    .map((l) => parseCriLogLine(l)!);
  const lines = groupLogicalLines(records);
  assert.equal(lines.length, 2);
  const plain = createLogFormatter(false);
  assert.equal(records.map(plain).join(''), 'abcdef\ngh\n');
  const stamped = createLogFormatter(true);
  assert.equal(records.map(stamped).join(''), '2026-01-01T00:00:01.000000000Z abcdef\n2026-01-01T00:00:04.000000000Z gh\n');
});

test('log options: flags, numbers, since', () => {
  const now = Date.parse('2026-01-01T00:01:00Z');
  assert.deepEqual(parseLogOptions(new URLSearchParams('follow=true&timestamps=1&tailLines=5&limitBytes=10&sinceSeconds=30'), now),
    { follow: true, previous: false, timestamps: true, tailLines: 5, limitBytes: 10, sinceMs: now - 30_000 });
  assert.equal(parseLogOptions(new URLSearchParams('sinceTime=2026-01-01T00:00:00Z')).sinceMs, Date.parse('2026-01-01T00:00:00Z'));
  assert.throws(() => parseLogOptions(new URLSearchParams('tailLines=x')), AgentError);
});

test('serving logs: tail, since, limit, and follow across rotation until the container stops', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-logs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const logPath = join(dir, '0.log');
  const line = (sec: number, text: string, tag = 'F') => `2026-01-01T00:00:${String(sec).padStart(2, '0')}.000000001Z stdout ${tag} ${text}\n`;
  await writeFile(logPath, line(1, 'one') + line(2, 'tw', 'P') + line(3, 'o') + line(4, 'three'));
  let state = 'CONTAINER_RUNNING';
  const container = { id: 'c1', state, createdAt: 1, metadata: { name: 'app', attempt: 0 }, labels: {}, annotations: { 'io.kubernetes.container.restartCount': '0' } };
  const cri = {
    listContainers: async () => ({ containers: [container] }),
    containerStatus: async () => ({ status: { id: 'c1', state, logPath } }),
  } as unknown as CriClient;
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    serveContainerLogs(cri, 'ns', 'pod', 'app', url.searchParams, req, res).catch((err) => {
      res.writeHead(err instanceof AgentError ? err.status : 500);
      res.end(err.message);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const get = (query: string, onData?: (text: string) => void) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: `/?${query}` }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; onData?.(body); });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject).end();
  });

  assert.equal((await get('')).body, 'one\ntwo\nthree\n');
  assert.equal((await get('tailLines=2')).body, 'two\nthree\n');
  assert.equal((await get('sinceTime=2026-01-01T00:00:02Z')).body, 'two\nthree\n');
  assert.equal((await get('limitBytes=6')).body, 'one\ntw');
  assert.equal((await get('previous=true')).status, 400);

  let seen = '';
  const followed = get('follow=true&tailLines=1', (b) => { seen = b; });
  const waitFor = async (text: string) => {
    for (let i = 0; i < 100 && !seen.includes(text); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(seen.includes(text), `saw ${JSON.stringify(seen)}, wanted ${text}`);
  };
  await waitFor('three\n');
  await appendFile(logPath, line(5, 'four'));
  await waitFor('four\n');
  // Rotation: the file is renamed away (with a last line written before), a new one takes its place.
  await appendFile(logPath, line(6, 'five'));
  await rename(logPath, `${logPath}.20260101-000006`);
  await writeFile(logPath, line(7, 'six'));
  await waitFor('six\n');
  state = 'CONTAINER_EXITED';
  const done = await followed;
  assert.equal(done.body, 'three\nfour\nfive\nsix\n');
});
