import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';
import { graphqlJs } from './graphql-js';

export type ParsedDocument = { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: readonly GraphQLError[]; code: string };

/**
 * Parsed and validated operations by their text, per schema. Front ends send the same few
 * subscription texts thousands of times; one AST per text instead of one per subscription is
 * most of the memory of an idle subscription. Bounded: cleared when it reaches `maxEntries`
 * (a client inventing texts costs cache misses, not memory).
 */
export function createDocumentCache(maxEntries = 500) {
  let cachedFor: GraphQLSchema | undefined;
  const entries = new Map<string, ParsedDocument>();
  return (schema: GraphQLSchema, text: string, maxTokens: number): ParsedDocument => {
    if (schema !== cachedFor) {
      entries.clear();
      cachedFor = schema;
    }
    const cached = entries.get(text);
    if (cached) return cached;
    let parsed: ParsedDocument;
    try {
      const document = graphqlJs.parse(text, { maxTokens });
      const errors = graphqlJs.validate(schema, document);
      parsed = errors.length > 0 ? { errors, code: 'GRAPHQL_VALIDATION_FAILED' } : { document };
    } catch (error) {
      parsed = { errors: [error as GraphQLError], code: 'GRAPHQL_PARSE_FAILED' };
    }
    if (entries.size >= maxEntries) entries.clear();
    entries.set(text, parsed);
    return parsed;
  };
}
