/**
 * bench/auth: (1) the argon2id cost (hash and verify, OWASP m=19 MiB, t=2, p=1) in-process;
 * (2) login latency through the real auth process (GraphQL `login`, sequential and at
 * concurrency 4), dominated by the hash; (3) the per-request cost of access-token verification:
 * in-process µs per `verify` with a warm key cache, and the latency a subgraph adds when a
 * request carries a token (same query with and without `Authorization`).
 * Prints JSON lines and writes bench/auth/results/latest.json.
 *
 *   node --import tsx bench/auth/run.ts      (LOGINS=40, VERIFY_N=20000, HTTP_N=2000)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTokenVerifier } from '@conveyor/identity';
import {
  connectTestNats,
  createTestDatabase,
  createTestStreams,
  createTestUser,
  deleteTestStreams,
  migrateServices,
  startServiceProcess,
  uniqueName,
} from '@conveyor/testing';
import { Agent, request } from 'undici';
import { createPasswordHasher } from '../../services/auth/src/domain/password-hashing';

const logins = Number(process.env.LOGINS ?? 40);
const verifyN = Number(process.env.VERIFY_N ?? 20_000);
const httpN = Number(process.env.HTTP_N ?? 2_000);

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1000) / 1000;
};
const results: Record<string, unknown> = { machine: { node: process.version, cpus: (await import('node:os')).cpus().length } };
const report = (name: string, value: Record<string, unknown>) => {
  results[name] = value;
  console.log(JSON.stringify({ [name]: value }));
};

// (1) argon2id in-process.
const hasher = await createPasswordHasher({ memoryKib: 19_456, iterations: 2, parallelism: 1 });
const hashMs: number[] = [];
const verifyMs: number[] = [];
let stored = '';
for (let i = 0; i < 20; i += 1) {
  let t = performance.now();
  stored = await hasher.hash(`password number ${i}`);
  hashMs.push(performance.now() - t);
  t = performance.now();
  await hasher.verify(stored, `password number ${i}`);
  verifyMs.push(performance.now() - t);
}
report('argon2id_owasp', { hash_p50_ms: percentile(hashMs, 0.5), verify_p50_ms: percentile(verifyMs, 0.5), memory_kib: 19_456, iterations: 2, parallelism: 1 });

// A real auth process on its own database and NATS prefix.
const database = await createTestDatabase('bench_auth');
await migrateServices(database.url, ['auth']);
const nc = await connectTestNats();
const prefix = uniqueName('bench_auth');
await createTestStreams(nc, prefix);
const auth = await startServiceProcess('auth', { DATABASE_URL: database.url, NATS_PREFIX: prefix, NODE_ENV: 'production', SIGNING_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'), LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000' });
const agent = new Agent({ connections: 8, keepAliveTimeout: 30_000 });

async function gql(query: string, variables: Record<string, unknown>, authorization?: string) {
  const response = await request(`${auth.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query, variables }),
    dispatcher: agent,
  });
  const body = (await response.body.json()) as { errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body;
}

try {
  const user = await createTestUser(auth.url, 'engineer', 'bench');
  const loginQuery = 'mutation($i: LoginInput!) { login(input: $i) { accessToken } }';
  const login = () => gql(loginQuery, { i: { username: user.username, password: user.password } });

  // (2) login latency.
  for (let i = 0; i < 3; i += 1) await login();
  const sequential: number[] = [];
  for (let i = 0; i < logins; i += 1) {
    const t = performance.now();
    await login();
    sequential.push(performance.now() - t);
  }
  const concurrent: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = 0; i < logins / 4; i += 1) {
        const t = performance.now();
        await login();
        concurrent.push(performance.now() - t);
      }
    }),
  );
  report('login_graphql', {
    sequential_p50_ms: percentile(sequential, 0.5),
    sequential_p99_ms: percentile(sequential, 0.99),
    concurrency4_p50_ms: percentile(concurrent, 0.5),
    concurrency4_logins_per_s: Math.round((concurrent.length / (performance.now() - started)) * 1000 * 10) / 10,
  });

  // (3a) verification in-process, warm key cache (what every subgraph does per request).
  const jwks = (await (await fetch(`${auth.url}/.well-known/jwks.json`)).json()) as { keys: never[] };
  const perVerifyUs = async (cacheSize: number) => {
    const verifier = createTokenVerifier({ keys: async () => jwks.keys, cacheSize });
    await verifier.verify(user.accessToken);
    const t0 = performance.now();
    for (let i = 0; i < verifyN; i += 1) await verifier.verify(user.accessToken);
    return Math.round((((performance.now() - t0) * 1000) / verifyN) * 10) / 10;
  };
  report('verify_in_process', { signature_check_us: await perVerifyUs(0), cached_token_us: await perVerifyUs(10_000), n: verifyN });

  // (3b) the same query to the subgraph with and without a token, sequential, interleaved.
  const statusQuery = '{ authStatus { service } }';
  const withToken: number[] = [];
  const without: number[] = [];
  for (let i = 0; i < 200; i += 1) await gql(statusQuery, {}, user.authorization);
  for (let i = 0; i < httpN; i += 1) {
    let t = performance.now();
    await gql(statusQuery, {});
    without.push(performance.now() - t);
    t = performance.now();
    await gql(statusQuery, {}, user.authorization);
    withToken.push(performance.now() - t);
  }
  report('subgraph_request', {
    without_token_p50_ms: percentile(without, 0.5),
    with_token_p50_ms: percentile(withToken, 0.5),
    added_p50_us: Math.round((percentile(withToken, 0.5) - percentile(without, 0.5)) * 1000),
    n: httpN,
  });
} finally {
  await agent.close();
  await auth.stop();
  await deleteTestStreams(nc, prefix);
  await nc.drain();
  await database.drop();
}

const out = join(import.meta.dirname, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'latest.json'), `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`);
