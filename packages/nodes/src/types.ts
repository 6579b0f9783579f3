/**
 * The contract between node types and the engine. A node module pairs a descriptor (what the
 * catalog serves and the schemas service validates against) with an executor (what the engine
 * runs). Descriptors are the single source of truth for ports, config and retry policy.
 */

export type NodeCategory = 'trigger' | 'logic' | 'data' | 'action' | 'flow' | 'integration';

export interface RetryPolicy {
  /** Total attempts including the first; 1 means no retry. */
  attempts: number;
  /** Delay before the second attempt; doubles each time up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export interface NodeDescriptor {
  type: string;
  version: number;
  category: NodeCategory;
  title: string;
  description: string;
  /** JSON Schema (draft 2020-12 subset understood by Ajv) of the node's `config`. */
  configSchema: Record<string, unknown>;
  /** Input port names; triggers have none. */
  inputs: string[];
  /** Output port names; a condition has `true` and `false`. */
  outputs: string[];
  retry: RetryPolicy;
  timeoutMs: number;
  /**
   * Extra output ports named by the config: a JSON pointer into the config where `*` matches every
   * array index or object key (a switch declares the pointer to its case names). Declarative so that a descriptor
   * sent as JSON (catalog over NATS) still says it; see `outputPortsOf`.
   */
  portsFromConfig?: string;
  /** JSONata expressions in a valid config, so the schemas service can compile-check them. */
  expressionsOf?: (config: Record<string, unknown>) => Array<{ path: string; expression: string }>;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ExecutorContext<Config = Record<string, unknown>> {
  executionId: string;
  tenantId: string | null;
  nodeId: string;
  attempt: number;
  config: Config;
  /** The node's input: the trigger payload, or the outputs of its predecessors. */
  input: unknown;
  /** Fires when the execution is stopped or the step times out; executors must honour it. */
  signal: AbortSignal;
  log(level: LogLevel, message: string, data?: Record<string, unknown>): void;
  /** Publishes to NATS under the installation's prefix (for `nats.publish`). */
  publish(subject: string, data: unknown): Promise<void>;
}

/**
 * What an executor returns. `output` continues along `ports` (default: every output port).
 * `wait` parks the step without holding a worker: the engine resumes it with a payload when the
 * timer fires, the approval arrives or the child execution finishes.
 */
export type ExecutorResult =
  | { kind: 'output'; output: unknown; ports?: string[] }
  | { kind: 'wait'; wait: { type: 'timer'; until: string } | { type: 'approval'; prompt?: string } | { type: 'subflow'; schemaId: string; input: unknown; version?: number } };

export type NodeExecutor<Config = Record<string, unknown>> = (context: ExecutorContext<Config>) => Promise<ExecutorResult>;

export interface NodeModule<Config = Record<string, unknown>> {
  descriptor: NodeDescriptor;
  execute: NodeExecutor<Config>;
}
