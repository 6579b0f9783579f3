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
