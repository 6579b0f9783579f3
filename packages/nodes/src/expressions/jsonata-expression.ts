import jsonata from 'jsonata';
import { NodeExecutionError } from '../node-execution-error';

/**
 * JSONata is the expression language of mappings and conditions: it has no access to the host
 * (no `eval`, no globals, no I/O), so the only risks are runaway evaluation and huge outputs,
 * bounded here by JSONata's own guardrails.
 */
export const expressionLimits = Object.freeze({
  /** Longest expression source accepted in a config. */
  maxSourceLength: 10_000,
  /** Evaluation time before JSONata throws D1012 (a loop such as `$f := function(){$f()}`). */
  timeoutMs: 1_000,
  /** Evaluation depth before JSONata throws D1011. */
  maxDepth: 300,
  /** Longest sequence an evaluation may build. */
  maxSequence: 100_000,
});

const options = { timeout: expressionLimits.timeoutMs, stack: expressionLimits.maxDepth, sequence: expressionLimits.maxSequence };

interface JsonataFailure {
  code?: string;
  message?: string;
  position?: number;
}

// Compiling costs about 0.6 ms per expression (JSONata sets up a fresh environment each time;
// measured with bench/schemas), and every save re-validates every node of a schema, so verdicts
// are remembered. Bounded; the oldest entry goes first.
const verdicts = new Map<string, string | null>();
const maxVerdicts = 10_000;

/** The compile error of an expression, or `null` when it compiles. */
export function expressionProblem(source: string): string | null {
  if (source.length > expressionLimits.maxSourceLength) return `expression longer than ${expressionLimits.maxSourceLength} characters`;
  const known = verdicts.get(source);
  if (known !== undefined) return known;
  let verdict: string | null = null;
  try {
    jsonata(source, options);
  } catch (error) {
    verdict = describeFailure(error);
  }
  if (verdicts.size >= maxVerdicts) verdicts.delete(verdicts.keys().next().value as string);
  verdicts.set(source, verdict);
  return verdict;
}

function describeFailure(error: unknown): string {
  const failure = error as JsonataFailure;
  const message = failure?.message ?? String(error);
  return failure?.position === undefined ? message : `${message} (at position ${failure.position})`;
}

// Compiled expressions are reused: a step of a long-running schema evaluates the same source many
// times. Bounded so that a tenant cannot grow it without limit.
const compiled = new Map<string, jsonata.Expression>();
const maxCompiled = 2_000;

function compile(source: string): jsonata.Expression {
  let expression = compiled.get(source);
  if (!expression) {
    try {
      expression = jsonata(source, options);
    } catch (error) {
      throw new NodeExecutionError('EXPRESSION_INVALID', `invalid expression: ${describeFailure(error)}`, { retryable: false, cause: error });
    }
    if (compiled.size >= maxCompiled) compiled.delete(compiled.keys().next().value as string);
    compiled.set(source, expression);
  }
  return expression;
}

/**
 * Evaluates `source` against `input`. Bindings become `$name` variables. An aborted `signal`
 * stops the evaluation at its next step. JSONata's `undefined` (no match) becomes `null`, so the
 * result is always JSON.
 */
export async function evaluateExpression(
  source: string,
  input: unknown,
  options: { bindings?: Record<string, unknown>; signal?: AbortSignal } = {},
): Promise<unknown> {
  const expression = compile(source);
  const signal = options.signal;
  const bindings: Record<string, unknown> = { ...options.bindings };
  if (signal) {
    // JSONata calls this hook before every evaluation step; throwing stops it there.
    bindings[Symbol.for('jsonata.__evaluate_entry') as unknown as string] = () => signal.throwIfAborted();
  }
  signal?.throwIfAborted();
  try {
    const result = await expression.evaluate(input, bindings);
    return result === undefined ? null : toJson(result);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new NodeExecutionError('EXPRESSION_FAILED', `expression failed: ${describeFailure(error)}`, { retryable: false, cause: error });
  }
}

// JSONata results can carry sequence markers and functions; a JSON round trip drops both.
function toJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}
