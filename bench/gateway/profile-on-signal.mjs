/**
 * Preload for profiling a running service without restarting it: the first SIGUSR2 starts V8's
 * sampling profiler, the second writes `<PROFILE_DIR>/<cwd name>-<pid>-<n>.cpuprofile`
 * (the process's n-th profile; Chrome DevTools / speedscope). `--cpu-prof` is refused in NODE_OPTIONS, this is not:
 *
 *   NODE_OPTIONS="--import=$PWD/bench/gateway/profile-on-signal.mjs" npm start
 *   kill -USR2 <pid>; <load>; kill -USR2 <pid>
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { basename, join } from 'node:path';

const session = new Session();
session.connect();
let profiling = false;
let written = 0;
process.on('SIGUSR2', () => {
  profiling = !profiling;
  if (profiling) {
    session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')));
    return;
  }
  session.post('Profiler.stop', (error, result) => {
    if (error) return void console.error('profile-on-signal:', error);
    const file = join(process.env.PROFILE_DIR ?? '/tmp', `${basename(process.cwd())}-${process.pid}-${(written += 1)}.cpuprofile`);
    writeFileSync(file, JSON.stringify(result.profile));
    console.error(`profile-on-signal: wrote ${file}`);
  });
});
