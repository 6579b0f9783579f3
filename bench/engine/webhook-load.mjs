/**
 * bench/engine (a)'s load generator, run in a worker thread of its own. The closed loop lives
 * here, away from the main thread's heap (the booted platform's handles, tsx, the results), so
 * the generator's own garbage collections are a young heap's short scavenges: on the main thread
 * its full collections (up to ~36 ms) were measured as platform latency by every call in flight.
 *
 * workerData: { url, secret, concurrency, warmupS, seconds }. Posts { type: 'measuring' } when
 * the warm-up ends and { type: 'done', latencies, timeline, errors } at the end.
 */
import { createHmac } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { Agent, request } from 'undici';

const { url, secret, concurrency, warmupS, seconds } = workerData;
const agent = new Agent({ connections: concurrency, keepAliveTimeout: 30_000 });
const latencies = [];
/** [start (epoch ms), latency (ms)] of every measured call, for stall analysis (BENCH_TIMELINE). */
const timeline = [];
let errors = 0;
const measureFrom = performance.now() + warmupS * 1000;
const deadline = measureFrom + seconds * 1000;
const boundary = setTimeout(() => parentPort.postMessage({ type: 'measuring' }), warmupS * 1000);
let n = 0;

async function client() {
  while (performance.now() < deadline) {
    const body = JSON.stringify({ order: { id: ++n, items: [{ price: 2 }, { price: 3 }] } });
    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const started = performance.now();
    try {
      const response = await request(`${url}?wait=9000`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-signature': signature },
        body,
        dispatcher: agent,
      });
      const answer = await response.body.json();
      if (started < measureFrom) continue;
      if (response.statusCode !== 200 || answer.status !== 'completed') errors++;
      else {
        const latency = performance.now() - started;
        latencies.push(latency);
        timeline.push([Math.round(performance.timeOrigin + started), Math.round(latency * 10) / 10]);
      }
    } catch {
      if (started >= measureFrom) errors++;
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, client));
clearTimeout(boundary);
await agent.close();
parentPort.postMessage({ type: 'done', latencies, timeline, errors });
