import { approval } from './node-types/approval';
import { condition } from './node-types/condition';
import { delay } from './node-types/delay';
import { fail } from './node-types/fail';
import { httpRequest } from './node-types/http-request';
import { log } from './node-types/log';
import { natsPublish } from './node-types/nats-publish';
import { noop } from './node-types/noop';
import { set } from './node-types/set';
import { subflow } from './node-types/subflow';
import { switchNode } from './node-types/switch';
import { transform } from './node-types/transform';
import { triggerManual } from './node-types/trigger-manual';
import { triggerSchedule } from './node-types/trigger-schedule';
import { triggerWebhook } from './node-types/trigger-webhook';
import { waitUntil } from './node-types/wait-until';
import type { NodeDescriptor, NodeModule } from './types';

/** Every node type of the platform, in catalog order. */
export const nodeModules: readonly NodeModule[] = Object.freeze([
  triggerManual,
  triggerWebhook,
  triggerSchedule,
  httpRequest,
  natsPublish,
  transform,
  set,
  condition,
  switchNode,
  log,
  delay,
  waitUntil,
  approval,
  subflow,
  fail,
  noop,
]);

const byType = new Map(nodeModules.map((module) => [module.descriptor.type, module]));

/** The module of a node type, or `undefined` when the type does not exist. */
export function findNodeModule(type: string): NodeModule | undefined {
  return byType.get(type);
}

/** The descriptors alone, as the catalog serves them. */
export const nodeDescriptors: readonly NodeDescriptor[] = Object.freeze(nodeModules.map((module) => module.descriptor));

/** Triggers start executions; every schema needs at least one. */
export function isTriggerType(descriptor: Pick<NodeDescriptor, 'category'>): boolean {
  return descriptor.category === 'trigger';
}
