import { readdirSync, readFileSync } from 'node:fs';
import { partOfProcess } from '../cpu-sample';

/**
 * User and system CPU (ms) and system calls of the executions process and of PostgreSQL (all
 * backends), from /proc, for `BENCH_PROC_IO=1`. bench/cpu-sample.ts gives each part's total; this
 * splits it, because a V8 profile cannot: its sampler runs on wall time, so a process that was
 * preempted inside `write()` (the PostgreSQL backend it woke took the core) shows the write as
 * busy. Reading /proc/<pid>/io needs the same user as the process (the bench runs as that user).
 */
export function procIoSample(): Record<string, number> {
  const out: Record<string, number> = {};
  const add = (key: string, value: number) => void (out[key] = (out[key] ?? 0) + value);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const key = partOfProcess(entry);
      if (key !== 'postgres' && key !== 'executions' && key !== 'nats') continue;
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      add(`${key} user_ms`, Number(fields[11]) * 10);
      add(`${key} sys_ms`, Number(fields[12]) * 10);
      for (const line of readFileSync(`/proc/${entry}/io`, 'utf8').split('\n')) {
        const [name, value] = line.split(': ');
        if (name === 'syscr' || name === 'syscw') add(`${key} ${name}`, Number(value));
      }
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      for (const name of ['voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches']) {
        const match = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status);
        if (match) add(`${key} ${name.split('_')[0]}_switches`, Number(match[1]));
      }
    } catch {
      // the process ended in between
    }
  }
  return out;
}

/** Each counter's growth between two samples, per execution (two decimals). */
export function procIoPerExecution(before: Record<string, number>, after: Record<string, number>, executions: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) out[key] = Math.round(((value - (before[key] ?? 0)) / Math.max(1, executions)) * 1000) / 1000;
  return out;
}
