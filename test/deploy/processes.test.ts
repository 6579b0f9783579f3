/**
 * The image's entrypoint (deploy/image/run-process.sh) and healthcheck, run for real against the
 * machine's PostgreSQL and NATS, from the repository's own files: `migrate` creates the database,
 * the migrations and the streams; every process starts with the environment docker-compose.yml
 * gives it (addresses and ports swapped for this machine's), serves every path a probe or
 * healthcheck in deploy/, docker-compose.yml or the Dockerfile asks for, and exits 0 on SIGTERM.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminDatabaseUrl, connectTestNats, deleteTestStreams, freePort, testNatsUrl, uniqueName, waitForOk, type RunningProcess } from '@conveyor/testing';
import type { Deployment } from 'kubernetes-types/apps/v1';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { healthcheckPath } from './lib/compose-checks';
import { readComposeFile } from './lib/compose-file';
import { parseDockerfile } from './lib/dockerfile-checks';
import { processNames, servedPaths, type ProcessName } from './lib/processes';
import { overlaysOf, renderOverlay } from './lib/render-kustomize';

const repositoryRoot = join(import.meta.dirname, '..', '..');
const entrypoint = join(repositoryRoot, 'deploy', 'image', 'run-process.sh');
const healthcheck = join(repositoryRoot, 'deploy', 'image', 'healthcheck.mjs');
const prefix = uniqueName('deploy');
const databaseUrl = (() => {
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${prefix}`;
  return url.toString();
})();
const baseEnv = { DATABASE_URL: databaseUrl, NATS_URL: testNatsUrl, NATS_PREFIX: prefix, HOST: '127.0.0.1', LOG_LEVEL: 'warn' };

function runEntrypoint(args: string[], env: Record<string, string>): RunningProcess {
  const child = spawn('sh', [entrypoint, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Every path something in the repository probes, per process. */
function probedPaths(): Map<ProcessName, Set<string>> {
  const paths = new Map(processNames.map((name) => [name, new Set<string>(servedPaths)]));
  for (const overlay of overlaysOf(join(repositoryRoot, 'deploy'))) {
    const rendered = renderOverlay(join(repositoryRoot, 'deploy'), overlay);
    if (!rendered.ok) throw new Error(rendered.problems.map((p) => p.message).join('\n'));
    for (const { object } of rendered.resources) {
      if (object.kind !== 'Deployment') continue;
      for (const container of (object as Deployment).spec?.template.spec?.containers ?? []) {
        const process = container.args?.[0] as ProcessName;
        for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
          if (probe?.httpGet?.path) paths.get(process)?.add(probe.httpGet.path);
        }
      }
    }
  }
  const { file } = readComposeFile(join(repositoryRoot, 'docker-compose.yml'), join(repositoryRoot, '.env.example'), 'docker-compose.yml');
  for (const name of processNames) {
    const test = (file?.resolved.services as Record<string, { healthcheck?: { test?: string[] } }>)[name]?.healthcheck?.test;
    const path = healthcheckPath(test);
    if (path) paths.get(name)?.add(path);
  }
  const dockerHealthcheck = parseDockerfile(readFileSync(join(repositoryRoot, 'Dockerfile'), 'utf8')).find((i) => i.keyword === 'HEALTHCHECK');
  const dockerPath = dockerHealthcheck && healthcheckPath(JSON.parse(/CMD\s+(\[.*\])/.exec(dockerHealthcheck.args)![1]!) as string[]);
  for (const name of processNames) if (dockerPath) paths.get(name)?.add(dockerPath);
  return paths;
}

/** The environment compose gives a process, pointed at this machine's PostgreSQL and NATS. */
function composeEnvironment(name: ProcessName): Record<string, string> {
  const { file } = readComposeFile(join(repositoryRoot, 'docker-compose.yml'), join(repositoryRoot, '.env.example'), 'docker-compose.yml');
  const environment = (file?.resolved.services as Record<string, { environment?: Record<string, unknown> }>)[name]?.environment ?? {};
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

const runHealthcheck = (port: number, path: string) => spawnSync(process.execPath, [healthcheck, path], { env: { ...process.env, PORT: String(port) }, encoding: 'utf8' });

let running: RunningProcess | undefined;

beforeAll(async () => {
  const migrate = runEntrypoint(['migrate'], baseEnv);
  const code = await new Promise<number | null>((resolve) => migrate.child.once('exit', resolve));
  expect(code, migrate.output()).toBe(0);
  expect(migrate.output()).toContain(`migrated ${prefix}`);
});

afterEach(async () => {
  await running?.stop('SIGKILL');
  running = undefined;
});

afterAll(async () => {
  const nc = await connectTestNats();
  await deleteTestStreams(nc, prefix);
  await nc.drain();
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${prefix}" with (force)`);
  await admin.end();
});

describe('the image entrypoint, run from the repository', () => {
  it('migrate created the database, every service schema and the streams', async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const schemas = await client.query<{ nspname: string }>("select nspname from pg_namespace where nspname in ('auth', 'schemas', 'executions', 'scheduler', 'catalog')");
    await client.end();
    expect(schemas.rows.map((r) => r.nspname).sort()).toEqual(['auth', 'catalog', 'executions', 'scheduler', 'schemas']);
    const nc = await connectTestNats();
    const jsm = await nc.jetstreamManager();
    const names: string[] = [];
    for await (const info of jsm.streams.list()) names.push(info.config.name);
    await nc.drain();
    expect(names.some((name) => name.startsWith(`${prefix.toUpperCase()}_`))).toBe(true);
  });

  it('refuses a process it does not know, with exit code 64', async () => {
    const unknown = runEntrypoint(['billing'], baseEnv);
    const code = unknown.child.exitCode ?? (await new Promise<number | null>((resolve) => unknown.child.once('exit', resolve)));
    expect(code).toBe(64);
    expect(unknown.output()).toMatch(/unknown process 'billing'/);
  });

  const paths = probedPaths();
  for (const name of processNames) {
    it(`${name}: starts with its compose environment, serves every probed path (${[...paths.get(name)!].join(', ')}), passes the image healthcheck, exits 0 on SIGTERM`, async () => {
      const port = await freePort();
      running = runEntrypoint([name], { ...composeEnvironment(name), ...baseEnv, PORT: String(port) });
      await waitForOk(`http://127.0.0.1:${port}/readyz`, running);
      for (const path of paths.get(name)!) {
        const response = await fetch(`http://127.0.0.1:${port}${path}`);
        await response.arrayBuffer();
        expect(response.status, `${name} GET ${path}`).not.toBe(404);
        if (['/livez', '/readyz', '/health', '/metrics'].includes(path)) expect(response.status, `${name} GET ${path}`).toBe(200);
      }
      expect(runHealthcheck(port, '/readyz').status).toBe(0);
      const code = await running.stop('SIGTERM');
      // Exit 0 means every shutdown step ran (stop intake, consumers, outbox relay, NATS drain,
      // pool). Killed by the signal instead means something re-raised SIGTERM mid-shutdown.
      expect(code, `${name} ended with ${code ?? running.child.signalCode} on SIGTERM instead of exit 0 after its shutdown steps:\n${running.output()}`).toBe(0);
      running = undefined;
      const after = runHealthcheck(port, '/readyz');
      expect(after.status).toBe(1);
      expect(after.stderr).toContain(`127.0.0.1:${port}/readyz`);
    });
  }
});
