// Makes sure a container's image is present, by its imagePullPolicy, with upstream's events
// (Pulling, Pulled, Failed, BackOff, ErrImageNeverPull) and pull back-off per pod and image.
import type { Container, Pod } from 'kubernetes-types/core/v1';
import type { CriClient, Input, PodSandboxConfig } from '../../runtime/cri-client.ts';
import { CriError } from '../../runtime/cri-client.ts';
import type { Logger } from '../../../cli/log.ts';
import { Backoff, goDuration } from './restart-backoff.ts';
import type { PodEvents } from './pod-events.ts';

export type PullFailure = 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName';
export type PullResult = { ok: true; imageRef: string } | { ok: false; reason: PullFailure; message: string };

/** The policy a container gets when none is set: Always for `:latest` or no tag, IfNotPresent otherwise. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const { tag, digest } = parseImage(image);
  if (digest) return 'IfNotPresent';
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** name, tag and digest of an image reference ("host:5000/a/b:tag@sha256:..."). */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { name: rest, digest };
}

/** The reference with `:latest` added when it has neither tag nor digest (upstream's applyDefaultImageTag). */
export function withDefaultTag(image: string): string {
  const p = parseImage(image);
  return p.tag || p.digest ? image : `${image}:latest`;
}

const GRPC_CODE_NAMES: Record<number, string> = {
  1: 'Canceled', 2: 'Unknown', 3: 'InvalidArgument', 4: 'DeadlineExceeded', 5: 'NotFound', 7: 'PermissionDenied',
  8: 'ResourceExhausted', 9: 'FailedPrecondition', 13: 'Internal', 14: 'Unavailable', 16: 'Unauthenticated',
};

/** A runtime error as Go's gRPC client prints it, which is what upstream's messages carry. */
export function grpcErrorText(err: unknown): string {
  if (err instanceof CriError) return `rpc error: code = ${GRPC_CODE_NAMES[err.code] ?? 'Unknown'} desc = ${err.details}`;
  return err instanceof Error ? err.message : String(err);
}

export interface ImagePullerOptions {
  cri: CriClient;
  events: PodEvents;
  log: Logger;
  now: () => number;
  backoff?: Backoff;
}

export class ImagePuller {
  private o: ImagePullerOptions;
  readonly backoff: Backoff;

  constructor(o: ImagePullerOptions) {
    this.o = o;
    this.backoff = o.backoff ?? new Backoff();
  }

  async ensure(pod: Pod, c: Container, sandbox: Input<PodSandboxConfig>): Promise<PullResult> {
    const { cri, events, log } = this.o;
    const image = c.image ?? '';
    const policy = c.imagePullPolicy ?? defaultPullPolicy(image);
    if (!image.trim()) return { ok: false, reason: 'InvalidImageName', message: `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format` };
    const spec = { image: withDefaultTag(image) };

    if (policy !== 'Always') {
      const present = await cri.imageStatus({ image: spec }).then((r) => r.image);
      if (present) {
        events.container(pod, c, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
        return { ok: true, imageRef: present.id };
      }
      if (policy === 'Never') {
        const message = `Container image "${image}" is not present with pull policy of Never`;
        events.container(pod, c, 'Warning', 'ErrImageNeverPull', message);
        return { ok: false, reason: 'ErrImageNeverPull', message };
      }
    }

    const key = `${pod.metadata?.uid}_${image}`;
    if (this.backoff.inBackoffSinceUpdate(key, this.o.now())) {
      const message = `Back-off pulling image "${image}"`;
      events.container(pod, c, 'Normal', 'BackOff', message);
      return { ok: false, reason: 'ImagePullBackOff', message };
    }
    events.container(pod, c, 'Normal', 'Pulling', `Pulling image "${image}"`);
    log.info('pulling image', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, image });
    const started = performance.now();
    try {
      const { imageRef } = await cri.pullImage({ image: spec, sandboxConfig: sandbox });
      const pulledMs = performance.now() - started;
      const status = await cri.imageStatus({ image: spec }).then((r) => r.image).catch(() => null);
      const total = performance.now() - started;
      events.container(pod, c, 'Normal', 'Pulled',
        `Successfully pulled image "${image}" in ${goDuration(Math.trunc(pulledMs))} (${goDuration(Math.trunc(total))} including waiting). Image size: ${status?.size ?? 0} bytes.`);
      this.backoff.reset(key);
      return { ok: true, imageRef: status?.id || imageRef };
    } catch (err) {
      const text = grpcErrorText(err);
      log.warn('image pull failed', { image, error: text });
      events.container(pod, c, 'Warning', 'Failed', `Failed to pull image "${image}": ${text}`);
      this.backoff.next(key, this.o.now());
      return { ok: false, reason: 'ErrImagePull', message: text };
    }
  }
}
