/**
 * PostgreSQL refuses two kinds of string JavaScript allows: NUL characters (in `text` and in
 * jsonb) and lone UTF-16 surrogates (jsonb's `\ud800` escapes). Either would fail the insert with
 * a 500, so they are reported as validation problems first.
 */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function unstorableText(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain NUL characters';
  if (loneSurrogate.test(text)) return 'must be well-formed Unicode (a lone surrogate was found)';
  return null;
}

/** JSON pointers (below `base`) of every key or string in `value` that PostgreSQL cannot store. */
export function unstorableStrings(value: unknown, base: string): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: base }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = unstorableText(current);
      if (problem) problems.push({ path, message: problem });
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, child] of Object.entries(current)) {
        const childPath = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
        const keyProblem = unstorableText(key);
        if (keyProblem) problems.push({ path: childPath, message: `key ${keyProblem}` });
        stack.push({ value: child, path: childPath });
      }
    }
  }
  return problems.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * How deeply a JSON value may nest (arrays and objects), everywhere a client sends JSON: HTTP
 * bodies, GraphQL variables, task payloads, parameters, workflow inputs. Deeper values are refused
 * with 400: serialising one (to forward it, to store it as jsonb) recurses once per level and
 * exhausted the stack at about 10,000 levels, a 20 KB body.
 */
export const jsonNestingLimit = 100;

/** Whether `value` nests deeper than `limit` levels (a scalar is depth 0, `[]` depth 1). */
export function nestsDeeperThan(value: unknown, limit = jsonNestingLimit): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}
