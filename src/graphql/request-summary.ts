import type { ApolloServerPlugin } from '@apollo/server';
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
function rootFields(operation: OperationDefinitionNode | undefined): string[] {
  const names = new Set<string>();
  for (const selection of operation?.selectionSet.selections ?? []) {
    if (selection.kind === Kind.FIELD) names.add(selection.name.value);
  }
  return [...names];
}

/** Hands each request's summary to the context's `report`, for the HTTP layer's request line. */
export function requestSummaryPlugin<Context extends { report(summary: RequestSummary): void; caller: Caller }>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, operation, operationName, response }) {
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const codes = new Set(errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')));
          const { caller } = contextValue;
          const named = caller.kind === 'admin' || caller.kind === 'client' ? { caller: `${caller.kind}:${caller.name}` } : {};
          contextValue.report({ operation: operationName ?? null, fields: rootFields(operation), codes: [...codes], ...named });
        },
      };
    },
  };
}
