/**
 * RFC 3339 date-times (`2025-11-10T15:00:00Z`, `2025-11-10T18:00:00.250+03:00`). `Date.parse`
 * alone is too lenient: it accepts `2025-02-30` (as March 2nd) and many non-RFC forms.
 */
const pattern = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;

export function parseRfc3339(value: string): Date | null {
  const match = pattern.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null;
  if (match[9] !== undefined && (Number(match[9]) > 23 || Number(match[10]) > 59)) return null;
  const time = Date.parse(value.toUpperCase());
  return Number.isNaN(time) ? null : new Date(time);
}

/** RFC 3339 in UTC, with milliseconds only when there are some (`2025-11-10T15:00:00Z`, as documented). */
export function formatTimestamp(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}
