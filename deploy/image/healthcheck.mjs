// The image's HEALTHCHECK (and compose's): GET <path> (default /readyz) on the process's port and
// exit 0 on a 2xx answer, 1 otherwise. The slim Node image has no curl or wget, hence node.
// The port is PORT when set, else the default port of CONVEYOR_PROCESS (the same defaults as the
// processes' env shapes; test/deploy checks that they agree).
import { pathToFileURL } from 'node:url';

export const defaultPorts = { gateway: 4000, auth: 4101, schemas: 4102, executions: 4103, scheduler: 4104, catalog: 4105 };

async function probe(path, port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3_000) });
    if (!response.ok) console.error(`http://127.0.0.1:${port}${path} answered ${response.status}`);
    return response.ok;
  } catch (error) {
    console.error(`http://127.0.0.1:${port}${path}: ${error.message}`);
    return false;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const path = process.argv[2] ?? '/readyz';
  const port = process.env.PORT || defaultPorts[process.env.CONVEYOR_PROCESS ?? 'gateway'];
  if (port === undefined) {
    console.error(`no PORT and no default port for process ${process.env.CONVEYOR_PROCESS}`);
    process.exit(1);
  }
  process.exit((await probe(path, port)) ? 0 : 1);
}
