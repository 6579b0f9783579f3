/**
 * The Dockerfile and .dockerignore: the dockerfile-utils linter and the image's contract (see
 * lib/dockerfile-checks.ts). Broken copies prove each check fails naming the file and the line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readPlatformConfig } from '../../scripts/platform';
import { describe, expect, it } from 'vitest';
import { checkDockerfile } from './lib/dockerfile-checks';
import { formatProblems, type Problem } from './lib/problems';
import { migrateVariables, processes, processNames } from './lib/processes';

const repositoryRoot = join(import.meta.dirname, '..', '..');
const dockerfile = readFileSync(join(repositoryRoot, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(repositoryRoot, '.dockerignore'), 'utf8');

const check = (edits: { dockerfile?: [string, string]; dockerignore?: [string, string] } = {}): Problem[] => {
  const edit = (text: string, change?: [string, string]) => {
    if (!change) return text;
    if (!text.includes(change[0])) throw new Error(`no ${JSON.stringify(change[0])} to break`);
    return text.replace(change[0], change[1]);
  };
  return checkDockerfile({
    repositoryRoot,
    dockerfile: edit(dockerfile, edits.dockerfile),
    dockerignore: edit(dockerignore, edits.dockerignore),
    dockerfileName: 'Dockerfile',
    dockerignoreName: '.dockerignore',
  });
};

const lineOf = (text: string, needle: string) => `line ${text.split('\n').findIndex((line) => line.includes(needle)) + 1}`;

const expectProblem = (problems: Problem[], expected: { file?: string; field: string; message: RegExp }) => {
  const file = expected.file ?? 'Dockerfile';
  expect(problems.some((p) => p.file === file && p.field === expected.field && expected.message.test(p.message)), formatProblems(problems).join('\n')).toBe(true);
};

describe('Dockerfile and .dockerignore', () => {
  it('pass dockerfile-utils and every image check', () => {
    expect(formatProblems(check())).toEqual([]);
  });

  it("the image's healthcheck knows each process's default port (as the env shapes declare it)", async () => {
    const script = pathToFileURL(join(repositoryRoot, 'deploy', 'image', 'healthcheck.mjs')).href;
    const { defaultPorts } = (await import(script)) as { defaultPorts: Record<string, number> };
    const fromShapes = Object.fromEntries(processNames.map((name) => [name, (processes[name].envShape.PORT as unknown as { parse(v: unknown): number }).parse(undefined)]));
    expect(defaultPorts).toEqual(fromShapes);
  });

  it('the migrate variables are the ones scripts/platform.ts reads', () => {
    const read = new Set<string>();
    readPlatformConfig(new Proxy({}, { get: (_, key) => void read.add(String(key)) }));
    for (const name of migrateVariables) expect(read).toContain(name);
  });
});

describe('a broken Dockerfile or .dockerignore fails, naming the file and the line', () => {
  it('an unknown instruction', () => {
    expectProblem(check({ dockerfile: ['COPY . .', 'COPPY . .'] }), { field: lineOf(dockerfile, 'COPY . .'), message: /dockerfile-utils .*Unknown instruction: COPPY/ });
  });

  it('a malformed flag', () => {
    expectProblem(check({ dockerfile: ['HEALTHCHECK --interval=10s', 'HEALTHCHECK --intervall=10s'] }), { field: lineOf(dockerfile, 'HEALTHCHECK'), message: /dockerfile-utils (error|warning): Unknown flag: intervall/ });
  });

  it('the processes running as root', () => {
    expectProblem(check({ dockerfile: ['USER 1000:1000', 'USER root'] }), { field: lineOf(dockerfile, 'USER 1000:1000'), message: /USER root is root/ });
  });

  it('a HEALTHCHECK on a path the processes do not serve', () => {
    expectProblem(check({ dockerfile: ['healthcheck.mjs", "/readyz"]', 'healthcheck.mjs", "/status"]'] }), { field: lineOf(dockerfile, 'HEALTHCHECK'), message: /asks for \/status/ });
  });

  it('development dependencies in the image', () => {
    expectProblem(check({ dockerfile: ['--frozen-lockfile --prod', '--frozen-lockfile'] }), { field: lineOf(dockerfile, 'pnpm install --offline'), message: /production dependencies only/ });
  });

  it('a COPY of a file that is not in the context', () => {
    expectProblem(check({ dockerfile: ['COPY pnpm-lock.yaml pnpm-workspace.yaml ./', 'COPY pnpm-lock.yml pnpm-workspace.yaml ./'] }), { field: lineOf(dockerfile, 'COPY pnpm-lock.yaml'), message: /COPY pnpm-lock.yml: no such file/ });
  });

  it('an entrypoint in shell form', () => {
    expectProblem(check({ dockerfile: ['ENTRYPOINT ["/app/deploy/image/run-process.sh"]', 'ENTRYPOINT /app/deploy/image/run-process.sh'] }), { field: lineOf(dockerfile, 'ENTRYPOINT'), message: /exec form/ });
  });

  it('a tsx version that drifted from the lockfile', () => {
    expectProblem(check({ dockerfile: [/ARG TSX_VERSION=\S+/.exec(dockerfile)![0], 'ARG TSX_VERSION=4.0.0'] }), { field: lineOf(dockerfile, 'ARG TSX_VERSION'), message: /TSX_VERSION 4.0.0 differs from pnpm-lock.yaml's tsx/ });
  });

  it('a .dockerignore that drops what the image runs, or lets secrets in', () => {
    const problems = check({ dockerignore: ['deploy/overlays\n', 'deploy/overlays\nservices/*/drizzle\n'] });
    expect(problems.find((p) => p.message.includes('services/executions/drizzle'))).toMatchObject({ file: '.dockerignore', field: expect.stringMatching(/^line \d+$/) });
    expectProblem(check({ dockerignore: ['.env\n', ''] }), { file: '.dockerignore', field: '(file)', message: /\.env must be excluded/ });
  });
});
