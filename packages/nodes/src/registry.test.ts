import { describe, expect, it } from 'vitest';
import { validateNodeConfig } from './config/validate-node-config';
import { findNodeModule, isTriggerType, nodeDescriptors, nodeModules } from './registry';

const requiredTypes = [
  'trigger.manual', 'trigger.webhook', 'trigger.schedule', 'http.request', 'transform', 'condition', 'switch', 'set',
  'log', 'delay', 'wait.until', 'approval', 'subflow', 'nats.publish', 'fail', 'noop',
];

describe('node registry', () => {
  it('has one module per required type, each found by its type', () => {
    expect(nodeModules.map((m) => m.descriptor.type).sort()).toEqual([...requiredTypes].sort());
    for (const type of requiredTypes) expect(findNodeModule(type)?.descriptor.type).toBe(type);
    expect(findNodeModule('nope')).toBeUndefined();
    expect(findNodeModule('__proto__')).toBeUndefined();
  });

  it('has well-formed descriptors that survive a JSON round trip', () => {
    for (const descriptor of nodeDescriptors) {
      expect(descriptor.version).toBeGreaterThanOrEqual(1);
      expect(descriptor.retry.attempts).toBeGreaterThanOrEqual(1);
      expect(descriptor.timeoutMs).toBeGreaterThan(0);
      expect(descriptor.inputs.length).toBe(isTriggerType(descriptor) ? 0 : 1);
      expect(JSON.parse(JSON.stringify(descriptor))).toEqual(descriptor);
      // Every config schema compiles; an empty-ish config either passes or names what is missing.
      expect(Array.isArray(validateNodeConfig(descriptor, {}))).toBe(true);
    }
  });

  it('names the condition ports true and false, and triggers have no inputs', () => {
    expect(findNodeModule('condition')?.descriptor.outputs).toEqual(['true', 'false']);
    expect(nodeDescriptors.filter(isTriggerType).map((d) => d.type)).toEqual(['trigger.manual', 'trigger.webhook', 'trigger.schedule']);
  });
});
