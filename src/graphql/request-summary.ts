import { Kind, type OperationDefinitionNode } from 'graphql';
import type { Caller } from '../auth/identify';

/** What a GraphQL request's log line tells about it: never variables, arguments or tokens. */
export interface RequestSummary {
  /** The operation's name, as the client named it; null for an anonymous one. */
  operation: string | null;
  /** Root fields asked for (by field name, not alias), in order, each once. */
  fields: string[];
  /** The error codes it answered with, each once. */
  codes: string[];
  /** Who a recognised token belongs to (`admin:{name}`, `client:{name}`); absent for everyone else. */
  caller?: string;
}

/** Root field names of an operation; fields inside fragments at the root are not expanded. */
export function rootFields(operation: OperationDefinitionNode | null | undefined): string[] {
  const names = new Set<string>();
  for (const selection of operation?.selectionSet.selections ?? []) {
    if (selection.kind === Kind.FIELD) names.add(selection.name.value);
  }
  return [...names];
}

/** A request's summary before its operation is known: who asked, no fields, no errors yet. */
export function emptySummary(caller: Caller): RequestSummary {
  return { operation: null, fields: [], codes: [], ...(caller.kind === 'admin' || caller.kind === 'client' ? { caller: `${caller.kind}:${caller.name}` } : {}) };
}
