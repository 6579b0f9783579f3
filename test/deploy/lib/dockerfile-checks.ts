/**
 * Checks the Dockerfile and .dockerignore offline: the `dockerfile-utils` linter (the one behind
 * the Docker language server: unknown instructions, bad flags, malformed JSON arguments, ...),
 * then the image's contract: multi-stage on the Node 20 image, production dependencies only, a
 * non-root USER, a HEALTHCHECK on a served path, an entrypoint that exists and is executable,
 * COPY sources that exist and are not ignored, pinned tool versions equal to the repository's.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { parse } from 'yaml';
import { healthcheckPath } from './compose-checks';
import { decidingRule, parseDockerignore, type IgnoreRule } from './dockerignore';
import type { Problem } from './problems';
import { servedPaths } from './processes';

export interface Instruction {
  keyword: string;
  /** Arguments, continuation lines joined. */
  args: string;
  line: number;
}

/** Splits a Dockerfile into instructions (comments skipped, `\` continuations joined). */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!;
    if (first.trim() === '' || first.trimStart().startsWith('#')) continue;
    const start = i;
    let joined = first;
    while (joined.trimEnd().endsWith('\\') && i + 1 < lines.length) {
      joined = `${joined.trimEnd().slice(0, -1)} `;
      i++;
      if (!lines[i]!.trimStart().startsWith('#')) joined += lines[i]!.trim();
    }
    const match = /^\s*(\S+)\s*(.*)$/.exec(joined);
    if (match) instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: start + 1 });
  }
  return instructions;
}

/** Files the image cannot run without: they must exist and must not be ignored. */
export function requiredContextPaths(repositoryRoot: string): string[] {
  const workspace = (parse(readFileSync(join(repositoryRoot, 'pnpm-workspace.yaml'), 'utf8')) as { packages: string[] }).packages;
  const packageFolders = ['.', ...workspace.flatMap((pattern) => expandOneLevel(repositoryRoot, pattern))];
  return [
    'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'tsconfig.json', 'tsconfig.base.json', 'scripts/migrate.ts',
    'deploy/image/run-process.sh', 'deploy/image/healthcheck.mjs', 'gateway/src/main.ts', 'gateway/supergraph.graphql',
    ...packageFolders.map((folder) => join(folder, 'package.json')),
    ...packageFolders.filter((folder) => folder.startsWith('services/')).flatMap((folder) => [join(folder, 'src/main.ts'), join(folder, 'drizzle')]),
  ];
}

function expandOneLevel(root: string, pattern: string): string[] {
  if (!pattern.endsWith('/*')) return [pattern];
  const parent = pattern.slice(0, -2);
  return readdirSync(join(root, parent)).map((entry) => `${parent}/${entry}`).filter((folder) => existsSync(join(root, folder, 'package.json')));
}

export interface DockerfileInput {
  repositoryRoot: string;
  dockerfile: string;
  dockerignore: string;
  /** Names in messages. */
  dockerfileName: string;
  dockerignoreName: string;
}

export function checkDockerfile(input: DockerfileInput): Problem[] {
  const problems: Problem[] = [];
  const add = (line: number | string, message: string, file = input.dockerfileName) => problems.push({ file, field: typeof line === 'number' ? `line ${line}` : line, message });

  for (const diagnostic of validate(input.dockerfile)) {
    const severity = diagnostic.severity === ValidationSeverity.ERROR ? 'error' : 'warning';
    add(diagnostic.range.start.line + 1, `dockerfile-utils ${severity}: ${diagnostic.message}`);
  }

  const instructions = parseDockerfile(input.dockerfile);
  const rules = parseDockerignore(input.dockerignore);
  const globalArgs = new Map<string, string>();
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') break;
    if (instruction.keyword === 'ARG') {
      const [name, value] = instruction.args.split('=');
      if (name && value !== undefined) globalArgs.set(name.trim(), value.trim());
    }
  }
  const stages: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  if (stages.length < 2) add(1, `a multi-stage build is expected (build, then runtime), found ${stages.length} stage(s)`);
  const final = stages.at(-1) ?? [];
  const from = final[0];
  if (from) {
    const image = from.args.split(/\s+/)[0]!.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => globalArgs.get(name) ?? '');
    if (!/^node:20(\.|-|$)/.test(image)) add(from.line, `the runtime stage must run on the Node 20 image, got ${image || from.args}`);
  }
  const user = final.filter((i) => i.keyword === 'USER').at(-1);
  if (!user) add(from?.line ?? 1, 'the runtime stage has no USER: the processes would run as root');
  else if (/^(root|0)(:|$)/.test(user.args)) add(user.line, `USER ${user.args} is root`);
  const healthcheck = final.find((i) => i.keyword === 'HEALTHCHECK');
  if (!healthcheck) add(from?.line ?? 1, 'the runtime stage has no HEALTHCHECK');
  else {
    const json = /CMD\s+(\[.*\])\s*$/.exec(healthcheck.args)?.[1];
    const path = healthcheckPath(json ? (JSON.parse(json) as string[]) : healthcheck.args.replace(/^.*?CMD\s+/, ''));
    if (path === undefined) add(healthcheck.line, 'the HEALTHCHECK must GET a health endpoint');
    else if (!(servedPaths as readonly string[]).includes(path)) add(healthcheck.line, `the HEALTHCHECK asks for ${path}, which the processes do not serve (${servedPaths.join(', ')})`);
  }
  const entrypoint = final.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
  if (!entrypoint) add(from?.line ?? 1, 'the runtime stage has no ENTRYPOINT');
  else {
    const program = (JSON.parse(/^\[.*\]$/.test(entrypoint.args) ? entrypoint.args : '[]') as string[])[0];
    const local = program?.replace(/^\/app\//, '');
    if (!local) add(entrypoint.line, 'ENTRYPOINT must be in JSON form (exec form), so that the process is PID 1 and receives SIGTERM');
    else if (!existsSync(join(input.repositoryRoot, local))) add(entrypoint.line, `ENTRYPOINT ${program}: ${local} does not exist in the repository`);
    else if ((statSync(join(input.repositoryRoot, local)).mode & 0o111) === 0) add(entrypoint.line, `ENTRYPOINT ${program}: ${local} is not executable (git update-index --chmod=+x)`);
  }
  const installs = instructions.filter((i) => i.keyword === 'RUN' && /pnpm install/.test(i.args));
  if (!installs.some((i) => /--prod\b/.test(i.args) && /--frozen-lockfile/.test(i.args))) add(installs[0]?.line ?? 1, 'dependencies must be installed with pnpm install --frozen-lockfile --prod (production dependencies only)');

  for (const instruction of instructions) {
    if ((instruction.keyword !== 'COPY' && instruction.keyword !== 'ADD') || /--from=/.test(instruction.args)) continue;
    const parts = instruction.args.split(/\s+/).filter((part) => !part.startsWith('--'));
    for (const source of parts.slice(0, -1)) {
      if (source === '.') continue;
      if (!existsSync(join(input.repositoryRoot, source))) add(instruction.line, `${instruction.keyword} ${source}: no such file in the build context`);
      else reportIgnored(source, rules, (rule) => add(instruction.line, `${instruction.keyword} ${source}: excluded by ${input.dockerignoreName} line ${rule.line} (${rule.pattern})`));
    }
  }

  // Pinned versions agree with the repository.
  const argDefault = (name: string) => instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith(`${name}=`));
  const packageJson = JSON.parse(readFileSync(join(input.repositoryRoot, 'package.json'), 'utf8')) as { packageManager?: string };
  const pnpmVersion = packageJson.packageManager?.replace(/^pnpm@/, '').split('+')[0];
  const pnpmArg = argDefault('PNPM_VERSION');
  if (pnpmArg && pnpmArg.args.split('=')[1] !== pnpmVersion) add(pnpmArg.line, `PNPM_VERSION ${pnpmArg.args.split('=')[1]} differs from package.json packageManager pnpm@${pnpmVersion}`);
  const lock = parse(readFileSync(join(input.repositoryRoot, 'pnpm-lock.yaml'), 'utf8')) as { importers?: Record<string, { devDependencies?: Record<string, { version: string }>; dependencies?: Record<string, { version: string }> }> };
  const root = lock.importers?.['.'];
  const tsxVersion = (root?.dependencies?.tsx ?? root?.devDependencies?.tsx)?.version.split('(')[0];
  const tsxArg = argDefault('TSX_VERSION');
  if (!tsxArg) add(1, 'no ARG TSX_VERSION: the image must install the locked tsx');
  else if (tsxArg.args.split('=')[1] !== tsxVersion) add(tsxArg.line, `TSX_VERSION ${tsxArg.args.split('=')[1]} differs from pnpm-lock.yaml's tsx ${tsxVersion}`);

  // The context: secrets and host dependencies out, everything the image runs in.
  for (const path of ['.git', 'node_modules', 'gateway/node_modules', '.env']) {
    const rule = decidingRule(path, rules);
    if (!rule || rule.negated) add('(file)', `${path} must be excluded from the build context`, input.dockerignoreName);
  }
  for (const path of requiredContextPaths(input.repositoryRoot)) {
    reportIgnored(path, rules, (rule) => add(`line ${rule.line}`, `${rule.pattern} excludes ${path}, which the image needs`, input.dockerignoreName));
  }
  return problems;
}

function reportIgnored(path: string, rules: readonly IgnoreRule[], report: (rule: IgnoreRule) => void): void {
  const rule = decidingRule(path, rules);
  if (rule && !rule.negated) report(rule);
}
