import type { NodeDescriptor } from '../types';

/**
 * The output ports of a node with a given config: the descriptor's fixed ports plus the strings
 * found at `portsFromConfig` (a switch's case names). Works on descriptors received as JSON.
 */
export function outputPortsOf(descriptor: Pick<NodeDescriptor, 'outputs' | 'portsFromConfig'>, config: unknown): string[] {
  const ports = [...descriptor.outputs];
  if (descriptor.portsFromConfig) {
    for (const value of valuesAtPointer(config, descriptor.portsFromConfig)) {
      if (typeof value === 'string' && !ports.includes(value)) ports.push(value);
    }
  }
  return ports;
}

/** Values at a JSON pointer whose `*` tokens match every array index or object key. */
export function valuesAtPointer(root: unknown, pointer: string): unknown[] {
  const tokens = pointer.split('/').slice(1).map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
  let current: unknown[] = [root];
  for (const token of tokens) {
    const next: unknown[] = [];
    for (const value of current) {
      if (typeof value !== 'object' || value === null) continue;
      if (token === '*') next.push(...Object.values(value));
      else if (Object.hasOwn(value, token)) next.push((value as Record<string, unknown>)[token]);
    }
    current = next;
  }
  return current;
}
