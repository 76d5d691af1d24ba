import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type DocumentNode, type FieldNode, type OperationDefinitionNode, type ValueNode } from 'graphql';
import { createSelectionFold } from './selection-fold';

/**
 * What each field costs, in images' worth of work: describing one image (a resolution, a
 * header read, a signature) is 1; `images` and `responsiveImages` cost 1 per path, and
 * what is selected below them is paid once per path (a placeholder per image); a
 * placeholder is a render. Everything else is a property of what was already paid for.
 */
export const FIELD_COSTS: Readonly<Record<string, number>> = {
  image: 1,
  responsive: 1,
  placeholder: 10,
  imagePresets: 1,
  cacheStats: 1,
  syncStatus: 1,
  clearCache: 1,
  syncImages: 1,
};

/** Fields whose cost is per element of a list argument. */
const PER_ELEMENT: Readonly<Record<string, string>> = { images: 'paths', responsiveImages: 'paths' };

/** How many elements a list argument has: written in the document, given as a variable, or the variable's default. */
function listLength(value: ValueNode | undefined, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>>): number {
  if (!value) return 0;
  if (value.kind === Kind.LIST) return value.values.length;
  if (value.kind === Kind.VARIABLE) {
    const name = value.name.value;
    // Own properties only: a variable named $constructor or $toString is not given just because every object has one.
    if (Object.hasOwn(variables, name)) return Array.isArray(variables[name]) ? (variables[name] as unknown[]).length : 1;
    const fallback = operation.variableDefinitions?.find((definition) => definition.variable.name.value === name)?.defaultValue;
    return fallback ? listLength(fallback, operation, variables) : 1;
  }
  return 1;
}

/**
 * The cost of an operation, fragments expanded and aliases counted, with list arguments
 * read from the variables. Linear in the document; stops counting past `ceiling`.
 */
export function operationCost(document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>>, ceiling: number): number {
  const times = (node: FieldNode): number => {
    const listArgument = PER_ELEMENT[node.name.value];
    if (listArgument === undefined) return 1;
    return listLength(node.arguments?.find((argument) => argument.name.value === listArgument)?.value, operation, variables);
  };
  const own = (node: FieldNode): number => (node.name.value in PER_ELEMENT ? 1 : (FIELD_COSTS[node.name.value] ?? 0));
  const cost = createSelectionFold<number>(document, {
    empty: 0,
    field: (node, below) => Math.min(times(node) * (own(node) + below), ceiling + 1),
    siblings: (a, b) => Math.min(a + b, ceiling + 1),
  });
  return cost(operation.selectionSet);
}

/**
 * Refuses, before any resolver runs, an operation that costs more than `maxCost`
 * (BAD_USER_INPUT, HTTP 400), so no document buys more work than that many images are worth.
 */
export function operationCostPlugin<Context extends object>(maxCost: number): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          if (!operation) return;
          const cost = operationCost(document, operation, request.variables ?? {}, maxCost);
          if (cost <= maxCost) return;
          throw new GraphQLError(
            `Expected an operation costing at most ${maxCost} (--max-cost: image and responsive 1, each path of images and responsiveImages 1, a placeholder 10, once per path in a batch) but received more`,
            { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
          );
        },
      };
    },
  };
}
