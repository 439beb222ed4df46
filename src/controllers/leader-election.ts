// Lease-based leader election, as client-go's leaderelection package: candidates race to write
// their identity into one coordination.k8s.io/v1 Lease with compare-and-swap (resourceVersion),
// the holder renews it every retry period, and the others take over only once the record has
// not changed for a whole lease duration by their own clock (no trust in other machines'
// clocks). A leader that cannot renew within the renew deadline stops its work before anyone
// else may start; a leader that stops cleanly releases the Lease so a standby takes over at once.
import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1';
import type { KObject } from '../api/types.ts';
import type { Logger } from '../cli/log.ts';
import type { Client } from '../client/client.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import { ApiError } from '../machinery/errors.ts';
import { rfc3339Micro } from '../machinery/meta.ts';

type LeaseObject = Lease & KObject;

/** Upstream's JitterFactor: acquire attempts wait retryPeriod × (1 + up to 1.2). */
export const JITTER_FACTOR = 1.2;

export interface LeaderElectionOptions {
  client: Client;
  /** The Lease's name, e.g. "kube-controller-manager". */
  name: string;
  namespace: string;
  /** Unique per candidate (upstream: hostname_uuid). */
  identity: string;
  /** How long a silent holder keeps the Lease from the others (default 15 s). */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it gives up (default 10 s). */
  renewDeadlineMs?: number;
  /** Between attempts (default 2 s). */
  retryPeriodMs?: number;
  log: Logger;
  /** Starts the leader's work; what it returns is stopped when leadership ends. */
  onStartedLeading(): Promise<{ stop(): void }> | { stop(): void };
  /** Told after the work was stopped (lost or released); only ever after onStartedLeading. */
  onStoppedLeading?(): void;
  /** Records "<identity> became leader" / "stopped leading" on the Lease, as upstream. */
  recorder?: EventRecorder;
  /** Wall clock for the times written into the Lease (expiry always uses the local monotonic clock). */
  now?: () => Date;
}

export interface LeaderElection {
  /** Stops leading (work stopped first, then the Lease released) or competing. */
  stop(): Promise<void>;
  isLeader(): boolean;
}

export function validateLeaderElectionTimes(leaseDurationMs: number, renewDeadlineMs: number, retryPeriodMs: number): void {
  if (leaseDurationMs <= renewDeadlineMs) throw new Error('leaseDuration must be greater than renewDeadline');
  if (renewDeadlineMs <= JITTER_FACTOR * retryPeriodMs) throw new Error('renewDeadline must be greater than retryPeriod*JitterFactor');
  if (leaseDurationMs < 1) throw new Error('leaseDuration must be greater than zero');
  if (retryPeriodMs < 1) throw new Error('retryPeriod must be greater than zero');
}

export function runWithLeaderElection(opts: LeaderElectionOptions): LeaderElection {
  const leaseDurationMs = opts.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = opts.retryPeriodMs ?? 2_000;
  validateLeaderElectionTimes(leaseDurationMs, renewDeadlineMs, retryPeriodMs);
  const leaseSeconds = Math.max(1, Math.round(leaseDurationMs / 1000));
  const { client, name, namespace, identity } = opts;
  const log = opts.log.with({ component: 'leader-election', lease: `${namespace}/${name}`, identity });
  const now = opts.now ?? (() => new Date());
  const mono = () => performance.now();
  const leases = client.resource<LeaseObject>('coordination.k8s.io', 'v1', 'leases');

  /** The Lease as we last read or wrote it (its resourceVersion guards our next write). */
  let lease: LeaseObject | undefined;
  /** The record as last observed, and when (local monotonic ms) it last changed. */
  let observed: LeaseSpec = {};
  let observedRaw = '';
  let observedAt = 0;
  let stopped = false;
  /** True from acquiring the Lease until the leader's work has been stopped. */
  let leading = false;
  /** Bumped when an attempt times out, so its late answer changes nothing. */
  let attempt = 0;
  const sleepers = new Set<() => void>();

  const isLeader = () => observed.holderIdentity === identity;
  const leaseValid = () => observedAt + (observed.leaseDurationSeconds ?? 0) * 1000 > mono();
  const setObserved = (spec: LeaseSpec) => { observed = spec; observedAt = mono(); };

  function sleep(ms: number): Promise<void> {
    if (stopped || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => { clearTimeout(timer); sleepers.delete(wake); resolve(); };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  }

  function leaseWith(spec: LeaseSpec): LeaseObject {
    return {
      ...(lease ?? { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace } }),
      spec: { ...(lease?.spec ?? {}), ...spec },
    };
  }

  /** One attempt to take or keep the Lease (upstream's tryAcquireOrRenew). */
  async function tryAcquireOrRenew(token: number): Promise<boolean> {
    const at = rfc3339Micro(now());
    const record: LeaseSpec = { holderIdentity: identity, leaseDurationSeconds: leaseSeconds, acquireTime: at, renewTime: at, leaseTransitions: 0 };

    // Fast path: we hold a valid lease, so write straight over the copy we have.
    if (isLeader() && leaseValid() && lease) {
      const renewed = { ...record, acquireTime: observed.acquireTime, leaseTransitions: observed.leaseTransitions };
      try {
        const written = await leases.update(leaseWith(renewed), { namespace });
        if (token !== attempt) return false;
        lease = written;
        setObserved(renewed);
        return true;
      } catch (err) {
        if (token !== attempt) return false;
        log.debug('optimistic lease update failed, falling back to reading it', { error: message(err) });
      }
    }

    let current: LeaseObject;
    try {
      current = await leases.get(name, namespace);
    } catch (err) {
      if (token !== attempt) return false;
      if (!(err instanceof ApiError && err.reason === 'NotFound')) {
        log.debug('error retrieving lease', { error: message(err) });
        return false;
      }
      try {
        lease = undefined;
        const created = await leases.create(leaseWith(record), { namespace });
        if (token !== attempt) return false;
        lease = created;
        setObserved(record);
        return true;
      } catch (createErr) {
        log.debug('error creating lease', { error: message(createErr) });
        return false;
      }
    }
    if (token !== attempt) return false;
    lease = current;
    const raw = JSON.stringify(current.spec ?? {});
    if (raw !== observedRaw) {
      observedRaw = raw;
      setObserved({ ...current.spec });
    }
    if (observed.holderIdentity && leaseValid() && !isLeader()) return false;

    if (isLeader()) {
      record.acquireTime = observed.acquireTime;
      record.leaseTransitions = observed.leaseTransitions;
    } else {
      record.leaseTransitions = (observed.leaseTransitions ?? 0) + 1;
    }
    try {
      const written = await leases.update(leaseWith(record), { namespace });
      if (token !== attempt) return false;
      lease = written;
      setObserved(record);
      return true;
    } catch (err) {
      log.debug('failed to update lease', { error: message(err) });
      return false;
    }
  }

  /** An attempt that gives up (false) when `ms` pass first; a late answer is then ignored. */
  async function attemptWithin(ms: number): Promise<boolean> {
    const token = ++attempt;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), Math.max(0, ms)); });
    const result = await Promise.race([tryAcquireOrRenew(token), timeout]);
    clearTimeout(timer);
    if (!result && token === attempt) attempt++;
    return result;
  }

  /** Until we hold the Lease (true) or are stopped (false). */
  async function acquire(): Promise<boolean> {
    log.debug('attempting to acquire leader lease');
    while (!stopped) {
      if (await attemptWithin(renewDeadlineMs)) {
        log.info('successfully acquired lease');
        return true;
      }
      await sleep(retryPeriodMs * (1 + Math.random() * JITTER_FACTOR));
    }
    return false;
  }

  /** Renews every retry period; resolves 'lost' when a renewal did not succeed within the deadline. */
  async function renewUntilLostOrStopped(aborted: () => boolean): Promise<'lost' | 'stopped'> {
    for (;;) {
      if (stopped || aborted()) return 'stopped';
      const deadline = mono() + renewDeadlineMs;
      let renewed = false;
      while (!stopped && !aborted() && mono() < deadline) {
        if (await attemptWithin(deadline - mono())) { renewed = true; break; }
        await sleep(Math.min(retryPeriodMs, deadline - mono()));
      }
      if (stopped || aborted()) return 'stopped';
      if (!renewed) return 'lost';
      await sleep(retryPeriodMs);
    }
  }

  /** Hands the Lease back (upstream's ReleaseOnCancel): empty holder, 1 s duration. */
  async function release(): Promise<void> {
    try {
      lease = await leases.get(name, namespace);
    } catch (err) {
      log.info('failed to read lease for release', { error: message(err) });
      return;
    }
    if (lease.spec?.holderIdentity !== identity) return;
    const at = rfc3339Micro(now());
    const record: LeaseSpec = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: at, renewTime: at, leaseTransitions: observed.leaseTransitions ?? 0 };
    try {
      lease = await leases.update(leaseWith(record), { namespace });
      setObserved(record);
      log.info('released leader lease');
    } catch (err) {
      log.info('failed to release lease', { error: message(err) });
    }
  }

  function event(reason: string) {
    if (!opts.recorder || !lease) return;
    opts.recorder.event(lease, 'Normal', 'LeaderElection', `${identity} ${reason}`);
  }

  async function run(): Promise<void> {
    while (!stopped) {
      if (!(await acquire())) return;
      if (stopped) { await release(); return; } // stopped while the winning attempt was in flight
      leading = true;
      event('became leader');
      let startFailed = false;
      const work = Promise.resolve().then(() => opts.onStartedLeading()).catch((err) => {
        log.error('starting the leader\'s work failed; stepping down', { error: message(err) });
        startFailed = true;
        return undefined;
      });
      const outcome = await renewUntilLostOrStopped(() => startFailed);
      // Stop the work before the Lease can pass to anyone else.
      (await work)?.stop();
      leading = false;
      if (outcome === 'lost') {
        log.info('failed to renew lease: leadership lost', { renewDeadlineMs });
        event('stopped leading');
      } else {
        await release();
      }
      opts.onStoppedLeading?.();
      if (startFailed) await sleep(retryPeriodMs);
    }
  }

  const done = run().catch((err) => log.error('leader election failed', { error: message(err) }));

  return {
    isLeader: () => leading,
    async stop() {
      stopped = true;
      for (const wake of [...sleepers]) wake();
      await done;
    },
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
