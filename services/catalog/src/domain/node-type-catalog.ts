import { nodeCategories, type NodeDescriptorJson } from '@conveyor/contracts';
import { NotFoundError, ValidationError } from '@conveyor/errors';
import type { NodeDescriptor } from '@conveyor/nodes';

/** What the catalog answers about node types; built once from `@conveyor/nodes` at start-up. */
export interface NodeTypeCatalog {
  list(filter?: { category?: string | null }): NodeDescriptorJson[];
  /** Throws `NotFoundError` for an unknown type. */
  get(type: string): NodeDescriptorJson;
  /** The known ones among `types`, in catalog order (all when `types` is undefined). */
  pick(types?: string[]): NodeDescriptorJson[];
}

/** Strips what cannot travel as JSON (the `expressionsOf` function) and freezes the result. */
function toJson(descriptor: NodeDescriptor): NodeDescriptorJson {
  const { expressionsOf: _dropped, ...json } = descriptor;
  return Object.freeze(JSON.parse(JSON.stringify(json)) as NodeDescriptorJson);
}

export function createNodeTypeCatalog(descriptors: readonly NodeDescriptor[]): NodeTypeCatalog {
  const all = descriptors.map(toJson);
  const byType = new Map(all.map((d) => [d.type, d]));
  return {
    list(filter = {}) {
      const category = filter.category;
      if (category === undefined || category === null) return all;
      if (!(nodeCategories as readonly string[]).includes(category)) {
        throw new ValidationError(`unknown node category ${JSON.stringify(category)}`, {
          details: { issues: [{ path: '/query/category', message: `must be one of ${nodeCategories.join(', ')}` }] },
        });
      }
      return all.filter((d) => d.category === category);
    },
    get(type) {
      const descriptor = byType.get(type);
      if (!descriptor) throw new NotFoundError(`node type ${JSON.stringify(type)} does not exist`, { details: { type } });
      return descriptor;
    },
    pick(types) {
      if (types === undefined) return all;
      const wanted = new Set(types);
      return all.filter((d) => wanted.has(d.type));
    },
  };
}
