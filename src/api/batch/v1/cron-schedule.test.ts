import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cronScheduleError } from './cron-schedule.ts';

const zones = (name: string) => ['', 'UTC', 'Europe/Paris'].includes(name);

test('cronScheduleError: valid schedules', () => {
  for (const s of ['*/5 * * * *', '0 0 * * *', '30 6 1,15 * MON-FRI', '0 9 * jan-mar sun', '15 14 1 * ?', '0-59/10 0-23 1-31 1-12 0-6',
    '@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually', '@every 1h30m', '@every .5s', 'TZ=Europe/Paris 0 * * * *']) {
    assert.equal(cronScheduleError(s, zones), undefined, s);
  }
});

test('cronScheduleError: upstream parser messages', () => {
  const cases: [string, string][] = [
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['0 0 * * * *', 'expected exactly 5 fields, found 6: [0 0 * * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['* * * foo *', 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['@every 5', 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ['@every 5y', 'failed to parse duration @every 5y: time: unknown unit "y" in duration "5y"'],
    ['@every x', 'failed to parse duration @every x: time: invalid duration "x"'],
    ['TZ=Mars/Olympus 0 * * * *', 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus'],
  ];
  for (const [schedule, want] of cases) assert.equal(cronScheduleError(schedule, zones), want, schedule);
});
