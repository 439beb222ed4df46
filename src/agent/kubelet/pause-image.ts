// The sandbox ("pause") image, built from busybox-static on first start and imported into the
// node's containerd, so a node never needs a registry to run pods.
import { join } from 'node:path';
import type { CriClient } from '../runtime/cri-client.ts';
import { buildBusyboxImage, busyboxImageRef, importImage } from '../runtime/images.ts';

const PAUSE_NAME = 'skiff.local/pause';
const PAUSE_TAG = '3.10';
export const PAUSE_IMAGE = busyboxImageRef(PAUSE_NAME, PAUSE_TAG);

/** Makes sure the pause image is in containerd; builds it (a second or two) only when missing. */
export async function ensurePauseImage(cri: CriClient, socket: string, workDir: string, log: (msg: string, f?: Record<string, unknown>) => void): Promise<void> {
  if ((await cri.imageStatus({ image: { image: PAUSE_IMAGE } })).image) return;
  const started = Date.now();
  log('building the pause image', { image: PAUSE_IMAGE });
  const archive = await buildBusyboxImage({ name: PAUSE_NAME, tag: PAUSE_TAG, entrypoint: ['/bin/sleep', 'inf'], workDir: join(workDir, 'images') });
  await importImage(socket, archive);
  log('pause image imported', { image: PAUSE_IMAGE, ms: Date.now() - started });
}
