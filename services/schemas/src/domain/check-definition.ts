import { nestsDeeperThan, unstorableStrings, type NodeDescriptorJson, type SchemaEdgeJson, type SchemaNodeJson } from '@conveyor/contracts';
import { outputPortsOf, validateNodeConfig } from '@conveyor/nodes';
import type { z } from 'zod';
import { definitionShape, type DefinitionLimits, type EdgeInput, type NodeInput } from './definition-shape';
import { cycleClosingEdges, reachableFrom } from './graph-order';

/** One problem of a definition; `path` is a JSON pointer into `{nodes, edges}` (`/nodes/2/config/url`). */
export interface DefinitionProblem {
  path: string;
  message: string;
}

export interface CheckedDefinition {
  problems: DefinitionProblem[];
  /** Normalized (config defaulted, ports and edge ids filled in); meaningful only without problems. */
  nodes: SchemaNodeJson[];
  edges: SchemaEdgeJson[];
}

/**
 * Deepest nesting of objects and arrays a node config may have. 64 KiB of `[[[…` would be 32 000
 * levels, past what PostgreSQL's jsonb code accepts ("stack depth limit exceeded"): refused here.
 */
export const maxConfigDepth = 32;

const pointer = (...tokens: Array<string | number>) => tokens.map((t) => `/${String(t).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');

function zodProblems(prefix: string, error: z.ZodError): DefinitionProblem[] {
  return error.issues.map((issue) => ({ path: pointer(prefix, ...(issue.path as Array<string | number>)), message: issue.message }));
}

/** The shape check alone: parsed nodes and edges, or every shape problem. */
export function parseDefinitionShape(raw: { nodes: unknown; edges: unknown }, limits: DefinitionLimits) {
  const shape = definitionShape(limits);
  const nodes = shape.nodes.safeParse(raw.nodes);
  const edges = shape.edges.safeParse(raw.edges);
  const problems = [
    ...(nodes.success ? unstorableStrings(nodes.data, '/nodes') : zodProblems('nodes', nodes.error)),
    ...(edges.success ? unstorableStrings(edges.data, '/edges') : zodProblems('edges', edges.error)),
  ];
  return { problems, nodes: nodes.data ?? [], edges: edges.data ?? [] };
}

/**
 * Every problem of a well-shaped definition against the node types, at once: duplicate node ids,
 * config size and validity (JSONata compiled), unknown types, dangling edges and unknown ports,
 * no trigger, cycles, nodes unreachable from a trigger.
 */
export function checkDefinition(
  nodes: NodeInput[],
  edges: EdgeInput[],
  descriptors: ReadonlyMap<string, NodeDescriptorJson>,
  limits: DefinitionLimits,
): CheckedDefinition {
  const problems: DefinitionProblem[] = [];
  const nodeIndex = new Map<string, number>();

  nodes.forEach((node, i) => {
    if (nodeIndex.has(node.id)) problems.push({ path: pointer('nodes', i, 'id'), message: `duplicate node id "${node.id}" (first used by /nodes/${nodeIndex.get(node.id)})` });
    else nodeIndex.set(node.id, i);
    const configBytes = Buffer.byteLength(JSON.stringify(node.config));
    const descriptor = descriptors.get(node.type);
    if (configBytes > limits.maxConfigBytes) {
      problems.push({ path: pointer('nodes', i, 'config'), message: `config is ${configBytes} bytes, more than ${limits.maxConfigBytes}` });
    } else if (nestsDeeperThan(node.config, maxConfigDepth)) {
      problems.push({ path: pointer('nodes', i, 'config'), message: `config nests deeper than ${maxConfigDepth} levels` });
    } else if (!descriptor) {
      problems.push({ path: pointer('nodes', i, 'type'), message: `unknown node type "${node.type}"` });
    } else {
      for (const problem of validateNodeConfig(descriptor, node.config)) {
        problems.push({ path: `${pointer('nodes', i, 'config')}${problem.path}`, message: problem.message });
      }
    }
  });

  const descriptorOf = (id: string) => {
    const i = nodeIndex.get(id);
    return i === undefined ? undefined : descriptors.get(nodes[i]!.type);
  };

  const normalizedEdges: SchemaEdgeJson[] = [];
  const graphEdges: Array<{ source: string; target: string; index: number }> = [];
  const edgeIds = new Map<string, number>();
  const connections = new Set<string>();
  edges.forEach((edge, j) => {
    let usable = true;
    for (const end of ['source', 'target'] as const) {
      if (!nodeIndex.has(edge[end])) {
        problems.push({ path: pointer('edges', j, end), message: `no node with id "${edge[end]}"` });
        usable = false;
      }
    }
    let sourcePort = edge.source_port;
    let targetPort = edge.target_port;
    const source = descriptorOf(edge.source);
    const target = descriptorOf(edge.target);
    if (source) {
      const sourceIndex = nodeIndex.get(edge.source)!;
      const ports = outputPortsOf(source, nodes[sourceIndex]!.config);
      if (sourcePort === undefined) {
        if (ports.length === 1) sourcePort = ports[0];
        else {
          problems.push({
            path: pointer('edges', j, 'source_port'),
            message: ports.length === 0 ? `a ${source.type} node has no output ports` : `is required: one of ${ports.join(', ')}`,
          });
          usable = false;
        }
      } else if (!ports.includes(sourcePort)) {
        problems.push({ path: pointer('edges', j, 'source_port'), message: `a ${source.type} node has no output port "${sourcePort}" (ports: ${ports.join(', ') || 'none'})` });
        usable = false;
      }
    }
    if (target) {
      if (target.inputs.length === 0) {
        problems.push({ path: pointer('edges', j, 'target'), message: `a ${target.type} node takes no input` });
        usable = false;
      } else if (targetPort === undefined) {
        if (target.inputs.length === 1) targetPort = target.inputs[0];
        else {
          problems.push({ path: pointer('edges', j, 'target_port'), message: `is required: one of ${target.inputs.join(', ')}` });
          usable = false;
        }
      } else if (!target.inputs.includes(targetPort)) {
        problems.push({ path: pointer('edges', j, 'target_port'), message: `a ${target.type} node has no input port "${targetPort}"` });
        usable = false;
      }
    }
    if (!usable || sourcePort === undefined || targetPort === undefined) return;
    const connection = `${edge.source}\u0000${sourcePort}\u0000${edge.target}\u0000${targetPort}`;
    if (connections.has(connection)) {
      problems.push({ path: pointer('edges', j), message: 'duplicate edge: the same ports are already connected' });
      return;
    }
    connections.add(connection);
    const id = edge.id ?? `${edge.source}:${sourcePort}->${edge.target}:${targetPort}`;
    if (edgeIds.has(id)) {
      problems.push({ path: pointer('edges', j, 'id'), message: `duplicate edge id "${id}"` });
      return;
    }
    edgeIds.set(id, j);
    normalizedEdges.push({ id, source: edge.source, source_port: sourcePort, target: edge.target, target_port: targetPort });
    graphEdges.push({ source: edge.source, target: edge.target, index: j });
  });

  const uniqueIds = [...nodeIndex.keys()];
  for (const k of cycleClosingEdges(uniqueIds, graphEdges)) {
    const edge = graphEdges[k]!;
    problems.push({ path: pointer('edges', edge.index), message: `closes a cycle: "${edge.target}" is already upstream of "${edge.source}"` });
  }

  const triggers = uniqueIds.filter((id) => descriptorOf(id)?.category === 'trigger');
  const allTypesKnown = nodes.every((node) => descriptors.has(node.type));
  if (triggers.length === 0) {
    // With an unknown type the missing trigger may be that node; its type problem says enough.
    if (allTypesKnown) problems.push({ path: '/nodes', message: 'at least one trigger node (trigger.manual, trigger.webhook, trigger.schedule) is required' });
  } else {
    const reachable = reachableFrom(triggers, graphEdges);
    for (const [id, i] of nodeIndex) {
      if (!reachable.has(id)) problems.push({ path: pointer('nodes', i), message: `node "${id}" is not reachable from any trigger` });
    }
  }

  const normalizedNodes: SchemaNodeJson[] = nodes.map((node) => ({
    id: node.id,
    type: node.type,
    ...(node.name === undefined ? {} : { name: node.name }),
    config: node.config,
    ...(node.position === undefined ? {} : { position: node.position }),
  }));
  return { problems, nodes: normalizedNodes, edges: normalizedEdges };
}
