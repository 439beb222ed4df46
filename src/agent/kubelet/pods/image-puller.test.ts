import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPullPolicy, parseImage, withDefaultTag } from './image-puller.ts';

test('image references: tag, digest, default tag and default pull policy', () => {
  const cases: [string, { name: string; tag?: string; digest?: string }, string, string][] = [
    ['busybox', { name: 'busybox' }, 'busybox:latest', 'Always'],
    ['busybox:latest', { name: 'busybox', tag: 'latest' }, 'busybox:latest', 'Always'],
    ['busybox:1.36', { name: 'busybox', tag: '1.36' }, 'busybox:1.36', 'IfNotPresent'],
    ['localhost:5000/app', { name: 'localhost:5000/app' }, 'localhost:5000/app:latest', 'Always'],
    ['localhost:5000/app:v2', { name: 'localhost:5000/app', tag: 'v2' }, 'localhost:5000/app:v2', 'IfNotPresent'],
    ['app@sha256:abc', { name: 'app', digest: 'sha256:abc' }, 'app@sha256:abc', 'IfNotPresent'],
  ];
  for (const [image, parsed, tagged, policy] of cases) {
    assert.deepEqual(parseImage(image), { digest: undefined, ...parsed }, image);
    assert.equal(withDefaultTag(image), tagged, image);
    assert.equal(defaultPullPolicy(image), policy, image);
  }
});
