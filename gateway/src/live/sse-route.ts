import type { EventEnvelope } from '@conveyor/contracts';
import { AppError, ValidationError, toEnvelope, toPublicError } from '@conveyor/errors';
import type { TokenVerifier } from '@conveyor/identity';
import type { Logger } from '@conveyor/service-runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConnectionLimits } from './connection-limits';
import { verifyCaller } from './live-caller';
import { openFeed } from './live-feed';
import type { LiveDeps } from './subscribe-live-field';
import { maxTimerMs } from './token-expiry';

export const executionEventsPaths = ['/api/executions/:id/events', '/api/v1/executions/:id/events'];

const executionFields = 'id schemaId schemaVersion status currentStep startedAt finishedAt error parentExecutionId';
const authorizeQuery = 'query LiveAuthorize($liveKey: ID!) { execution(id: $liveKey) { id } }';
const snapshotQuery = `query LiveExecution($liveKey: ID!) { execution(id: $liveKey) { ${executionFields} } }`;

const snakeCase = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const snakeKeys = (object: Record<string, unknown>) => Object.fromEntries(Object.entries(object).map(([k, v]) => [snakeCase(k), v]));

/** `<prefix>.executions.execution.updated` → `execution`; step → `step`; log → `log`. */
const eventNameOf = (envelope: EventEnvelope) => envelope.type.split('.').at(-2) ?? 'event';

/** Every event of one execution: its own updates (by entity id) and its steps' and logs' (by `execution_id`). */
const executionOf = (envelope: EventEnvelope): string | undefined =>
  envelope.entity.typename === 'Execution' ? envelope.entity.id : typeof envelope.data.execution_id === 'string' ? envelope.data.execution_id : undefined;

function readLastEventId(request: FastifyRequest): number | undefined {
  const header = request.headers['last-event-id'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value)) {
    throw new ValidationError('Invalid request headers', { details: { issues: [{ path: '/headers/last-event-id', message: 'must be a stream sequence (a decimal number)' }] } });
  }
  return Number(value);
}

const frame = (event: string, id: number, data: unknown) => `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * `GET /api/executions/:id/events`: the execution's changes as Server-Sent Events. The first
 * event is the execution's current state (`event: execution`); then `execution`, `step` and `log`
 * events in stream order, each with `id:` = its stream sequence. `Last-Event-ID` resumes after
 * that sequence without a snapshot. A comment line every `heartbeatMs` keeps proxies from
 * closing an idle stream. The token's expiry ends the stream with an `error` event.
 */
export function registerExecutionEventsRoute(
  app: FastifyInstance,
  options: { deps: LiveDeps; verifier: TokenVerifier; limits: ConnectionLimits; heartbeatMs: number },
): { closeAll: () => void } {
  const { deps } = options;
  const open = new Set<() => void>();
  const handler = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const caller = await verifyCaller(options.verifier, request.headers.authorization, request.id);
    const after = readLastEventId(request);
    const executionId = request.params.id;
    const context = { requestId: request.id, logger: request.log as Logger, authorization: caller.authorization };
    // Refuses another tenant's (or a missing) execution with the envelope, before the stream starts.
    await deps.runQuery(authorizeQuery, { liveKey: executionId }, context);
    if (!options.limits.acquire(caller.identity.userId)) throw new AppError('RATE_LIMIT_EXCEEDED', 'Too many live connections for this user');

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    });
    raw.write('retry: 1000\n\n');

    const feed = openFeed(deps, {
      selectors: [{ filter: `${deps.prefix}.executions.*.*`, index: 'execution-of', keyOf: executionOf, key: executionId }],
      tenantId: caller.identity.tenantId,
      after,
      snapshot: async () => (await deps.runQuery(snapshotQuery, { liveKey: executionId }, context)).execution as Record<string, unknown>,
    });
    let finished = false;
    const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), options.heartbeatMs);
    const wait = caller.expiresAt === null ? null : Math.min(Math.max(0, caller.expiresAt - Date.now()), maxTimerMs);
    const expiry = wait === null ? undefined : setTimeout(() => finish(new AppError('TOKEN_EXPIRED', 'The token has expired')), wait);
    function finish(error?: unknown) {
      if (finished) return;
      finished = true;
      open.delete(finish);
      clearInterval(heartbeat);
      clearTimeout(expiry);
      options.limits.release(caller.identity.userId);
      void feed.return();
      if (error !== undefined && !raw.destroyed) raw.write(`event: error\ndata: ${JSON.stringify(toEnvelope(toPublicError(error), request.id))}\n\n`);
      raw.end();
    }
    raw.on('close', () => finish());
    open.add(finish);

    try {
      for await (const item of feed) {
        if (item.kind === 'error') throw item.error;
        if (item.kind === 'snapshot') raw.write(frame('execution', item.seq, snakeKeys(item.value)));
        else raw.write(frame(eventNameOf(item.event.envelope), item.event.seq, item.event.envelope.data));
      }
      finish();
    } catch (error) {
      if (!(error instanceof AppError)) deps.logger.error({ err: error, executionId }, 'execution event stream failed');
      finish(error);
    }
  };
  for (const url of executionEventsPaths) app.get(url, handler);
  return { closeAll: () => [...open].forEach((finish) => finish()) };
}
