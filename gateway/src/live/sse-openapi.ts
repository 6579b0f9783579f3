import { executionEventsPaths } from './sse-route';

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } } });

/** The OpenAPI entries of `GET /api/executions/{id}/events` and its `/api/v1` alias. */
export function executionEventsOpenApi(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    executionEventsPaths.map((path) => [
      path.replace(/:(\w+)/g, '{$1}'),
      {
        get: {
          operationId: path.startsWith('/api/v1/') ? 'streamExecutionEventsV1' : 'streamExecutionEvents',
          tags: ['executions'],
          summary: 'Live status of an execution as Server-Sent Events',
          description: [
            'A `text/event-stream`. The first event (`event: execution`) is the execution\'s current state; then every change in order:',
            '`execution` (the Execution JSON), `step` (`id, execution_id, node_id, attempt, status, error`) and',
            '`log` (`id, execution_id, step_id, node_id, level, message, time`). Every event\'s `id:` is its stream sequence;',
            'reconnect with `Last-Event-ID` to receive what followed it (no first event then). A comment line (`: heartbeat`)',
            'is sent every 15 s by default. The stream ends with `event: error` (the error envelope) when the token expires.',
            'Requires `Authorization: Bearer <token>`; an execution of another tenant answers 404.',
          ].join(' '),
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string', pattern: '^\\d{1,15}$' }, description: 'Resume after this stream sequence' },
          ],
          responses: {
            '200': { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            '400': errorResponse('invalid Last-Event-ID'),
            '401': errorResponse('missing, invalid or expired token'),
            '404': errorResponse('no such execution in the caller\'s tenant'),
            '429': errorResponse('too many live connections for this user'),
          },
        },
      },
    ]),
  );
}
