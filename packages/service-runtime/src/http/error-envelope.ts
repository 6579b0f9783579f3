import { AppError, toEnvelope, toPublicError } from '@conveyor/errors';
import type { FastifyError, FastifyInstance } from 'fastify';

/** Turns fastify's own request errors (parsing, limits, content type) into registry errors. */
export function classifyHttpError(error: FastifyError, bodyLimit: number): unknown {
  if (error instanceof AppError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', `The request body exceeds the limit of ${bodyLimit} bytes`, { details: { limit_bytes: bodyLimit } });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json', {
        details: { content_type: error.message.replace(/^Unsupported Media Type:?\s*/, '') || null },
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('INVALID_JSON', 'The body is empty but the content type says JSON');
    case 'FST_ERR_BAD_URL':
      return new AppError('VALIDATION_ERROR', 'The URL path is not valid: a percent-encoded part of it is not UTF-8');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError('VALIDATION_ERROR', 'A path parameter is too long');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('VALIDATION_ERROR', 'Content-Length does not match the body');
    default:
      break;
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(`${error.code ?? ''} ${error.message}`))) {
    return new AppError('INVALID_JSON', 'The request body is not valid JSON', { details: { reason: error.message } });
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError('VALIDATION_ERROR', error.message);
  }
  return error;
}

/**
 * Every error and every unknown route answers in the documented envelope; requests under
 * `graphqlPath` answer in GraphQL's shape instead (`errors[].extensions.code`), so GraphQL
 * clients never see a REST body. Failures of our own are logged and answered without internals.
 */
export function registerErrorEnvelope(app: FastifyInstance, options: { bodyLimit: number; graphqlPath?: string }): void {
  const isGraphQL = (url: string) => options.graphqlPath !== undefined && url.split('?')[0] === options.graphqlPath;
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const pub = toPublicError(classifyHttpError(error, options.bodyLimit));
    if (pub.status >= 500) request.log.error({ err: error }, 'request failed');
    reply.code(pub.status);
    if (isGraphQL(request.url)) {
      return reply.send({ errors: [{ message: pub.message, extensions: { code: pub.code, details: pub.details } }] });
    }
    return reply.send(toEnvelope(pub, request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    const pub = toPublicError(new AppError('ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`));
    return reply.code(404).send(toEnvelope(pub, request.id));
  });
}
