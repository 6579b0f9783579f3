import type { TransactionOptions } from '@conveyor/service-runtime';
import type pg from 'pg';

/**
 * A statement the dispatcher runs at every due instant, prepared under its name: each connection
 * parses it once and, in the transactions of `genericPlans`, plans it once; later runs only bind
 * and execute. PostgreSQL planned these CTEs on every run, and for the one or two tasks of an
 * instant planning cost more than running them (bench/scheduler/probe-planning.ts: a report
 * 0.33 ms planning against 0.17 ms execution, a marking 0.21 against 0.18, a claim that finds
 * nothing 0.25 against 0.05).
 *
 * A generic plan is made without the parameters' values, possibly while the tables are nearly
 * empty, and then kept by the connection. The statements find tasks through the partial due-time
 * indexes or by id through the primary key (`status-sql.ts`), which a generic plan does as well
 * as a custom one; `test/generic-plans.test.ts` checks the plans kept from a near-empty table.
 */
export interface NamedStatement {
  name: string;
  text: string;
}

export function namedStatement(name: string, text: string): NamedStatement {
  return { name: `scheduler_${name}`, text };
}

/** The statement with its values, for `client.query`. */
export function withValues(statement: NamedStatement, values: unknown[]): pg.QueryConfig {
  return { name: statement.name, text: statement.text, values };
}

/**
 * For the transactions that run these statements: the generic plan from the first run, not a
 * fresh plan per run. With PostgreSQL's own choice (`auto`) the claim, the marking and the
 * reports kept planning every run: their generic plans, costed for unknown row counts (a `limit`
 * or an array of ids), looked dearer than plans for one task. Per task of an instant that saved
 * about 0.3 ms per statement on top of the parsing (probe: marking 1.23 → 0.91 ms, claim 0.75
 * → 0.44, report 1.50 → 0.99 ms, round trip included).
 */
export const genericPlans: TransactionOptions = { settings: { plan_cache_mode: 'force_generic_plan' } };
