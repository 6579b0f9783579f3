import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { graphqlJs } from '../src/live/graphql-js';
import { liveFieldsByName } from '../src/live/live-fields';
import { answersFromEvent, entityQueryOf, eventObjectOf, readLiveOperation } from '../src/live/subscription-document';

/** The document rewriting of live status: a subscription's selection as the first-message query, and what an event answers. */
const schema = graphqlJs.buildSchema(`
  type Query { execution(id: ID!): Execution! }
  type Execution { id: ID! status: String! currentStep: String output: String steps(limit: Int): Page! }
  type Page { total: Int! }
  type Subscription { executionUpdated(id: ID!, after: String): Execution! }
`);

const envelope = {
  v: 1 as const,
  id: 'e1',
  type: 'p.executions.execution.updated',
  occurred_at: '2026-01-01T00:00:00.000Z',
  tenant_id: 't',
  entity: { typename: 'Execution', id: 'x1' },
  data: { id: 'x1', status: 'running', current_step: 'a' },
};

describe('subscription documents', () => {
  it('turns the selection into a query under the same response key, keeping fragments and the variables still used', () => {
    const document = parse(`
      subscription Watch($id: ID!, $after: String, $limit: Int) {
        watched: executionUpdated(id: $id, after: $after) { ...Bits steps(limit: $limit) { total } }
      }
      fragment Bits on Execution { id status }
    `);
    const live = readLiveOperation(schema, document, 'Watch', { id: 'x1', after: '42', limit: 3 });
    expect(live).toMatchObject({ key: 'x1', after: 42 });
    const query = entityQueryOf(document, live, liveFieldsByName.get('executionUpdated')!.snapshot!);
    expect(graphqlJs.validate(schema, parse(query))).toEqual([]);
    expect(query).toContain('watched: execution(id: $liveKey)');
    expect(query).toContain('$limit: Int');
    expect(query).not.toContain('$after');
    expect(query).toContain('fragment Bits on Execution');
  });

  it('answers from the event only when it carries every selected field', () => {
    const read = (selection: string) => readLiveOperation(schema, parse(`subscription { executionUpdated(id: "x1") { ${selection} } }`), undefined, {});
    const object = eventObjectOf(envelope);
    expect(object).toEqual({ __typename: 'Execution', id: 'x1', status: 'running', currentStep: 'a' });
    expect(answersFromEvent(read('__typename id status currentStep'), object)).toBe(true);
    expect(answersFromEvent(read('id output'), object)).toBe(false);
    expect(answersFromEvent(read('steps { total }'), object)).toBe(false);
  });

  it('refuses a resume point that is not a sequence', () => {
    const document = parse('subscription { executionUpdated(id: "x1", after: "yesterday") { id } }');
    expect(() => readLiveOperation(schema, document, undefined, {})).toThrow(/after must be a stream sequence/);
  });
});
