import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { terminationMessage, type ContainerRecord } from './runtime-state.ts';

test('termination messages: the file, or the log tail for FallbackToLogsOnError after a failure', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-msg-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'msg');
  const log = join(dir, '0.log');
  await writeFile(log, [
    '2026-01-01T00:00:00.000000000Z stdout F first line',
    '2026-01-01T00:00:00.100000000Z stderr P part one ',
    '2026-01-01T00:00:00.200000000Z stderr F and two',
  ].join('\n') + '\n');
  const rec = (o: Partial<ContainerRecord>): ContainerRecord => ({
    id: 'c', sandboxId: 's', name: 'app', attempt: 0, restartCount: 0, hash: '', state: 'CONTAINER_EXITED', createdAt: 0, startedAt: 0,
    finishedAt: 0, exitCode: 1, reason: 'Error', message: '', image: '', imageRef: '', logPath: log, terminationMessageFile: file,
    terminationMessagePolicy: 'File', ...o,
  });
  await writeFile(file, '');
  assert.equal(await terminationMessage(rec({})), '');
  assert.equal(await terminationMessage(rec({ terminationMessagePolicy: 'FallbackToLogsOnError' })), 'first line\npart one and two\n');
  assert.equal(await terminationMessage(rec({ terminationMessagePolicy: 'FallbackToLogsOnError', exitCode: 0 })), '');
  await writeFile(file, 'written by the app');
  assert.equal(await terminationMessage(rec({ terminationMessagePolicy: 'FallbackToLogsOnError' })), 'written by the app');
  assert.equal(await terminationMessage(rec({ terminationMessageFile: undefined })), '');
});
