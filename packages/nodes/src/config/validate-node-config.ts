import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expressionProblem } from '../expressions/jsonata-expression';
import type { NodeDescriptor } from '../types';
import { cronProblem } from './cron-expression';
import { valuesAtPointer } from './output-ports';

/** One problem in a node's config; `path` is a JSON pointer inside the config ("" for the root). */
export interface ConfigProblem {
  path: string;
  message: string;
}

// `allErrors` so that a schema author sees every problem at once; `strict: false` because
// descriptors may carry annotation keywords (`description`, `default`) Ajv would otherwise flag.
const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
addFormats.default(ajv);
ajv.addFormat('jsonata', { type: 'string', validate: (source: string) => expressionProblem(source) === null });
ajv.addFormat('cron', { type: 'string', validate: (expression: string) => cronProblem(expression) === null });

// Descriptors from NATS are parsed afresh per request but cached by the caller; keyed by the
// schema's JSON text so equal schemas share one compiled validator.
const validators = new Map<string, ValidateFunction>();

function validatorOf(configSchema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(configSchema);
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(configSchema);
    validators.set(key, validate);
  }
  return validate;
}

/** Every problem of `config` against the descriptor's config schema, JSONata compile errors included. */
export function validateNodeConfig(descriptor: Pick<NodeDescriptor, 'configSchema'>, config: unknown): ConfigProblem[] {
  const validate = validatorOf(descriptor.configSchema);
  if (validate(config)) return [];
  return (validate.errors ?? []).map((error) => ({ path: pathOf(error), message: messageOf(error, config) }));
}

function pathOf(error: ErrorObject): string {
  if (error.keyword === 'required') return `${error.instancePath}/${escapeToken(String(error.params.missingProperty))}`;
  if (error.keyword === 'additionalProperties') return `${error.instancePath}/${escapeToken(String(error.params.additionalProperty))}`;
  return error.instancePath;
}

function messageOf(error: ErrorObject, config: unknown): string {
  if (error.keyword === 'format' && (error.params.format === 'jsonata' || error.params.format === 'cron')) {
    const [source] = valuesAtPointer(config, error.instancePath);
    if (typeof source === 'string') {
      return error.params.format === 'jsonata' ? `invalid JSONata expression: ${expressionProblem(source)}` : `invalid cron expression: ${cronProblem(source)}`;
    }
  }
  if (error.keyword === 'required') return 'is required';
  if (error.keyword === 'additionalProperties') return 'is not a known field';
  return error.message ?? 'is invalid';
}

function escapeToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}
