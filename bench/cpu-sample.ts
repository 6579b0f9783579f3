import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The part of the machine a process (its /proc entry) belongs to: `postgres` (any backend),
 * `nats`, or a service by its directory (`scheduler`, `executions`); undefined for the rest.
 * Throws when the process ended in between.
 */
export function partOfProcess(entry: string): string | undefined {
  const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
  if (cmd.startsWith('postgres:')) return 'postgres';
  if (cmd.includes('nats-server')) return 'nats';
  if (cmd.includes('src/main.ts')) return readlinkSync(`/proc/${entry}/cwd`).split('/').at(-1);
  return undefined;
}

/**
 * CPU time (ms) used so far by each part of the machine, from /proc (Linux): each service process
 * by its directory (`scheduler`, `executions`), PostgreSQL (all backends), NATS, and this process
 * under `ownKey` (the bench's load generator or handler). The 2 cores are shared, so CPU per
 * task or execution says where the cores went, not only how fast it was. `CPU_ALL=1` counts
 * every other process too.
 */
export function cpuSample(ownKey: string): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (key: string, ms: number) => void (out[key] = (out[key] ?? 0) + ms);
  for (const entry of readdirSync('/proc')) {
    // This process is counted below, from its own usage.
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      let key = partOfProcess(entry);
      // A kernel worker's name changes with the work it runs (kworker/0:1-events): the part before it.
      if (!key && process.env.CPU_ALL) key = `other:${readFileSync(`/proc/${entry}/comm`, 'utf8').trim().replace(/^(kworker\/[^-]*)-.*$/, '$1')}`;
      if (!key) continue;
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      add(key, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // the process ended in between
    }
  }
  const own = process.cpuUsage();
  add(ownKey, (own.user + own.system) / 1000);
  return out;
}

/** CPU µs per task of each part between two samples (parts under 1 µs left out). */
export function cpuPerTask(before: Record<string, number>, after: Record<string, number>, tasks: number): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  for (const [key, ms] of Object.entries(after)) {
    const per = ((ms - (before[key] ?? 0)) * 1000) / Math.max(1, tasks);
    total += per;
    if (per >= 1) out[key] = Math.round(per);
  }
  out.total = Math.round(total);
  return out;
}
