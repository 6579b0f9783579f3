import { describe, expect, it } from 'vitest';
import { eventSubject, platformStreams, requestSubject, streamName } from './index';

function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  return p.length === s.length && p.every((token, i) => token === '*' || token === s[i]);
}

describe('subjects', () => {
  it('names events and requests by the documented scheme', () => {
    expect(eventSubject('conveyor', 'executions', 'execution', 'updated')).toBe('conveyor.executions.execution.updated');
    expect(requestSubject('conveyor', 'catalog', 'status')).toBe('conveyor.catalog.status');
  });

  it('refuses tokens that would break subject matching', () => {
    expect(() => eventSubject('conveyor', 'auth', 'user.x', 'created')).toThrow(/invalid subject token/);
    expect(() => requestSubject('a b', 'auth', 'status')).toThrow(/invalid subject token/);
  });

  it('captures events in the events stream but never requests', () => {
    const [events] = platformStreams('t1');
    expect(events?.name).toBe(streamName('t1', 'EVENTS'));
    const pattern = events!.subjects[0]!;
    expect(matches(pattern, eventSubject('t1', 'auth', 'instance', 'started'))).toBe(true);
    expect(matches(pattern, requestSubject('t1', 'auth', 'status'))).toBe(false);
    expect(matches(pattern, eventSubject('t2', 'auth', 'instance', 'started'))).toBe(false);
  });
});
