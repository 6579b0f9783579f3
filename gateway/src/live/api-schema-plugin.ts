import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { graphqlJs } from './graphql-js';

/**
 * Keeps the supergraph's API schema (what clients see) for the graphql-ws server, and answers a
 * subscription sent over HTTP with a 400 that says where subscriptions live, instead of the
 * gateway's "not supported" internal error.
 */
export function createApiSchemaPlugin(): { plugin: ApolloServerPlugin; schema: () => GraphQLSchema | undefined } {
  let current: GraphQLSchema | undefined;
  const plugin: ApolloServerPlugin = {
    async serverWillStart() {
      return {
        schemaDidLoadOrUpdate({ apiSchema }) {
          current = apiSchema;
        },
      };
    },
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation === 'subscription') {
            throw new graphqlJs.GraphQLError('Subscriptions are served over graphql-ws (WebSocket) on this path, or as Server-Sent Events under /api', {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
  return { plugin, schema: () => current };
}
