/**
 * A structural validator for Compose files, written from the Compose Specification
 * (compose-spec.io, `schema/compose-spec.json`): every key a service, a build, a healthcheck, a
 * dependency, a port or a volume may have, with its type. Unknown keys (a typo such as
 * `healthcheck.intervl`) and wrong types fail with the dotted path. Nothing is installed and
 * nothing runs Docker; `docker compose config` remains the authority where Docker is available.
 * Keys this repository does not use are accepted with any value; `x-` extensions anywhere.
 */
import { fieldPath } from './problems';

export type Schema =
  | { kind: 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'any' }
  | { kind: 'duration' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'array'; items: Schema }
  | { kind: 'object'; properties: Record<string, Schema>; required?: readonly string[]; values?: Schema; keyPattern?: RegExp }
  | { kind: 'oneOf'; options: readonly Schema[] };

const string: Schema = { kind: 'string' };
const number: Schema = { kind: 'number' };
const integer: Schema = { kind: 'integer' };
const boolean: Schema = { kind: 'boolean' };
const any: Schema = { kind: 'any' };
const nil: Schema = { kind: 'null' };
const duration: Schema = { kind: 'duration' };
const oneOf = (...options: Schema[]): Schema => ({ kind: 'oneOf', options });
const array = (items: Schema): Schema => ({ kind: 'array', items });
const object = (properties: Record<string, Schema>, extra: { required?: string[] } = {}): Schema => ({ kind: 'object', properties, ...extra });
const map = (values: Schema, keyPattern = /^[a-zA-Z0-9._-]+$/): Schema => ({ kind: 'object', properties: {}, values, keyPattern });
const enumOf = (...values: string[]): Schema => ({ kind: 'enum', values });

const stringOrList = oneOf(string, array(string));
const listOrDict = oneOf(map(oneOf(string, number, boolean, nil), /^.+$/), array(string));
const command = oneOf(nil, string, array(string));
const booleanish = oneOf(boolean, string);

const build = oneOf(
  string,
  object({
    context: string, dockerfile: string, dockerfile_inline: string, entitlements: array(string), args: listOrDict, ssh: listOrDict,
    labels: listOrDict, cache_from: array(string), cache_to: array(string), no_cache: booleanish, additional_contexts: listOrDict,
    network: string, pull: booleanish, target: string, shm_size: oneOf(integer, string), extra_hosts: any, isolation: string,
    privileged: booleanish, secrets: any, tags: array(string), ulimits: any, platforms: array(string),
  }),
);

const healthcheck = object({
  disable: booleanish, interval: duration, retries: oneOf(number, string), test: stringOrList, timeout: duration,
  start_period: duration, start_interval: duration,
});

const dependsOn = oneOf(
  array(string),
  map(object({ condition: enumOf('service_started', 'service_healthy', 'service_completed_successfully'), restart: booleanish, required: boolean }, { required: ['condition'] })),
);

const port = oneOf(
  number,
  string,
  object({ name: string, mode: string, host_ip: string, target: oneOf(integer, string), published: oneOf(string, integer), protocol: string, app_protocol: string }),
);

const serviceVolume = oneOf(
  string,
  object({ type: string, source: string, target: string, read_only: booleanish, consistency: string, bind: any, volume: any, tmpfs: any, image: any }, { required: ['type'] }),
);

/** Every property of a service in the Compose Specification. */
const service = object({
  develop: any, deploy: any, annotations: listOrDict, attach: booleanish, build, blkio_config: any, cap_add: array(string), cap_drop: array(string),
  cgroup: enumOf('host', 'private'), cgroup_parent: string, command, configs: any, container_name: string, cpu_count: oneOf(string, integer),
  cpu_percent: oneOf(string, integer), cpu_shares: oneOf(number, string), cpu_quota: oneOf(number, string), cpu_period: oneOf(number, string),
  cpu_rt_period: oneOf(number, string), cpu_rt_runtime: oneOf(number, string), cpus: oneOf(number, string), cpuset: string, credential_spec: any,
  depends_on: dependsOn, device_cgroup_rules: array(string), devices: any, dns: stringOrList, dns_opt: array(string), dns_search: stringOrList,
  domainname: string, entrypoint: command, env_file: any, label_file: any, environment: listOrDict, expose: array(oneOf(string, number)),
  extends: oneOf(string, object({ service: string, file: string }, { required: ['service'] })), external_links: array(string), extra_hosts: any,
  gpus: any, group_add: array(oneOf(string, number)), healthcheck, hostname: string, image: string, init: booleanish, ipc: string, isolation: string,
  labels: listOrDict, links: array(string), logging: object({ driver: string, options: any }), mac_address: string, mem_limit: oneOf(number, string),
  mem_reservation: oneOf(string, integer), mem_swappiness: oneOf(integer, string), memswap_limit: oneOf(number, string), models: any,
  network_mode: string, networks: oneOf(array(string), map(oneOf(nil, any))), oom_kill_disable: booleanish, oom_score_adj: oneOf(string, integer),
  pid: oneOf(string, nil), pids_limit: oneOf(number, string), platform: string, ports: array(port), post_start: any, pre_stop: any,
  privileged: booleanish, profiles: array(string), provider: any, pull_policy: string, pull_refresh_after: string, read_only: booleanish,
  restart: string, runtime: string, scale: oneOf(integer, string), security_opt: array(string), shm_size: oneOf(number, string), secrets: any,
  sysctls: listOrDict, stdin_open: booleanish, stop_grace_period: duration, stop_signal: string, storage_opt: any, tmpfs: stringOrList,
  tty: booleanish, ulimits: any, use_api_socket: boolean, user: string, uts: string, userns_mode: string, volumes: array(serviceVolume),
  volumes_from: array(string), working_dir: string,
});

const volume = oneOf(nil, object({ name: string, driver: string, driver_opts: any, external: any, labels: listOrDict }));
const network = oneOf(nil, object({ name: string, driver: string, driver_opts: any, ipam: any, external: any, internal: booleanish, enable_ipv4: booleanish, enable_ipv6: booleanish, attachable: booleanish, labels: listOrDict }));

export const composeFileSchema: Schema = object({
  version: string, name: string, include: any, services: map(service), models: any, networks: map(network), volumes: map(volume), secrets: any, configs: any,
});

export interface SchemaIssue {
  path: string;
  message: string;
}

const describe = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`);

/** Compose's duration: `10s`, `1m30s`, `500ms`. */
const durationPattern = /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/;

function matches(schema: Schema, value: unknown): boolean {
  return validate(schema, value, []).length === 0;
}

export function validate(schema: Schema, value: unknown, path: Array<string | number>): SchemaIssue[] {
  const at = fieldPath(path) || '(file)';
  switch (schema.kind) {
    case 'any':
      return [];
    case 'string':
      return typeof value === 'string' ? [] : [{ path: at, message: `must be a string, not ${describe(value)}` }];
    case 'number':
      return typeof value === 'number' ? [] : [{ path: at, message: `must be a number, not ${describe(value)}` }];
    case 'integer':
      return Number.isInteger(value) ? [] : [{ path: at, message: `must be an integer, not ${describe(value)}` }];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [{ path: at, message: `must be true or false, not ${describe(value)}` }];
    case 'null':
      return value === null ? [] : [{ path: at, message: `must be empty, not ${describe(value)}` }];
    case 'duration':
      return typeof value === 'string' && durationPattern.test(value) ? [] : [{ path: at, message: `must be a duration such as 10s or 1m30s, not ${describe(value)}` }];
    case 'enum':
      return typeof value === 'string' && schema.values.includes(value) ? [] : [{ path: at, message: `must be one of ${schema.values.join(', ')}, not ${describe(value)}` }];
    case 'array':
      if (!Array.isArray(value)) return [{ path: at, message: `must be a list, not ${describe(value)}` }];
      return value.flatMap((item, index) => validate(schema.items, item, [...path, index]));
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return [{ path: at, message: `must be a mapping, not ${describe(value)}` }];
      const issues: SchemaIssue[] = [];
      for (const key of schema.required ?? []) if (!(key in value)) issues.push({ path: at, message: `${key} is required` });
      for (const [key, child] of Object.entries(value)) {
        if (key.startsWith('x-')) continue;
        const property = schema.properties[key];
        if (property) issues.push(...validate(property, child, [...path, key]));
        else if (schema.values && (!schema.keyPattern || schema.keyPattern.test(key))) issues.push(...validate(schema.values, child, [...path, key]));
        else {
          const known = Object.keys(schema.properties);
          issues.push({ path: fieldPath([...path, key]), message: schema.values ? `invalid name ${JSON.stringify(key)}` : `unknown field (the Compose Specification allows ${known.join(', ')})` });
        }
      }
      return issues;
    }
    case 'oneOf': {
      if (schema.options.some((option) => matches(option, value))) return [];
      // Report against the alternative of the same shape (a mapping against the mapping form).
      const shape = (s: Schema) => (s.kind === 'object' ? 'object' : s.kind === 'array' ? 'array' : 'scalar');
      const valueShape = value !== null && typeof value === 'object' ? (Array.isArray(value) ? 'array' : 'object') : 'scalar';
      const sameShape = schema.options.filter((option) => shape(option) === valueShape);
      if (sameShape.length === 1) return validate(sameShape[0]!, value, path);
      return [{ path: at, message: `${describe(value)} is none of the allowed forms` }];
    }
  }
}
