export type {
  ExecutorContext,
  ExecutorResult,
  LogLevel,
  NodeCategory,
  NodeDescriptor,
  NodeExecutor,
  NodeModule,
  RetryPolicy,
} from './types';
export { findNodeModule, isTriggerType, nodeDescriptors, nodeModules } from './registry';
export { NodeExecutionError, isRetryable } from './node-execution-error';
export { evaluateExpression, expressionLimits, expressionProblem } from './expressions/jsonata-expression';
export { isTruthy } from './expressions/jsonata-truthiness';
export { outputPortsOf, valuesAtPointer } from './config/output-ports';
export { validateNodeConfig, type ConfigProblem } from './config/validate-node-config';
export { maxDelayMs } from './node-types/delay';
export { maxResponseBytes, type HttpRequestOutput } from './node-types/http-request';
