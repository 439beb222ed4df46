// The node's own CPU and memory, read as upstream's kubelet (cAdvisor) reads them for the node:
// CPU time from /proc/stat, the working set of the root memory cgroup (usage less inactive file
// pages), or /proc/meminfo's equivalent where that cgroup is not there (cgroup v2).
import { readFile } from 'node:fs/promises';
import type { Point } from './summary.ts';

/** USER_HZ: the unit of /proc/stat's counters, 100 on every Linux build that matters here. */
const CLOCK_TICKS_PER_SECOND = 100;
const NS_PER_TICK = 1e9 / CLOCK_TICKS_PER_SECOND;

/**
 * Busy CPU time of all CPUs together, in nanoseconds, from /proc/stat's first line
 * (`cpu user nice system idle iowait irq softirq steal guest guest_nice`): everything but idle
 * and iowait. guest time is already counted in user, so it is left out.
 */
export function procStatBusyNs(text: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) return undefined;
  const [user, nice, system, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) * NS_PER_TICK;
}

/** A `key value` file (memory.stat) as a map. */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

/** The working set of a cgroup v1 memory controller: usage less inactive file pages, never below 0. */
export function cgroupV1WorkingSet(usageBytes: number, memoryStat: string): number {
  const stat = parseFlatKeyed(memoryStat);
  // The root cgroup's own inactive_file leaves out its children; total_ counts the whole tree.
  const inactive = stat.get('total_inactive_file') ?? stat.get('inactive_file') ?? 0;
  return Math.max(0, usageBytes - inactive);
}

/** From /proc/meminfo: used memory (total - free) less inactive file pages, in bytes. */
export function meminfoWorkingSet(text: string): { usageBytes: number; workingSetBytes: number } | undefined {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1], Number(m[2]) * 1024);
  }
  const total = kb.get('MemTotal');
  const free = kb.get('MemFree');
  if (total === undefined || free === undefined) return undefined;
  const usageBytes = total - free;
  return { usageBytes, workingSetBytes: Math.max(0, usageBytes - (kb.get('Inactive(file)') ?? 0)) };
}

export interface NodeUsagePaths { procStat: string; meminfo: string; memoryCgroup: string }
const DEFAULT_PATHS: NodeUsagePaths = { procStat: '/proc/stat', meminfo: '/proc/meminfo', memoryCgroup: '/sys/fs/cgroup/memory' };

/** One reading of the node's CPU time and memory working set. */
export async function readNodeUsage(at: number, paths: NodeUsagePaths = DEFAULT_PATHS): Promise<Point> {
  const point: Point = { at };
  const stat = await readFile(paths.procStat, 'utf8').catch(() => undefined);
  if (stat !== undefined) point.cpuNs = procStatBusyNs(stat);
  const [usage, memoryStat] = await Promise.all([
    readFile(`${paths.memoryCgroup}/memory.usage_in_bytes`, 'utf8').catch(() => undefined),
    readFile(`${paths.memoryCgroup}/memory.stat`, 'utf8').catch(() => undefined),
  ]);
  if (usage !== undefined && memoryStat !== undefined && /^\d+\s*$/.test(usage)) {
    point.usageBytes = Number(usage.trim());
    point.workingSetBytes = cgroupV1WorkingSet(point.usageBytes, memoryStat);
    return point;
  }
  const meminfo = await readFile(paths.meminfo, 'utf8').catch(() => undefined);
  const mem = meminfo === undefined ? undefined : meminfoWorkingSet(meminfo);
  if (mem) Object.assign(point, mem);
  return point;
}
