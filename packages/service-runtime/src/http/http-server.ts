import { nestsDeeperThan } from '@conveyor/contracts';
import { AppError, toEnvelope, toPublicError } from '@conveyor/errors';
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from '../logger';
import { classifyHttpError } from './error-envelope';
import { requestIdOf } from './request-id';

/** Longest path parameter the router takes; the routes' own checks set tighter limits with clear messages. */
const maxParamLength = 256;

/**
 * A fastify instance whose request logger carries `request_id`, which echoes `X-Request-Id` and
 * applies a body limit. Request logging is left to the metrics hook: a JSON line per request
 * costs about a tenth of the gateway's latency budget.
 */
export function createHttpServer(options: {
  logger: Logger;
  bodyLimit: number;
  /**
   * How deeply a JSON body may nest. The gateway, where clients' bodies arrive, keeps
   * `jsonNestingLimit`; a subgraph gets a few levels more, for what the gateway wraps a client's
   * value in (`variables`, an input object).
   */
  maxJsonDepth: number;
}): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: requestIdOf,
    bodyLimit: options.bodyLimit,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength },
    // Errors the router raises before any route or hook (a path that is not valid percent-encoded
    // UTF-8, an overlong parameter) answer in the envelope too, not in fastify's own body.
    frameworkErrors: (error, request, reply) => {
      const pub = toPublicError(classifyHttpError(error, options.bodyLimit));
      (reply as unknown as FastifyReply).code(pub.status).send(toEnvelope(pub, request.id));
    },
  }) as unknown as FastifyInstance;
  // JSON bodies as fastify parses them (prototype poisoning refused), and at most `maxJsonDepth`
  // levels deep: deeper values exhaust the stack of whatever serialises them next. A body shorter
  // than twice the limit cannot nest that deep, so most are not walked.
  const maxDepth = options.maxJsonDepth;
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined);
      if ((body as string).length > 2 * maxDepth && nestsDeeperThan(value, maxDepth)) {
        return done(new AppError('INVALID_JSON', `The request body nests deeper than ${maxDepth} levels`, { details: { max_depth: maxDepth } }), undefined);
      }
      return done(null, value);
    });
  });
  // Callback-style hooks (here and in metrics): an async hook costs fastify a promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  return app;
}
