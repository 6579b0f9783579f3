/**
 * `.dockerignore` semantics: patterns relative to the context root, `*` and `?` within one path
 * segment, `**` across segments, `!` re-includes, the last matching line wins, and a pattern that
 * matches a directory excludes everything under it.
 */
export interface IgnoreRule {
  pattern: string;
  negated: boolean;
  regex: RegExp;
  line: number;
}

function toRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*' && pattern[i + 1] === '*') {
      source += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).trim().replace(/^\/+/, '').replace(/\/+$/, '');
    rules.push({ pattern, negated, regex: toRegex(pattern), line: index + 1 });
  });
  return rules;
}

/** The rule that decides a context path's fate, when one does (excluded when not negated). */
export function decidingRule(path: string, rules: readonly IgnoreRule[]): IgnoreRule | undefined {
  const segments = path.replace(/^\.?\/+/, '').split('/');
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let decision: IgnoreRule | undefined;
  for (const rule of rules) if (candidates.some((candidate) => rule.regex.test(candidate))) decision = rule;
  return decision;
}

export const isIgnored = (path: string, rules: readonly IgnoreRule[]): boolean => {
  const rule = decidingRule(path, rules);
  return rule !== undefined && !rule.negated;
};
