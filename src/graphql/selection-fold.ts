import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/** How to fold one operation's selections into a measure: a field from what is below it, siblings together. */
export interface Fold<T> {
  readonly empty: T;
  field(node: FieldNode, below: T): T;
  siblings(a: T, b: T): T;
}

/**
 * Folds selection sets with fragments expanded, in time linear in the document: each
 * fragment is folded once and its result reused at every spread. Re-expanding spreads
 * instead lets a document of a few hundred bytes (each fragment spreading the previous one
 * several times) cost exponential time. A fragment that spreads itself (a cycle, refused by
 * GraphQL's own validation) adds nothing where it recurs.
 */
export function createSelectionFold<T>(document: DocumentNode, fold: Fold<T>): (selectionSet: SelectionSetNode) => T {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const folded = new Map<string, T>();
  const open = new Set<string>();

  function fragment(name: string): T {
    const known = folded.get(name);
    if (known !== undefined) return known;
    const definition = fragments.get(name);
    if (!definition || open.has(name)) return fold.empty;
    open.add(name);
    const value = selections(definition.selectionSet);
    open.delete(name);
    folded.set(name, value);
    return value;
  }

  function selections(selectionSet: SelectionSetNode): T {
    let value = fold.empty;
    for (const selection of selectionSet.selections) {
      let part: T;
      if (selection.kind === Kind.FIELD) {
        part = fold.field(selection, selection.selectionSet ? selections(selection.selectionSet) : fold.empty);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        part = selections(selection.selectionSet);
      } else {
        part = fragment(selection.name.value);
      }
      value = fold.siblings(value, part);
    }
    return value;
  }

  return selections;
}
