import pg from 'pg';
import type { Logger } from '@conveyor/service-runtime';
import { dueChannel } from './insert-task';

export interface DueListener {
  stop(): Promise<void>;
}

/**
 * LISTENs on the due channel over a dedicated connection (a pooled one would lose the
 * subscription when released). On a lost connection it reconnects after a second and calls
 * `onReconnect`, because notifications sent meanwhile are gone: the caller re-reads the table.
 */
export function listenForDueTimes(options: {
  url: string;
  logger: Logger;
  /** A task falls due then. */
  onDue: (dueMs: number) => void;
  /** A trigger's next run (payload `t<ms>`). */
  onTriggerDue: (dueMs: number) => void;
  /** A task was cancelled (payload `c<id>`). */
  onCancel: (taskId: number) => void;
  onReconnect: () => void;
}): DueListener {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    if (stopped) return;
    const next = new pg.Client({ connectionString: options.url, application_name: 'scheduler-listen' });
    next.on('notification', (message) => {
      const payload = message.payload ?? '';
      if (payload.startsWith('c')) {
        const id = Number(payload.slice(1));
        if (Number.isSafeInteger(id)) options.onCancel(id);
        return;
      }
      if (payload.startsWith('t')) {
        const due = Number(payload.slice(1));
        if (Number.isFinite(due)) options.onTriggerDue(due);
        return;
      }
      const due = Number(payload);
      if (Number.isFinite(due)) options.onDue(due);
    });
    next.on('error', (error) => {
      options.logger.warn({ err: error }, 'due listener lost its connection; reconnecting');
      void next.end().catch(() => undefined);
      schedule();
    });
    try {
      await next.connect();
      await next.query(`listen ${dueChannel}`);
      client = next;
      options.onReconnect();
    } catch (error) {
      options.logger.warn({ err: error }, 'due listener could not connect; retrying');
      void next.end().catch(() => undefined);
      schedule();
    }
  }

  function schedule() {
    if (stopped || retry) return;
    client = undefined;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, 1_000);
  }

  void connect();
  return {
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
