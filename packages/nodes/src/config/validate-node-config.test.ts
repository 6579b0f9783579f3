import { describe, expect, it } from 'vitest';
import { findNodeModule } from '../registry';
import { outputPortsOf, valuesAtPointer } from './output-ports';
import { validateNodeConfig } from './validate-node-config';

const descriptorOf = (type: string) => findNodeModule(type)!.descriptor;

describe('validateNodeConfig', () => {
  it('accepts valid configs', () => {
    expect(validateNodeConfig(descriptorOf('transform'), { expression: '{"total": $sum(items.price)}' })).toEqual([]);
    expect(validateNodeConfig(descriptorOf('http.request'), { url: 'https://example.com/x', method: 'POST' })).toEqual([]);
    expect(validateNodeConfig(descriptorOf('trigger.schedule'), { cron: '*/5 * * * *' })).toEqual([]);
    expect(validateNodeConfig(descriptorOf('wait.until'), { until: '2030-01-01T00:00:00Z' })).toEqual([]);
  });

  it('reports every problem with a JSON pointer into the config', () => {
    const problems = validateNodeConfig(descriptorOf('http.request'), { url: 'ftp://x', method: 'TRACE', extra: 1, timeoutMs: 'soon' });
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['/url', '/method', '/extra', '/timeoutMs']));
    expect(validateNodeConfig(descriptorOf('transform'), {})).toEqual([{ path: '/expression', message: 'is required' }]);
  });

  it('compile-checks JSONata fields and says why', () => {
    const [problem] = validateNodeConfig(descriptorOf('switch'), { cases: [{ port: 'big', when: 'amount > ' }] });
    expect(problem?.path).toBe('/cases/0/when');
    expect(problem?.message).toMatch(/invalid JSONata expression/);
    expect(validateNodeConfig(descriptorOf('set'), { values: { a: '1 +', b: 'x' } })[0]?.path).toBe('/values/a');
  });

  it('checks cron expressions field by field', () => {
    expect(validateNodeConfig(descriptorOf('trigger.schedule'), { cron: '0 9 * * MON-FRI', timezone: 'Europe/Berlin' })).toEqual([]);
    expect(validateNodeConfig(descriptorOf('trigger.schedule'), { cron: '61 * * * *' })).toEqual([{ path: '/cron', message: 'invalid cron expression: minute: 61 is outside 0-59' }]);
  });

  it('refuses a switch case named default and an invalid wait.until', () => {
    expect(validateNodeConfig(descriptorOf('switch'), { cases: [{ port: 'default', when: 'true' }] }).length).toBeGreaterThan(0);
    expect(validateNodeConfig(descriptorOf('wait.until'), {}).length).toBeGreaterThan(0);
    expect(validateNodeConfig(descriptorOf('wait.until'), { until: 'tomorrow' }).length).toBeGreaterThan(0);
  });

  it('validates a descriptor that came over the wire as JSON', () => {
    const wire = JSON.parse(JSON.stringify(descriptorOf('delay')));
    expect(validateNodeConfig(wire, { durationMs: 0 })[0]?.path).toBe('/durationMs');
  });
});

describe('outputPortsOf', () => {
  it('adds the ports a switch names', () => {
    const switchDescriptor = JSON.parse(JSON.stringify(descriptorOf('switch')));
    expect(outputPortsOf(switchDescriptor, { cases: [{ port: 'big', when: 'a' }, { port: 'small', when: 'b' }, { port: 'big', when: 'c' }] })).toEqual([
      'default',
      'big',
      'small',
    ]);
    expect(outputPortsOf(descriptorOf('condition'), {})).toEqual(['true', 'false']);
  });

  it('walks pointers with wildcards and escapes', () => {
    expect(valuesAtPointer({ a: { x: 1, y: 2 } }, '/a/*')).toEqual([1, 2]);
    expect(valuesAtPointer({ 'a/b': 3 }, '/a~1b')).toEqual([3]);
    expect(valuesAtPointer(null, '/a')).toEqual([]);
  });
});
