import { describe, expect, it } from 'vitest';
import { formatTimestamp, parseRfc3339 } from './rfc3339';

describe('parseRfc3339', () => {
  it('accepts UTC, offsets and fractions', () => {
    expect(parseRfc3339('2025-11-10T15:00:00Z')?.toISOString()).toBe('2025-11-10T15:00:00.000Z');
    expect(parseRfc3339('2025-11-10T18:00:00.250+03:00')?.toISOString()).toBe('2025-11-10T15:00:00.250Z');
  });

  it.each(['2025-02-30T00:00:00Z', '2025-13-01T00:00:00Z', '2025-11-10 15:00:00Z', '2025-11-10T15:00Z', '2025-11-10T15:00:00', 'tomorrow', '2025-11-10T24:00:00Z', ''])(
    'rejects %j',
    (value) => expect(parseRfc3339(value)).toBeNull(),
  );
});

describe('formatTimestamp', () => {
  it('drops zero milliseconds and keeps the others', () => {
    expect(formatTimestamp(new Date('2025-11-10T15:00:00.000Z'))).toBe('2025-11-10T15:00:00Z');
    expect(formatTimestamp(new Date('2025-11-10T15:00:00.007Z'))).toBe('2025-11-10T15:00:00.007Z');
  });
});
