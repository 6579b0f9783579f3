/**
 * Checks docker-compose.yml (and .env.example) without Docker: the Compose Specification's
 * structure, then what `docker compose up` needs to work: PostgreSQL and NATS with volumes and
 * healthchecks, the one-shot migration before the processes, the gateway after the subgraphs,
 * every variable each process reads (against its env schema), healthchecks on served paths, stop
 * grace above the shutdown timeout, hardening, and URLs that point at services of the file.
 */
import { composeFileSchema, validate } from './compose-spec';
import { durationMs, interpolationsOf, type ComposeFile } from './compose-file';
import { checkEnvironment, type ProvidedVariable } from './env-coverage';
import { fieldPath, type Problem } from './problems';
import { processNames, servedPaths, subgraphNames, type ProcessName } from './processes';

type Service = Record<string, unknown> & {
  command?: unknown;
  environment?: Record<string, unknown> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string | string[]; disable?: boolean | string };
  volumes?: Array<string | { source?: string; target?: string }>;
  ports?: Array<string | number | { target?: number | string }>;
  stop_grace_period?: string;
  user?: string;
  read_only?: boolean | string;
};

const graceMarginMs = 2_000;

/** Checks one compose file; `file` names it in messages. */
export function checkComposeFile(compose: ComposeFile, file: string, envExampleFile: string): Problem[] {
  const problems: Problem[] = [];
  const add = (field: Array<string | number> | string, message: string, at = file) => problems.push({ file: at, field: typeof field === 'string' ? field : fieldPath(field), message });

  for (const issue of validate(composeFileSchema, compose.resolved, [])) add(issue.path, issue.message);
  problems.push(...checkInterpolations(compose, file, envExampleFile));

  const services = (compose.resolved.services ?? {}) as Record<string, Service>;
  const volumes = (compose.resolved.volumes ?? {}) as Record<string, unknown>;
  const service = (name: string) => services[name];

  for (const name of ['postgres', 'nats', 'migrate', ...processNames]) if (!service(name)) add(['services'], `no service ${name}`);

  // Infrastructure: persistent volumes and healthchecks the processes can wait on.
  const persistent = (name: string, target: string) => {
    const declared = service(name)?.volumes;
    const mounted = (Array.isArray(declared) ? declared : []).some((volume) => {
      const [source, path] = typeof volume === 'string' ? volume.split(':') : [volume.source, volume.target];
      return path === target && source !== undefined && source in volumes;
    });
    if (service(name) && !mounted) add(['services', name, 'volumes'], `${name} needs a named volume (declared under volumes:) mounted at ${target}`);
  };
  persistent('postgres', '/var/lib/postgresql/data');
  const natsCommand = commandOf(service('nats'));
  const storeDir = natsCommand[natsCommand.findIndex((arg) => arg === '--store_dir' || arg === '-sd') + 1];
  if (service('nats') && !natsCommand.some((arg) => arg === '--jetstream' || arg === '-js')) add(['services', 'nats', 'command'], 'NATS must run with --jetstream');
  if (service('nats')) persistent('nats', storeDir ?? '/data');
  for (const name of ['postgres', 'nats']) if (service(name) && !hasHealthcheck(service(name)!)) add(['services', name, 'healthcheck'], `${name} needs a healthcheck (the processes wait for service_healthy)`);

  // Dependencies: exist, and the conditions that make `up` start things in order.
  for (const [name, definition] of Object.entries(services)) {
    for (const [dependency, condition] of Object.entries(dependsOn(definition))) {
      const target = service(dependency);
      if (!target) add(['services', name, 'depends_on', dependency], `${dependency} is not a service of this file`);
      else if (condition === 'service_healthy' && !hasHealthcheck(target)) add(['services', name, 'depends_on', dependency], `waits for ${dependency} to be healthy, but ${dependency} has no healthcheck`);
    }
  }
  const requireDependency = (name: string, dependency: string, condition: string) => {
    if (service(name) && dependsOn(service(name)!)[dependency] !== condition) add(['services', name, 'depends_on', dependency], `${name} must wait for ${dependency} (condition: ${condition})`);
  };
  requireDependency('migrate', 'postgres', 'service_healthy');
  requireDependency('migrate', 'nats', 'service_healthy');
  for (const name of processNames) requireDependency(name, 'migrate', 'service_completed_successfully');
  for (const name of subgraphNames) requireDependency('gateway', name, 'service_healthy');

  // The processes: what they run, their environment, health, shutdown and hardening.
  for (const name of [...processNames, 'migrate'] as const) {
    const definition = service(name);
    if (!definition) continue;
    const command = commandOf(definition);
    if (command[0] !== name) add(['services', name, 'command'], `must run ${name} (command: ["${name}"]), got ${JSON.stringify(definition.command)}`);
    const provided = environmentOf(definition, name, file);
    problems.push(...checkEnvironment({ process: name, provided, file, field: fieldPath(['services', name, 'environment']), context: `compose service ${name}`, requireSecretsFromSecret: false, hint: `add it under services.${name}.environment` }));
    if (definition.user === undefined || /^(root|0)(:|$)/.test(String(definition.user))) add(['services', name, 'user'], `${name} must run as a non-root user`);
    if (definition.read_only !== true && definition.read_only !== 'true') add(['services', name, 'read_only'], `${name} must have a read-only root filesystem (read_only: true, tmpfs: /tmp)`);
    if (name === 'migrate') continue;

    const value = (variable: string) => [...provided].reverse().find((v) => v.name === variable)?.value;
    if (!hasHealthcheck(definition)) add(['services', name, 'healthcheck'], `${name} needs a healthcheck`);
    else {
      const path = healthcheckPath(definition.healthcheck!.test);
      if (path === undefined) add(['services', name, 'healthcheck', 'test'], 'the healthcheck must GET a health endpoint (deploy/image/healthcheck.mjs <path>)');
      else if (!(servedPaths as readonly string[]).includes(path)) add(['services', name, 'healthcheck', 'test'], `${name} does not serve ${path} (it serves ${servedPaths.join(', ')})`);
    }
    const shutdownMs = Number(value('SHUTDOWN_TIMEOUT_MS') ?? 10_000);
    const graceMs = definition.stop_grace_period ? durationMs(definition.stop_grace_period) : 10_000;
    if (graceMs < shutdownMs + graceMarginMs) add(['services', name, 'stop_grace_period'], `${definition.stop_grace_period ?? '10s (default)'} does not cover SHUTDOWN_TIMEOUT_MS=${shutdownMs} + ${graceMarginMs / 1000} s: Docker would kill ${name} mid-shutdown`);
    problems.push(...checkUrls(services, name, provided, file));
  }

  const gatewayPorts = Array.isArray(service('gateway')?.ports) ? service('gateway')!.ports! : [];
  const gatewayPort = [...environmentOf(service('gateway') ?? {}, 'gateway', file)].reverse().find((v) => v.name === 'PORT')?.value;
  if (service('gateway') && !gatewayPorts.some((port) => String(typeof port === 'object' ? port.target : String(port).split(':').pop()) === gatewayPort)) {
    add(['services', 'gateway', 'ports'], `the gateway listens on ${gatewayPort} but no published port targets it`);
  }
  return problems;
}

function commandOf(service: Service | undefined): string[] {
  const command = service?.command;
  if (Array.isArray(command)) return command.map(String);
  if (typeof command === 'string') return command.split(/\s+/).filter(Boolean);
  return [];
}

function dependsOn(service: Service): Record<string, string> {
  const value = service.depends_on;
  if (typeof value !== 'object' || value === null) return {};
  if (Array.isArray(value)) return Object.fromEntries(value.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(value).map(([name, entry]) => [name, entry?.condition ?? 'service_started']));
}

const hasHealthcheck = (service: Service) => service.healthcheck?.test !== undefined && service.healthcheck.disable !== true && service.healthcheck.disable !== 'true';

/** The path a healthcheck GETs: `healthcheck.mjs /readyz`, or the path of an http URL in it. */
export function healthcheckPath(test: string | string[] | undefined): string | undefined {
  const parts = Array.isArray(test) ? test : (test ?? '').split(/\s+/);
  const script = parts.findIndex((part) => part.endsWith('healthcheck.mjs'));
  if (script >= 0) return parts[script + 1] ?? '/readyz';
  for (const part of parts) {
    const match = /^https?:\/\/[^/\s]+(\/[^\s?]*)?/.exec(part);
    if (match) return match[1] ?? '/';
  }
  return undefined;
}

function environmentOf(service: Service, name: string, file: string): ProvidedVariable[] {
  const environment = service.environment;
  const entries: Array<[string, string | undefined]> = typeof environment !== 'object' || environment === null
    ? []
    : Array.isArray(environment)
    ? environment.map((item) => {
        const [key, ...rest] = String(item).split('=');
        return [key!, rest.length > 0 ? rest.join('=') : undefined];
      })
    : Object.entries(environment ?? {}).map(([key, value]) => [key, value === null || value === undefined ? undefined : String(value)]);
  return entries.map(([key, value]) => ({ name: key, value, file, field: fieldPath(['services', name, 'environment', key]), fromSecret: false }));
}

/** DATABASE_URL → postgres, NATS_URL → nats, AUTH_URL → auth on auth's PORT. */
function checkUrls(services: Record<string, Service>, name: ProcessName | 'migrate', provided: ProvidedVariable[], file: string): Problem[] {
  const problems: Problem[] = [];
  for (const variable of provided) {
    if (!variable.name.endsWith('_URL') || !variable.value) continue;
    let url: URL;
    try {
      url = new URL(variable.value);
    } catch {
      continue; // the env schema reports it
    }
    const host = url.hostname;
    if (host === 'localhost' || host === '127.0.0.1') {
      problems.push({ file, field: variable.field, message: `compose service ${name}: ${variable.name} points at ${host}, which is the container itself` });
      continue;
    }
    const target = services[host];
    if (!target) {
      problems.push({ file, field: variable.field, message: `compose service ${name}: ${variable.name} points at ${host}, which is not a service of this file` });
      continue;
    }
    const subgraph = subgraphNames.find((s) => `${s.toUpperCase()}_URL` === variable.name);
    if (subgraph) {
      if (host !== subgraph) problems.push({ file, field: variable.field, message: `compose service ${name}: ${variable.name} points at ${host}, not at the ${subgraph} service` });
      const port = environmentOf(target, host, file).reverse().find((v) => v.name === 'PORT')?.value;
      if (port !== undefined && url.port !== port) problems.push({ file, field: variable.field, message: `compose service ${name}: ${variable.name} uses port ${url.port || '(default)'} but ${host} listens on PORT=${port}` });
    }
  }
  return problems;
}

/** Every `${VAR}` is documented in .env.example with the same default, and nothing there is unused. */
function checkInterpolations(compose: ComposeFile, file: string, envExampleFile: string): Problem[] {
  const problems: Problem[] = [];
  const used = new Set<string>();
  compose.text.split('\n').forEach((line, index) => {
    if (line.trimStart().startsWith('#')) return;
    for (const interpolation of interpolationsOf(line)) {
      used.add(interpolation.name);
      const documented = compose.envExample.get(interpolation.name);
      const field = `line ${index + 1}`;
      if (!documented) {
        problems.push({ file, field, message: `\${${interpolation.name}} is not in ${envExampleFile}` });
      } else if ((interpolation.operator === ':-' || interpolation.operator === '-') && interpolation.argument !== documented.value) {
        problems.push({ file, field, message: `\${${interpolation.name}} defaults to ${JSON.stringify(interpolation.argument)} but ${envExampleFile} line ${documented.line} says ${JSON.stringify(documented.value)}` });
      }
    }
  });
  for (const [name, entry] of compose.envExample) {
    if (!used.has(name)) problems.push({ file: envExampleFile, field: `${name} (line ${entry.line})`, message: `${name} is not used by ${file}` });
  }
  return problems;
}
