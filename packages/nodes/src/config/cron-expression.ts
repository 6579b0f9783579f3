/**
 * A syntax and range check of cron expressions as the scheduler (croner) reads them: 5 fields
 * (minute hour day-of-month month day-of-week) or 6 (seconds first), lists, ranges, steps, month
 * and weekday names, `?`, `L`, `W`, `#`, and the `@daily`-style nicknames. It refuses what can
 * never fire (`99 * * * *`) at save time; the scheduler still parses the expression itself.
 */
const nicknames = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const weekdays = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Extra tokens this field accepts (`L`, `W`, `#`). */
  special?: RegExp;
}

const second: FieldRule = { name: 'second', min: 0, max: 59 };
const rules: FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, special: /^(L|LW|L-\d{1,2}|\d{1,2}W|\?)$/ },
  { name: 'month', min: 1, max: 12, names: months },
  { name: 'day of week', min: 0, max: 7, names: weekdays, special: /^([0-7]|SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5])$|^\?$/ },
];

function valueOf(token: string, rule: FieldRule): number | null {
  if (/^\d{1,2}$/.test(token)) return Number(token);
  const index = rule.names?.indexOf(token) ?? -1;
  if (index < 0) return null;
  return rule.name === 'month' ? index + 1 : index;
}

function fieldProblem(field: string, rule: FieldRule): string | null {
  for (const item of field.toUpperCase().split(',')) {
    if (rule.special?.test(item)) continue;
    const [range, step, extra] = item.split('/');
    if (extra !== undefined || range === undefined || range === '') return `${rule.name}: "${item}" is not valid`;
    if (step !== undefined && !(/^\d{1,3}$/.test(step) && Number(step) > 0)) return `${rule.name}: step "${step}" must be a positive number`;
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `${rule.name}: "${item}" is not valid`;
    const values = bounds.map((bound) => valueOf(bound, rule));
    for (const [i, value] of values.entries()) {
      if (value === null) return `${rule.name}: "${bounds[i]}" is not a number or name`;
      if (value < rule.min || value > rule.max) return `${rule.name}: ${value} is outside ${rule.min}-${rule.max}`;
    }
    if (values.length === 2 && values[0]! > values[1]!) return `${rule.name}: range "${range}" runs backwards`;
  }
  return null;
}

/** Why `expression` is not a usable cron expression, or `null` when it is. */
export function cronProblem(expression: string): string | null {
  const trimmed = expression.trim();
  if (nicknames.has(trimmed.toLowerCase())) return null;
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return `expected 5 or 6 fields, got ${fields.length}`;
  const fieldRules = fields.length === 6 ? [second, ...rules] : rules;
  for (const [i, field] of fields.entries()) {
    const problem = fieldProblem(field, fieldRules[i]!);
    if (problem) return problem;
  }
  return null;
}
