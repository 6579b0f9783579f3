import type { NodeModule } from './types';

/**
 * Erases a module's config type so that modules of different configs sit in one registry. The
 * schemas service has validated every config against the descriptor's JSON Schema before the
 * engine hands it to the executor, so the cast is backed by that check.
 */
export function defineNodeModule<Config>(module: NodeModule<Config>): NodeModule {
  return module as unknown as NodeModule;
}

/** A config field holding a JSONata expression; the `jsonata` format is compile-checked. */
export const expressionField = { type: 'string', format: 'jsonata', minLength: 1, maxLength: 10_000 } as const;

/** No retry: the default for nodes whose failure is deterministic. */
export const noRetry = Object.freeze({ attempts: 1, backoffMs: 0, maxBackoffMs: 0 });

/** Output port names, and the names a switch may declare. */
export const portNamePattern = '^[a-z][a-z0-9_-]{0,62}$';
