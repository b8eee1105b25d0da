import { InternalError } from './errors.js';

/**
 * A transition table: for each state, the states it may move to. An illegal transition is a bug, not a
 * state: `assertTransition` throws rather than storing it.
 */
export type TransitionTable<S extends string> = { readonly [K in S]: readonly S[] };

export function canTransition<S extends string>(table: TransitionTable<S>, from: S, to: S): boolean {
  return table[from].includes(to);
}

export function assertTransition<S extends string>(table: TransitionTable<S>, from: S, to: S, what: string): void {
  if (!canTransition(table, from, to)) throw new InternalError(`${what}: illegal transition ${from} → ${to}.`);
}

/** The states with no way out. */
export function terminalStates<S extends string>(table: TransitionTable<S>): S[] {
  return (Object.keys(table) as S[]).filter((s) => table[s].length === 0);
}
