/**
 * The start command: sets the platform up, starts the five services and then the gateway, waits
 * until each is ready and prints the URLs. Ctrl-C (or SIGTERM) stops the gateway first, then the
 * services, each with its own graceful shutdown. If any process dies, everything stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { serviceNames, type ServiceName } from '@conveyor/contracts';
import { readPlatformConfig, repositoryRoot, type PlatformConfig } from './platform';
import { setupPlatform } from './setup-platform';

type ProcessName = ServiceName | 'gateway';

const config = readPlatformConfig();
const children = new Map<ProcessName, ChildProcess>();
let stopping = false;

const serviceEnv = (cfg: PlatformConfig) => ({ DATABASE_URL: cfg.databaseUrl, NATS_URL: cfg.natsUrl, NATS_PREFIX: cfg.natsPrefix });

function envFor(name: ProcessName, cfg: PlatformConfig): NodeJS.ProcessEnv {
  const base = { ...process.env, HOST: cfg.host, PORT: String(cfg.ports[name]) };
  if (name === 'auth') return { ...base, ...serviceEnv(cfg), ADMIN_USERNAME: cfg.admin.username, ADMIN_PASSWORD: cfg.admin.password };
  if (name !== 'gateway') return { ...base, ...serviceEnv(cfg) };
  const urls = Object.fromEntries(serviceNames.map((s) => [`${s.toUpperCase()}_URL`, `http://${cfg.host}:${cfg.ports[s]}/graphql`]));
  return { ...base, ...urls, NATS_URL: cfg.natsUrl, NATS_PREFIX: cfg.natsPrefix };
}

/**
 * V8's young generation per process (MiB per semi-space; the image's entrypoint uses the same
 * default). With V8's default the executions process scavenged every ~50 ms under bench/engine,
 * so the state of executions in flight (~80 ms each) survived two scavenges and was promoted:
 * the old space grew ~25 MB/s and a full collection stalled the process every ~3 s. At 32 MiB
 * in-flight state dies young and full collections become rare.
 */
const semiSpaceMb = /^\d+$/.test(process.env.NODE_SEMI_SPACE_MB ?? '') ? process.env.NODE_SEMI_SPACE_MB : '32';

function launch(name: ProcessName): ChildProcess {
  const cwd = name === 'gateway' ? join(repositoryRoot, 'gateway') : join(repositoryRoot, 'services', name);
  const child = spawn(process.execPath, [`--max-semi-space-size=${semiSpaceMb}`, '--import', 'tsx', 'src/main.ts'], { cwd, env: envFor(name, config), stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => process.stdout.write(`[${name}] ${line}\n`));
  }
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`[start] ${name} exited (${signal ?? code}); stopping the platform`);
      void stopAll(1);
    }
  });
  children.set(name, child);
  return child;
}

async function waitReady(name: ProcessName, timeoutMs = 60_000): Promise<void> {
  const url = `http://${config.host}:${config.ports[name]}/readyz`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) throw new Error('stopping');
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} was not ready at ${url} within ${timeoutMs} ms`);
}

/** Sends SIGTERM and resolves with whether the process shut down cleanly (exit code 0). */
async function stopOne(name: ProcessName): Promise<boolean> {
  const child = children.get(name);
  if (!child || child.exitCode !== null) return true;
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', (exitCode) => resolve(exitCode));
    child.kill('SIGTERM');
  });
  if (code !== 0) console.error(`[start] ${name} did not shut down cleanly (exit ${code})`);
  return code === 0;
}

async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const clean = [await stopOne('gateway'), ...(await Promise.all(serviceNames.map(stopOne)))].every(Boolean);
  console.log('[start] stopped');
  process.exit(clean ? exitCode : 1);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  await setupPlatform(config);
  console.log(`[start] database ${new URL(config.databaseUrl).pathname.slice(1)} migrated, streams of prefix "${config.natsPrefix}" ready`);
  for (const name of serviceNames) launch(name);
  await Promise.all(serviceNames.map((name) => waitReady(name)));
  launch('gateway');
  await waitReady('gateway');
} catch (error) {
  console.error(`[start] ${(error as Error).message}`);
  await stopAll(1);
}

const gateway = `http://${config.host}:${config.ports.gateway}`;
console.log(`
[start] Conveyor is running
  GraphQL      ${gateway}/graphql
  REST         ${gateway}/api/v1/...
  OpenAPI      ${gateway}/openapi.json
  Swagger UI   ${gateway}/docs
  Health       ${gateway}/health
${serviceNames.map((s) => `  ${s.padEnd(12)} http://${config.host}:${config.ports[s]}/graphql`).join('\n')}

  Log in as the first admin (ADMIN_USERNAME / ADMIN_PASSWORD):
  curl -s -X POST ${gateway}/api/v1/auth/login -H 'content-type: application/json' \\
       -d '{"username":"${config.admin.username}","password":"${config.admin.password}"}'
[start] ready`);
