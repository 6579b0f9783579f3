import { randomUUID } from 'node:crypto';
import type { ExecutionRow } from '../db/execution-rows';
import { insertStep, recordIncomingEdge, settleJoinedStep } from '../db/step-rows';
import { edgeTaken, relevantIncoming, type CompiledGraph } from './graph';
import { dispatchStep, emitStep, type Transition } from './transition';

interface EdgeDecision {
  taken: boolean;
  from: string;
  output?: unknown;
}

/**
 * Follows the outgoing edges of a node that finished (`ports` it continued along; `null` = all)
 * or was skipped (`dead`). Each target records the decision; a target whose relevant incoming
 * edges are all decided becomes ready (some edge taken) or is skipped (none taken), and a skip
 * travels on (dead-path elimination), so a join never waits for a branch that cannot arrive.
 * Returns how many edges were taken.
 */
export async function advanceFrom(
  t: Transition,
  execution: ExecutionRow,
  graph: CompiledGraph,
  nodeId: string,
  outcome: { dead: true } | { dead: false; ports: string[] | null; output: unknown },
): Promise<number> {
  let taken = 0;
  for (const edge of graph.outgoing(nodeId)) {
    if (edge.to === execution.startStep) continue;
    const target = graph.node(edge.to);
    if (!target) continue;
    const isTaken = !outcome.dead && edgeTaken(edge, outcome.ports);
    if (isTaken) taken += 1;
    const output = isTaken ? (outcome as { output: unknown }).output : undefined;
    const required = relevantIncoming(graph, target.id, execution.startStep);
    const dispatch = execution.status === 'running';
    if (required.length === 1) {
      // No join: the target is decided by this edge alone, one insert (the common case).
      const step = await insertStep(t.client, {
        id: randomUUID(),
        executionId: execution.id,
        nodeId: target.id,
        nodeType: target.type,
        activation: 1,
        attempt: 1,
        status: isTaken ? 'pending' : 'skipped',
        ready: isTaken,
        dispatched: isTaken && dispatch,
        input: isTaken ? output : null,
        notBefore: null,
      });
      if (!isTaken) {
        emitStep(t, execution.tenantId, step);
        await advanceFrom(t, execution, graph, target.id, { dead: true });
      } else if (dispatch) {
        dispatchStep(t, step);
      }
      continue;
    }
    const decision: EdgeDecision = isTaken ? { taken: true, from: nodeId, output } : { taken: false, from: nodeId };
    const step = await recordIncomingEdge(t.client, {
      id: randomUUID(),
      executionId: execution.id,
      nodeId: target.id,
      nodeType: target.type,
      edgeKey: edge.key,
      value: decision,
    });
    if (step.status !== 'pending' || step.ready) continue;
    const decisions = step.joinState as Record<string, EdgeDecision>;
    if (!required.every((e) => decisions[e.key] !== undefined)) continue;
    const arrived = required.filter((e) => decisions[e.key]!.taken);
    if (arrived.length === 0) {
      await settleJoinedStep(t.client, step.id, { status: 'skipped' });
      emitStep(t, execution.tenantId, { ...step, status: 'skipped' });
      await advanceFrom(t, execution, graph, target.id, { dead: true });
      continue;
    }
    // One arriving branch hands its output on as is; several arrive as an object keyed by source node.
    const input = arrived.length === 1 ? decisions[arrived[0]!.key]!.output : Object.fromEntries(arrived.map((e) => [e.from, decisions[e.key]!.output]));
    await settleJoinedStep(t.client, step.id, { status: 'pending', input, dispatched: dispatch });
    if (dispatch) dispatchStep(t, step);
  }
  return taken;
}
