/**
 * docker-compose.yml and .env.example: valid against the Compose Specification (structurally,
 * offline), and everything `docker compose up` relies on is in place. Broken copies prove each
 * check fails on its mistake, naming the file and the field.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkComposeFile } from './lib/compose-checks';
import { readComposeFile } from './lib/compose-file';
import { formatProblems, type Problem } from './lib/problems';
import { subgraphNames } from './lib/processes';

const repositoryRoot = join(import.meta.dirname, '..', '..');

function checkCompose(folder: string): Problem[] {
  const { file, problems } = readComposeFile(join(folder, 'docker-compose.yml'), join(folder, '.env.example'), 'docker-compose.yml');
  return file ? [...problems, ...checkComposeFile(file, 'docker-compose.yml', '.env.example')] : problems;
}

describe('docker-compose.yml', () => {
  it('validates against the Compose Specification and passes every check', () => {
    expect(formatProblems(checkCompose(repositoryRoot))).toEqual([]);
  });

  it('starts PostgreSQL, NATS, the migration, the five services and the gateway', () => {
    const { file } = readComposeFile(join(repositoryRoot, 'docker-compose.yml'), join(repositoryRoot, '.env.example'), 'docker-compose.yml');
    expect(Object.keys(file!.resolved.services as object).sort()).toEqual(['auth', 'catalog', 'executions', 'gateway', 'migrate', 'nats', 'postgres', 'scheduler', 'schemas']);
  });
});

describe('a broken copy of docker-compose.yml fails, naming the file and the field', () => {
  // Every copy a test made (some make two), removed after it.
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });
  const broken = (edit: { file?: 'docker-compose.yml' | '.env.example'; from: string; to: string }): Problem[] => {
    const folder = mkdtempSync(join(tmpdir(), 'conveyor-compose-'));
    folders.push(folder);
    for (const name of ['docker-compose.yml', '.env.example']) copyFileSync(join(repositoryRoot, name), join(folder, name));
    const path = join(folder, edit.file ?? 'docker-compose.yml');
    const text = readFileSync(path, 'utf8');
    if (!text.includes(edit.from)) throw new Error(`${edit.file} does not contain ${JSON.stringify(edit.from)}`);
    writeFileSync(path, text.replace(edit.from, edit.to));
    return checkCompose(folder);
  };
  const expectProblem = (problems: Problem[], expected: { file?: string; field: string; message: RegExp }) => {
    const file = expected.file ?? 'docker-compose.yml';
    expect(problems.some((p) => p.file === file && p.field === expected.field && expected.message.test(p.message)), formatProblems(problems).join('\n')).toBe(true);
  };

  it('an unknown field (a typo) in the shared healthcheck', () => {
    const problems = broken({ from: '  interval: 5s\n', to: '  intervl: 5s\n' });
    expectProblem(problems, { field: 'services.gateway.healthcheck.intervl', message: /unknown field \(the Compose Specification allows .*interval/ });
  });

  it('an unknown service key', () => {
    const problems = broken({ from: '    restart: "no"\n', to: '    restart_policy: "no"\n' });
    expectProblem(problems, { field: 'services.migrate.restart_policy', message: /unknown field/ });
  });

  it('a wrong type: ports as a string, an unknown depends_on condition', () => {
    const problems = broken({ from: '    ports:\n      - "${GATEWAY_HOST_PORT:-4000}:4000"', to: '    ports: "${GATEWAY_HOST_PORT:-4000}:4000"' });
    expectProblem(problems, { field: 'services.gateway.ports', message: /must be a list/ });
    const other = broken({ from: 'condition: service_completed_successfully\n', to: 'condition: service_done\n' });
    expectProblem(other, { field: 'services.auth.depends_on.migrate.condition', message: /must be one of service_started, service_healthy, service_completed_successfully/ });
  });

  it('YAML that does not parse', () => {
    const problems = broken({ from: 'services:\n  postgres:\n', to: 'services:\n  postgres:\n   image: [\n' });
    expect(problems[0]?.file).toBe('docker-compose.yml');
    expect(problems[0]?.field).toMatch(/^line \d+$/);
  });

  it('a variable the services read, missing', () => {
    const problems = broken({ from: '  OUTBOX_POLL_MS: ${OUTBOX_POLL_MS:-250}\n', to: '' });
    for (const service of subgraphNames) expectProblem(problems, { field: `services.${service}.environment`, message: new RegExp(`${service} reads OUTBOX_POLL_MS \\(services/${service}/src/env.ts\\) but it is not set`) });
    expect(problems.find((p) => p.file === '.env.example' && /^OUTBOX_POLL_MS \(line \d+\)$/.test(p.field))?.message).toMatch(/not used by docker-compose.yml/);
  });

  it('a misspelt variable', () => {
    const problems = broken({ from: '      SUBGRAPH_TIMEOUT_MS: ', to: '      SUBGRAPH_TIMOUT_MS: ' });
    expectProblem(problems, { field: 'services.gateway.environment.SUBGRAPH_TIMOUT_MS', message: /sets SUBGRAPH_TIMOUT_MS, which gateway does not read/ });
    expectProblem(problems, { field: 'services.gateway.environment', message: /gateway reads SUBGRAPH_TIMEOUT_MS \(gateway\/src\/env.ts\) but it is not set/ });
  });

  it('a value a service rejects', () => {
    const problems = broken({ file: '.env.example', from: 'DATABASE_POOL_MAX=10', to: 'DATABASE_POOL_MAX=ten' });
    expectProblem(problems, { field: 'services.scheduler.environment.DATABASE_POOL_MAX', message: /scheduler rejects its environment "ten"/ });
  });

  it('a healthcheck on a path the processes do not serve', () => {
    const problems = broken({ from: '"/app/deploy/image/healthcheck.mjs", "/readyz"]', to: '"/app/deploy/image/healthcheck.mjs", "/ready"]' });
    expectProblem(problems, { field: 'services.executions.healthcheck.test', message: /executions does not serve \/ready/ });
  });

  it('a default that drifted from .env.example', () => {
    const problems = broken({ from: '${LOG_LEVEL:-info}', to: '${LOG_LEVEL:-debug}' });
    const drift = problems.find((p) => /LOG_LEVEL\} defaults to "debug" but .env.example line \d+ says "info"/.test(p.message));
    expect(drift?.field, formatProblems(problems).join('\n')).toMatch(/^line \d+$/);
  });

  it('a gateway URL on the wrong port, and a service that does not exist', () => {
    const problems = broken({ from: 'AUTH_URL: http://auth:4101/graphql', to: 'AUTH_URL: http://auth:4111/graphql' });
    expectProblem(problems, { field: 'services.gateway.environment.AUTH_URL', message: /uses port 4111 but auth listens on PORT=4101/ });
    const other = broken({ from: 'NATS_URL: nats://nats:4222', to: 'NATS_URL: nats://natz:4222' });
    expectProblem(other, { field: 'services.auth.environment.NATS_URL', message: /natz, which is not a service of this file/ });
  });

  it('the gateway no longer waiting for a subgraph', () => {
    const problems = broken({ from: '      catalog:\n        condition: service_healthy\n', to: '' });
    expectProblem(problems, { field: 'services.gateway.depends_on.catalog', message: /gateway must wait for catalog \(condition: service_healthy\)/ });
  });

  it('a stop grace period shorter than the shutdown timeout', () => {
    const problems = broken({ from: '    stop_grace_period: 30s\n', to: '    stop_grace_period: 20s\n' });
    expectProblem(problems, { field: 'services.executions.stop_grace_period', message: /20s does not cover SHUTDOWN_TIMEOUT_MS=25000/ });
  });

  it('a process running as root', () => {
    const problems = broken({ from: '  user: "1000:1000"\n', to: '  user: "0:0"\n' });
    expectProblem(problems, { field: 'services.gateway.user', message: /non-root/ });
  });
});
