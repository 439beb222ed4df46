// Exponential back-off keyed by container (or image pull), as upstream's flowcontrol.Backoff used
// for CrashLoopBackOff and ImagePullBackOff: the first retry is immediate, then 10 s doubling to
// 5 min; an entry not updated for twice the maximum (10 min, e.g. a container that ran fine that
// long) starts over. Pure: the caller passes the clock.

export const INITIAL_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 300_000;

interface Entry { backoffMs: number; lastUpdate: number }

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  private entries = new Map<string, Entry>();

  constructor(initialMs = INITIAL_BACKOFF_MS, maxMs = MAX_BACKOFF_MS) {
    this.initialMs = initialMs;
    this.maxMs = maxMs;
  }

  /** The current back-off for key (0 when none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Records a retry at eventTime: the next back-off doubles (or starts at the initial one). */
  next(key: string, eventTime: number): void {
    const e = this.entries.get(key);
    if (!e || eventTime - e.lastUpdate > 2 * this.maxMs) {
      this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: eventTime });
    } else {
      e.backoffMs = Math.min(e.backoffMs * 2, this.maxMs);
      e.lastUpdate = eventTime;
    }
  }

  /** Whether now is still inside the back-off window that started at eventTime (e.g. a container's exit). */
  inBackoffSince(key: string, eventTime: number, now: number): boolean {
    const e = this.entries.get(key);
    if (!e || now - e.lastUpdate > 2 * this.maxMs) return false;
    return now - eventTime < e.backoffMs;
  }

  /** Whether the last recorded retry is still inside its window (image pulls: since the failure). */
  inBackoffSinceUpdate(key: string, now: number): boolean {
    const e = this.entries.get(key);
    if (!e || now - e.lastUpdate > 2 * this.maxMs) return false;
    return now - e.lastUpdate < e.backoffMs;
  }

  /** When the window starting at eventTime ends (for scheduling the next look). */
  expiresAt(key: string, eventTime: number): number {
    return eventTime + this.get(key);
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key with the given prefix (a pod's entries when it goes). */
  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

/** Go's time.Duration String() for whole seconds and milliseconds ("10s", "1m20s", "5m0s", "1.234s", "523ms"). */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h) return `${h}h${m}m${sec}`;
  if (m) return `${m}m${sec}`;
  return sec;
}
