import { Kind, parse, type DocumentNode } from 'graphql';
import { createMemo } from '../memo';
import { MEMORY_BOUNDS } from '../memory-bounds';
import { createSelectionFold } from './selection-fold';

export interface OperationLimits {
  /** Deepest nesting of fields in one operation. @default 8 */
  maxDepth: number;
  /** Most aliased fields in one operation (200 aliases of `image` would be 200 lookups). @default 30 */
  maxAliases: number;
  /**
   * Most fields in one operation, fragments expanded. GraphQL's own validation compares
   * fields of the same name pairwise: 450 of them took 160 ms. @default 200
   */
  maxFields: number;
}

interface Measure {
  readonly depth: number;
  readonly aliases: number;
  readonly fields: number;
}

const NOTHING: Measure = { depth: 0, aliases: 0, fields: 0 };

/** The first limit an operation of `document` exceeds, fragments expanded; null when none. Linear in the document. */
export function exceededLimit(document: DocumentNode, limits: OperationLimits): string | null {
  // Counts of expanded fragments can grow exponentially: past a limit, the exact number does not matter.
  const upTo = (count: number, max: number) => Math.min(count, max + 1);
  const measure = createSelectionFold<Measure>(document, {
    empty: NOTHING,
    field: (node, below) =>
      // Introspection is governed by its own setting; tools' standard query is deep and wide by nature.
      node.name.value.startsWith('__')
        ? NOTHING
        : { depth: 1 + below.depth, aliases: upTo((node.alias ? 1 : 0) + below.aliases, limits.maxAliases), fields: upTo(1 + below.fields, limits.maxFields) },
    siblings: (a, b) => ({
      depth: Math.max(a.depth, b.depth),
      aliases: upTo(a.aliases + b.aliases, limits.maxAliases),
      fields: upTo(a.fields + b.fields, limits.maxFields),
    }),
  });
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const { depth, aliases, fields } = measure(definition.selectionSet);
    if (depth > limits.maxDepth) return `Expected at most ${limits.maxDepth} levels of fields in an operation (--max-depth) but received more`;
    if (aliases > limits.maxAliases) return `Expected at most ${limits.maxAliases} aliases in an operation (--max-aliases) but received more`;
    if (fields > limits.maxFields) return `Expected at most ${limits.maxFields} fields in an operation (--max-fields) but received more`;
  }
  return null;
}

// Verdicts remembered by document text (MEMORY_BOUNDS.operationVerdicts): clients send the same
// few documents again and again. Longer documents (a comment can make one as long as the body
// limit) are measured each time, so that remembering them cannot take much memory.
const REMEMBERED_LENGTH = MEMORY_BOUNDS.rememberedDocumentLength;

/**
 * Checks a request's document against the limits before Apollo sees it: GraphQL's own
 * validation has rules that take time quadratic in the number of fields (450 fields of one
 * name took 160 ms), and a plugin cannot refuse a request before validation runs. Answers
 * the error message, or null to let the request through (a document that does not parse
 * is left to Apollo, which reports it). Each distinct document is parsed once here.
 */
export function createOperationGate(limits: OperationLimits & { maxTokens: number }) {
  const verdicts = createMemo<{ refused: string | null }>(MEMORY_BOUNDS.operationVerdicts);
  return function refusal(query: unknown): string | null {
    if (typeof query !== 'string') return null;
    const judge = () => {
      let document: DocumentNode;
      try {
        document = parse(query, { maxTokens: limits.maxTokens, noLocation: true });
      } catch {
        return { refused: null };
      }
      return { refused: exceededLimit(document, limits) };
    };
    return (query.length > REMEMBERED_LENGTH ? judge() : verdicts.remembered(query, judge)).refused;
  };
}
