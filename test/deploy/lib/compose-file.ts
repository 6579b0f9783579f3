/**
 * Reads docker-compose.yml and .env.example the way `docker compose` does: YAML with merge keys
 * (`<<: *anchor`), then `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`
 * interpolation from the environment file, `$$` for a literal dollar.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { Problem } from './problems';

export interface Interpolation {
  name: string;
  operator: ':-' | '-' | ':?' | '?' | '';
  argument: string;
}

const interpolationPattern = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-|:\?|\?)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Every `${VAR...}` of a text, `$$` escapes skipped. */
export function interpolationsOf(text: string): Interpolation[] {
  const found: Interpolation[] = [];
  for (const match of text.matchAll(interpolationPattern)) {
    if (match[0] === '$$') continue;
    found.push({ name: (match[1] ?? match[4])!, operator: (match[2] ?? '') as Interpolation['operator'], argument: match[3] ?? '' });
  }
  return found;
}

export function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(interpolationPattern, (whole, braced: string | undefined, operator: string | undefined, argument: string | undefined, bare: string | undefined) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare)!;
    const value = env[name];
    switch (operator) {
      case ':-':
        return value ? value : (argument ?? '');
      case '-':
        return value ?? argument ?? '';
      default:
        return value ?? '';
    }
  });
}

function interpolateDeep(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, env));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, interpolateDeep(child, env)]));
  return value;
}

/** `KEY=value` lines; comments and blank lines skipped. */
export function parseEnvFile(text: string): Map<string, { value: string; line: number }> {
  const entries = new Map<string, { value: string; line: number }>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const equals = line.indexOf('=');
    if (equals <= 0) return;
    entries.set(line.slice(0, equals).trim(), { value: line.slice(equals + 1).trim().replace(/^(['"])(.*)\1$/, '$2'), line: index + 1 });
  });
  return entries;
}

export interface ComposeFile {
  /** As written (merge keys applied, no interpolation). */
  raw: Record<string, unknown>;
  /** As docker compose would see it with .env.example as `.env`. */
  resolved: Record<string, unknown>;
  text: string;
  envExample: Map<string, { value: string; line: number }>;
}

export function readComposeFile(composePath: string, envExamplePath: string, displayName: string): { file?: ComposeFile; problems: Problem[] } {
  const text = readFileSync(composePath, 'utf8');
  const document = parseDocument(text, { merge: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return { problems: document.errors.map((error) => ({ file: displayName, field: `line ${error.linePos?.[0]?.line ?? '?'}`, message: error.message.split('\n')[0]! })) };
  }
  const raw = document.toJS({ maxAliasCount: 1000 }) as Record<string, unknown>;
  const envExample = parseEnvFile(readFileSync(envExamplePath, 'utf8'));
  const env = Object.fromEntries([...envExample].map(([key, entry]) => [key, entry.value]));
  return { file: { raw, resolved: interpolateDeep(raw, env) as Record<string, unknown>, text, envExample }, problems: [] };
}

/** `1m30s` → 90000. */
export function durationMs(value: string): number {
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/g)) {
    const factor = { ns: 1e-6, us: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit as 'ns'];
    total += Number(amount) * factor;
  }
  return total;
}
