import { defineNodeModule, expressionField } from '../define-node-module';
import { evaluateExpression } from '../expressions/jsonata-expression';
import { NodeExecutionError } from '../node-execution-error';
import { expressionBindings } from './expression-bindings';
import { readLimitedBody } from './read-limited-body';

export interface HttpRequestConfig {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  url: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  bodyExpression?: string;
  timeoutMs?: number;
  failOnStatus?: boolean;
}

export interface HttpRequestOutput {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Largest response body the node keeps (it becomes step output, stored in PostgreSQL). */
export const maxResponseBytes = 5 * 1024 * 1024;
const defaultTimeoutMs = 30_000;
const maxTimeoutMs = 300_000;

/**
 * Calls an HTTP endpoint. The body is `bodyExpression` evaluated on the input, else `body`, else
 * the input itself (for methods that carry one), sent as JSON. A JSON response is parsed. Status
 * 429 and 5xx fail retryably, other 4xx fail for good (unless `failOnStatus` is false); network
 * errors and timeouts are retryable. The request is aborted when the step is stopped.
 */
export const httpRequest = defineNodeModule<HttpRequestConfig>({
  descriptor: {
    type: 'http.request',
    version: 1,
    category: 'integration',
    title: 'HTTP request',
    description: 'Calls an HTTP endpoint with a JSON body; outputs {status, headers, body}. 429/5xx/network errors are retried.',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        method: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'], default: 'GET' },
        url: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2_000 },
        headers: { type: 'object', maxProperties: 50, additionalProperties: { type: 'string', maxLength: 8_000 } },
        query: { type: 'object', maxProperties: 50, additionalProperties: { type: 'string', maxLength: 2_000 } },
        body: { description: 'JSON body; the input when neither body nor bodyExpression is set.' },
        bodyExpression: expressionField,
        timeoutMs: { type: 'integer', minimum: 1, maximum: maxTimeoutMs, default: defaultTimeoutMs },
        failOnStatus: { type: 'boolean', default: true },
      },
    },
    inputs: ['in'],
    outputs: ['out'],
    retry: { attempts: 3, backoffMs: 1_000, maxBackoffMs: 30_000 },
    timeoutMs: maxTimeoutMs,
  },
  execute: async (context) => {
    const config = context.config;
    const method = config.method ?? 'GET';
    const url = new URL(config.url);
    for (const [name, value] of Object.entries(config.query ?? {})) url.searchParams.set(name, value);
    const headers = new Headers(config.headers);
    let body: string | undefined;
    if (method !== 'GET' && method !== 'HEAD') {
      const value =
        config.bodyExpression !== undefined
          ? await evaluateExpression(config.bodyExpression, context.input, { bindings: expressionBindings(context), signal: context.signal })
          : config.body !== undefined
            ? config.body
            : (context.input ?? null);
      body = JSON.stringify(value);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    const timeoutMs = config.timeoutMs ?? defaultTimeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([context.signal, timeout]);

    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method, headers, body, signal, redirect: 'follow' });
      text = await readLimitedBody(response, maxResponseBytes);
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      if (error instanceof NodeExecutionError) throw error;
      if (timeout.aborted) {
        throw new NodeExecutionError('HTTP_TIMEOUT', `${method} ${url.origin}${url.pathname} timed out after ${timeoutMs} ms`, { retryable: true, cause: error });
      }
      const reason = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new NodeExecutionError('HTTP_NETWORK_ERROR', `${method} ${url.origin}${url.pathname} failed: ${reason?.code ?? reason?.message ?? String(error)}`, {
        retryable: true,
        cause: error,
      });
    }

    const output: HttpRequestOutput = { status: response.status, headers: Object.fromEntries(response.headers), body: parseBody(text, response.headers.get('content-type')) };
    if (config.failOnStatus !== false && response.status >= 400) {
      throw new NodeExecutionError('HTTP_STATUS', `${method} ${url.origin}${url.pathname} answered ${response.status}`, {
        retryable: response.status === 429 || response.status >= 500,
        details: { status: response.status, body: output.body },
      });
    }
    return { kind: 'output', output };
  },
});

function parseBody(text: string, contentType: string | null): unknown {
  if (text.length === 0) return null;
  if (contentType && /[/+]json\b/i.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
