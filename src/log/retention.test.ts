import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { metadataAction } from './testing.js';
import { booleanProperty, deletedFileRetentionMs, logRetentionMs, parseInterval } from './retention.js';

const H = 3_600_000;
const D = 24 * H;

describe('parseInterval', () => {
  it('reads the forms writers put in the log', () => {
    expect(parseInterval('interval 1 week', 'p')).toBe(7 * D);
    expect(parseInterval('interval 30 days', 'p')).toBe(30 * D);
    expect(parseInterval('INTERVAL 7 DAYS 1 hour', 'p')).toBe(7 * D + H);
    expect(parseInterval('1 day 12 hours', 'p')).toBe(36 * H);
    expect(parseInterval('interval 90 seconds 500 milliseconds', 'p')).toBe(90_500);
    expect(parseInterval('interval 1500 microseconds', 'p')).toBe(2);
    expect(parseInterval('interval 0 days', 'p')).toBe(0);
  });

  it('refuses months, unknown units, odd token counts and negative totals, naming the property', () => {
    for (const bad of [
      'interval 1 month',
      '2 years',
      'interval 7',
      'week',
      'interval 1 fortnight',
      '-1 day',
      '',
    ])
      expect(() => parseInterval(bad, 'delta.logRetentionDuration'), bad).toThrow(
        /delta\.logRetentionDuration/,
      );
  });

  it('sums any sequence of amounts and units', () => {
    const units = { week: 7 * D, day: D, hour: H, minute: 60_000, second: 1000 } as const;
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.nat(1000), fc.constantFrom(...(Object.keys(units) as Array<keyof typeof units>))),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.boolean(),
        (parts, plural) => {
          const text = `interval ${parts.map(([n, u]) => `${n} ${u}${plural ? 's' : ''}`).join(' ')}`;
          expect(parseInterval(text, 'p')).toBe(parts.reduce((sum, [n, u]) => sum + n * units[u], 0));
        },
      ),
    );
  });
});

describe('table retention properties', () => {
  it('default to one week and thirty days, and read the configuration', () => {
    const plain = metadataAction().metaData;
    const custom = metadataAction({
      configuration: {
        'delta.deletedFileRetentionDuration': 'interval 2 days',
        'delta.logRetentionDuration': 'interval 3 days',
        'delta.enableExpiredLogCleanup': 'FALSE',
      },
    }).metaData;
    if (!plain || !custom) throw new Error('metadataAction returns metaData');
    expect(deletedFileRetentionMs(plain)).toBe(7 * D);
    expect(logRetentionMs(plain)).toBe(30 * D);
    expect(deletedFileRetentionMs(custom)).toBe(2 * D);
    expect(logRetentionMs(custom)).toBe(3 * D);
    expect(booleanProperty(custom, 'delta.enableExpiredLogCleanup', true)).toBe(false);
    expect(booleanProperty(plain, 'delta.enableExpiredLogCleanup', true)).toBe(true);
  });
});
