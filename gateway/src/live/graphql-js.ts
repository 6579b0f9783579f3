import { createRequire } from 'node:module';

/**
 * graphql-js as Apollo and graphql-ws load it. The package has no `exports` map: Node resolves
 * it to its CommonJS build, while bundler-style resolvers (vitest) pick the `.mjs` one, and the
 * two realms fail each other's `instanceof` checks (a schema or a GraphQLError "from another
 * module"). Every runtime use in live status goes through this one CommonJS instance.
 */
export const graphqlJs = createRequire(import.meta.url)('graphql') as typeof import('graphql');
