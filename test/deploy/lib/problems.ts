/**
 * A deploy check's finding: the file to edit, the field in it (a dotted path, or a line) and
 * what is wrong. Every check returns a list of these; an empty list means the artefact passes.
 */
export interface Problem {
  file: string;
  field: string;
  message: string;
}

export const formatProblem = (problem: Problem): string => `${problem.file}: ${problem.field}: ${problem.message}`;

/** Formats problems one per line, for `expect(...).toEqual([])` diffs that read like CI output. */
export const formatProblems = (problems: readonly Problem[]): string[] => problems.map(formatProblem);

/** `a.b[0]["app.kubernetes.io/name"]`: dotted path of a value inside a parsed document. */
export function fieldPath(segments: ReadonlyArray<string | number>): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}
