import { errorHeaders, type RequestContract } from '@conveyor/contracts';
import { AppError, UnavailableError, ValidationError, fromCode, toPublicError } from '@conveyor/errors';
import { ErrorCode as NatsErrorCode, headers as natsHeaders, type Msg, type NatsConnection, type Subscription } from 'nats';
import type { z } from 'zod';
import type { Logger } from '../logger';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function parseJson(data: Uint8Array): unknown {
  if (data.length === 0) return {};
  return JSON.parse(decoder.decode(data));
}

/** Answers a request with the error's public code and message in headers and its details in the body. */
export function respondWithError(msg: Msg, error: unknown): void {
  const pub = toPublicError(error);
  const h = natsHeaders();
  h.set(errorHeaders.code, pub.code);
  h.set(errorHeaders.message, pub.message);
  msg.respond(encoder.encode(JSON.stringify({ details: pub.details })), { headers: h });
}

/**
 * Answers a request/reply contract on `subject` within a queue group, so replicas share the load.
 * Requests and responses are validated against the contract; errors travel as headers.
 */
export function serveRequests<Req extends z.ZodType, Res extends z.ZodType>(options: {
  nc: NatsConnection;
  subject: string;
  queue: string;
  contract: RequestContract<Req, Res>;
  logger: Logger;
  handle: (request: z.output<Req>) => Promise<z.input<Res>>;
}): Subscription {
  const { contract, logger } = options;
  return options.nc.subscribe(options.subject, {
    queue: options.queue,
    callback: (err, msg) => {
      if (err) {
        logger.warn({ err }, 'request subscription error');
        return;
      }
      void (async () => {
        try {
          let body: unknown;
          try {
            body = parseJson(msg.data);
          } catch {
            throw new ValidationError('request is not valid JSON');
          }
          const parsed = contract.request.safeParse(body);
          if (!parsed.success) {
            throw new ValidationError('request does not match its contract', {
              details: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
            });
          }
          const response = contract.response.parse(await options.handle(parsed.data));
          msg.respond(encoder.encode(JSON.stringify(response)));
        } catch (error) {
          if (!(error instanceof AppError)) logger.error({ err: error, subject: msg.subject }, 'request handler failed');
          respondWithError(msg, error);
        }
      })();
    },
  });
}

/** Sends a request and returns the validated response, or throws the error the responder sent. */
export async function requestOverNats<Req extends z.ZodType, Res extends z.ZodType>(options: {
  nc: NatsConnection;
  subject: string;
  contract: RequestContract<Req, Res>;
  payload: z.input<Req>;
  timeoutMs?: number;
}): Promise<z.output<Res>> {
  const data = encoder.encode(JSON.stringify(options.contract.request.parse(options.payload)));
  let reply: Msg;
  try {
    reply = await options.nc.request(options.subject, data, { timeout: options.timeoutMs ?? 5_000 });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === NatsErrorCode.NoResponders) throw new UnavailableError(`no service answers ${options.subject}`, { cause: error });
    if (code === NatsErrorCode.Timeout) throw new AppError('UPSTREAM_TIMEOUT', `no answer on ${options.subject} in time`, { cause: error });
    throw new UnavailableError(`request on ${options.subject} failed`, { cause: error });
  }
  const errorCode = reply.headers?.get(errorHeaders.code);
  if (errorCode) {
    const body = parseJson(reply.data) as { details?: Record<string, unknown> };
    throw fromCode(errorCode, reply.headers?.get(errorHeaders.message) ?? 'request failed', body.details ?? undefined);
  }
  return options.contract.response.parse(parseJson(reply.data));
}
