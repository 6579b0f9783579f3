import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stdout; every request's child logger carries `request_id`. */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
