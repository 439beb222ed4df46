// CronJob schedules as upstream accepts them: the standard 5-field cron syntax (minute, hour,
// day of month, month, day of week, with names, ranges, steps and lists) or a descriptor
// (@yearly ... @hourly, @every <duration>). Errors carry the texts upstream's parser gives.

interface Bounds { min: number; max: number; names?: Record<string, number> }

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

const FIELDS: Bounds[] = [
  { min: 0, max: 59 },                 // minute
  { min: 0, max: 23 },                 // hour
  { min: 1, max: 31 },                 // day of month
  { min: 1, max: 12, names: MONTHS },  // month
  { min: 0, max: 6, names: DAYS },     // day of week
];

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

class ScheduleError extends Error {}

/** Go's strconv.Atoi (64-bit), with its error texts. BigInt keeps large values exact for messages. */
function atoi(s: string): bigint {
  if (!/^[+-]?\d+$/.test(s)) throw new ScheduleError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) throw new ScheduleError(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

function parseNonNegative(expr: string): bigint {
  let n: bigint;
  try {
    n = atoi(expr);
  } catch (err) {
    throw new ScheduleError(`failed to parse int from ${expr}: ${(err as Error).message}`);
  }
  if (n < 0n) throw new ScheduleError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names?: Record<string, number>): bigint {
  const named = names?.[expr.toLowerCase()];
  return named !== undefined ? BigInt(named) : parseNonNegative(expr);
}

/** One comma-separated part: "*", "?", "n", "a-b", any of them with "/step". */
function checkRange(expr: string, r: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const min = BigInt(r.min);
  const max = BigInt(r.max);
  let start: bigint;
  let end: bigint;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = min;
    end = max;
  } else {
    start = parseIntOrName(lowAndHigh[0], r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], r.names);
    else throw new ScheduleError(`too many hyphens: ${expr}`);
  }
  let step = 1n;
  if (rangeAndStep.length === 2) {
    step = parseNonNegative(rangeAndStep[1]);
    // "n/step" means "n-max/step".
    if (lowAndHigh.length === 1) end = max;
  } else if (rangeAndStep.length > 2) {
    throw new ScheduleError(`too many slashes: ${expr}`);
  }
  if (start < min) throw new ScheduleError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > max) throw new ScheduleError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new ScheduleError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0n) throw new ScheduleError(`step of range should be a positive number: ${expr}`);
}

const DURATION_UNITS = new Set(['ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h']);

/** Go's time.ParseDuration, for its acceptance and error texts only. */
function checkGoDuration(orig: string): void {
  const quoted = JSON.stringify(orig);
  let s = orig.replace(/^[-+]/, '');
  if (s === '0') return;
  if (s === '') throw new ScheduleError(`time: invalid duration ${quoted}`);
  while (s !== '') {
    const num = /^(\d*)(\.\d*)?/.exec(s)!;
    const intPart = num[1];
    const fracPart = num[2] ?? '';
    if (intPart === '' && fracPart.length <= 1) throw new ScheduleError(`time: invalid duration ${quoted}`);
    s = s.slice(num[0].length);
    const unit = /^[^\d.]*/.exec(s)![0];
    if (unit === '') throw new ScheduleError(`time: missing unit in duration ${quoted}`);
    if (!DURATION_UNITS.has(unit)) throw new ScheduleError(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    s = s.slice(unit.length);
  }
}

/** Go's strings.Fields: split on runs of whitespace. */
function fields(s: string): string[] {
  return s.split(/\s+/).filter((f) => f !== '');
}

/**
 * Why upstream would reject this schedule (its parser's message), or undefined when it is valid.
 * A "TZ=" / "CRON_TZ=" prefix is parsed too; CronJob validation rejects it separately.
 */
export function cronScheduleError(schedule: string, isTimeZone: (name: string) => boolean): string | undefined {
  try {
    let spec = schedule;
    if (spec.length === 0) throw new ScheduleError('empty spec string');
    if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
      const space = spec.indexOf(' ');
      const eq = spec.indexOf('=');
      if (space < 0) {
        // Upstream slices past the end here and reports the recovered panic.
        return `failed to parse cron schedule ${schedule}: runtime error: slice bounds out of range [:-1]`;
      }
      const zone = spec.slice(eq + 1, space);
      if (!isTimeZone(zone)) throw new ScheduleError(`provided bad location ${zone}: unknown time zone ${zone}`);
      spec = spec.slice(space).trim();
    }
    if (spec.startsWith('@')) {
      if (DESCRIPTORS.has(spec)) return undefined;
      if (spec.startsWith('@every ')) {
        try {
          checkGoDuration(spec.slice('@every '.length));
        } catch (err) {
          throw new ScheduleError(`failed to parse duration ${spec}: ${(err as Error).message}`);
        }
        return undefined;
      }
      throw new ScheduleError(`unrecognized descriptor: ${spec}`);
    }
    const parts = fields(spec);
    if (parts.length !== FIELDS.length) {
      throw new ScheduleError(`expected exactly ${FIELDS.length} fields, found ${parts.length}: [${parts.join(' ')}]`);
    }
    parts.forEach((part, i) => {
      for (const expr of part.split(',').filter((e) => e !== '')) checkRange(expr, FIELDS[i]);
    });
    return undefined;
  } catch (err) {
    if (err instanceof ScheduleError) return err.message;
    throw err;
  }
}
