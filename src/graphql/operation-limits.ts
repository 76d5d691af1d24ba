import { GraphQLError, Kind, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext, type ASTVisitor } from 'graphql';

export interface OperationLimits {
  /** Deepest nesting of fields in one operation. @default 8 */
  maxDepth: number;
  /** Most aliased fields in one operation (200 aliases of `image` would be 200 lookups). @default 30 */
  maxAliases: number;
}

interface Measure {
  depth: number;
  aliases: number;
}

/**
 * A validation rule that measures each operation, fragments expanded, and refuses it before
 * any resolver runs when it is nested too deep or uses too many aliases.
 */
export function operationLimitsRule(limits: OperationLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }

    // Depth of the selections below, and the aliases in them; `open` guards against fragment cycles.
    function measure(selectionSet: SelectionSetNode, open: Set<string>): Measure {
      let depth = 0;
      let aliases = 0;
      for (const selection of selectionSet.selections) {
        let inner: Measure = { depth: 0, aliases: 0 };
        let own = 0;
        if (selection.kind === Kind.FIELD) {
          // Introspection is governed by its own setting; tools' standard query is deep by nature.
          if (selection.name.value.startsWith('__')) continue;
          if (selection.alias) aliases++;
          inner = selection.selectionSet ? measure(selection.selectionSet, open) : inner;
          own = 1;
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          inner = measure(selection.selectionSet, open);
        } else {
          const fragment = fragments.get(selection.name.value);
          if (!fragment || open.has(fragment.name.value)) continue;
          inner = measure(fragment.selectionSet, new Set(open).add(fragment.name.value));
        }
        depth = Math.max(depth, own + inner.depth);
        aliases += inner.aliases;
        // Stop early: a hostile document should not cost more to measure than to refuse.
        if (aliases > limits.maxAliases || depth > limits.maxDepth) break;
      }
      return { depth, aliases };
    }

    return {
      OperationDefinition(operation) {
        const { depth, aliases } = measure(operation.selectionSet, new Set());
        if (depth > limits.maxDepth) {
          context.reportError(new GraphQLError(`Expected at most ${limits.maxDepth} levels of fields in an operation but received more`, { nodes: operation }));
        }
        if (aliases > limits.maxAliases) {
          context.reportError(new GraphQLError(`Expected at most ${limits.maxAliases} aliases in an operation but received more`, { nodes: operation }));
        }
      },
    };
  };
}
