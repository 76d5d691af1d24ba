import { GraphQLError, Kind, type DocumentNode, type FieldNode, type OperationDefinitionNode, type ValueNode } from 'graphql';
import { createSelectionFold } from './selection-fold';

/**
 * What each field costs, in images' worth of work: describing one image (a resolution, a
 * header read, a signature) is 1; a responsive image is 1 per two of its candidate URLs
 * (widths × (formats + the fallback)), since each is a signature and text in the answer;
 * `images` and `responsiveImages` pay that per path, and what is selected below them once
 * per path (a placeholder per image); a placeholder is a render, and so is finding the
 * border a `trim` removes (once per image). Everything else is a property of what was
 * already paid for.
 */
export const FIELD_COSTS: Readonly<Record<string, number>> = {
  image: 1,
  placeholder: 10,
  // Read from a small copy of the source: a render, like a placeholder.
  dominantColor: 10,
  folder: 1,
  source: 1,
  imagePresets: 1,
  cacheStats: 1,
  syncStatus: 1,
  clearCache: 1,
  syncImages: 1,
};

/** Finding a trim's border reads the source's pixels: a render, like a placeholder. */
const TRIM_COST = FIELD_COSTS.placeholder as number;

/** What a field costs when it does not say: a responsive image's widths and `<source>` formats, a page's size. */
export interface CostDefaults {
  readonly widths: number;
  readonly formats: number;
  /** Items of a folder's page (images, folders) when `first` is not given. */
  readonly pageSize: number;
}

/**
 * Root fields whose names result types also give to a plain value (ResponsiveImage.source,
 * SourceImage.folder): they cost only where they select fields, as the root fields do.
 */
const ONLY_WITH_SELECTION = new Set(['folder', 'source']);

/**
 * A folder's paged lists: listing the folder costs 1, sorting its images by date (reading up
 * to a thousand headers) 100, and what is selected below is paid once per item of the page (`first`).
 */
const PAGED = new Set(['images', 'folders']);
const LISTING_COST = 1;
const BY_DATE_COST = 100;

/** Fields that mint a responsive image's candidates: widths × (formats + the fallback) URLs. */
const RESPONSIVE = new Set(['responsive', 'responsiveImages']);
const URLS_PER_COST = 2;

// Every URL minted for a path repeats it, percent-encoded: a path costs one more per
// started block of this many UTF-8 bytes, so long paths cannot multiply the answer's size.
const PATH_BYTES_PER_COST = 256;
const weightOf = (path: unknown): number => (typeof path === 'string' ? Math.max(1, Math.ceil(Buffer.byteLength(path) / PATH_BYTES_PER_COST)) : 1);

/** Fields that take one image path, whose weight multiplies their cost. */
const PER_PATH: Readonly<Record<string, string>> = { image: 'path', responsive: 'path' };

/** Fields whose cost is per element of a list argument. */
const PER_ELEMENT: Readonly<Record<string, string>> = { images: 'paths', responsiveImages: 'paths' };

/**
 * The cost of an operation, fragments expanded and aliases counted, with list arguments
 * read from the variables. Linear in the document; stops counting past `ceiling`.
 */
export function operationCost(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
  ceiling: number,
  defaults: CostDefaults,
): number {
  const argument = (node: FieldNode, name: string) => node.arguments?.find((candidate) => candidate.name.value === name)?.value;
  const defaultOf = (name: string) => operation.variableDefinitions?.find((definition) => definition.variable.name.value === name)?.defaultValue;
  // What a variable amounts to, once per variable and measure however many fields use it.
  const measured = new Map<(element: unknown) => number, Map<string, number | undefined>>();
  /**
   * What an argument amounts to, `weigh` of each element summed: written in the document,
   * given as a variable, or the variable's default; undefined when it is not given at all
   * (the field's default applies).
   */
  const measure = (value: ValueNode | undefined, weigh: (element: unknown) => number): number | undefined => {
    if (!value || value.kind === Kind.NULL) return undefined;
    if (value.kind === Kind.LIST) return value.values.reduce((sum, item) => sum + (measure(item, weigh) ?? 1), 0);
    if (value.kind === Kind.STRING) return weigh(value.value);
    if (value.kind !== Kind.VARIABLE) return 1;
    const name = value.name.value;
    const known = measured.get(weigh) ?? measured.set(weigh, new Map()).get(weigh)!;
    if (!known.has(name)) known.set(name, measureVariable(name, weigh));
    return known.get(name);
  };
  const measureVariable = (name: string, weigh: (element: unknown) => number): number | undefined => {
    // Own properties only: a variable named $constructor or $toString is not given just because every object has one.
    if (!Object.hasOwn(variables, name)) return measure(defaultOf(name), weigh);
    const given = variables[name];
    if (given === null || given === undefined) return undefined;
    return Array.isArray(given) ? given.reduce((sum: number, element: unknown) => sum + weigh(element), 0) : weigh(given);
  };
  const one = () => 1;
  /** Paths are required: one not given fails validation, and counts as one meanwhile. */
  /** A whole-number argument: written in the document, given as a variable, or the variable's default. */
  const numberOf = (value: ValueNode | undefined): number | undefined => {
    if (value?.kind === Kind.INT) return Number(value.value);
    if (value?.kind !== Kind.VARIABLE) return undefined;
    const given = Object.hasOwn(variables, value.name.value) ? variables[value.name.value] : undefined;
    if (typeof given === 'number') return given;
    return given === undefined ? numberOf(defaultOf(value.name.value)) : undefined;
  };
  // Query.images has paths; a folder's images and folders are pages. A page larger than allowed is refused when it resolves.
  const isPage = (node: FieldNode) => PAGED.has(node.name.value) && argument(node, 'paths') === undefined;
  const enumOf = (value: ValueNode | undefined): string | undefined => {
    if (value?.kind === Kind.ENUM) return value.value;
    if (value?.kind !== Kind.VARIABLE) return undefined;
    const given = Object.hasOwn(variables, value.name.value) ? variables[value.name.value] : undefined;
    return typeof given === 'string' ? given : given === undefined ? enumOf(defaultOf(value.name.value)) : undefined;
  };
  const pageCost = (node: FieldNode, below: number): number => {
    const byDate = enumOf(argument(node, 'orderBy')) === 'TAKEN_AT' ? BY_DATE_COST : 0;
    // Each image of a page is resolved and looked at, like a path of images; a subfolder only when something below asks.
    const perItem = node.name.value === 'images' ? 1 : 0;
    return LISTING_COST + byDate + Math.max(0, numberOf(argument(node, 'first')) ?? defaults.pageSize) * (perItem + below);
  };
  const times = (node: FieldNode): number => {
    const pathArgument = PER_ELEMENT[node.name.value] ?? PER_PATH[node.name.value];
    return pathArgument === undefined ? 1 : (measure(argument(node, pathArgument), weightOf) ?? 1);
  };
  const listOr = (node: FieldNode, name: string, fallback: number) => measure(argument(node, name), one) ?? fallback;
  const trimmed = (node: FieldNode) => (measure(argument(node, 'trim'), one) === undefined ? 0 : TRIM_COST);
  const own = (node: FieldNode): number => {
    if (RESPONSIVE.has(node.name.value)) {
      const urls = listOr(node, 'widths', defaults.widths) * (listOr(node, 'formats', defaults.formats) + 1);
      return Math.max(1, Math.ceil(urls / URLS_PER_COST)) + trimmed(node);
    }
    if (ONLY_WITH_SELECTION.has(node.name.value) && !node.selectionSet) return 0;
    return (node.name.value in PER_ELEMENT ? 1 : (FIELD_COSTS[node.name.value] ?? 0)) + trimmed(node);
  };
  const cost = createSelectionFold<number>(document, {
    empty: 0,
    field: (node, below) => Math.min(isPage(node) ? pageCost(node, below) : times(node) * (own(node) + below), ceiling + 1),
    siblings: (a, b) => Math.min(a + b, ceiling + 1),
  });
  return cost(operation.selectionSet);
}

/**
 * Refuses, before any resolver runs, an operation that costs more than `maxCost`
 * (BAD_USER_INPUT, HTTP 400), so no document buys more work than that many images are worth.
 */
export function refuseCostly(document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>>, maxCost: number, defaults: CostDefaults): void {
  if (operationCost(document, operation, variables, maxCost, defaults) <= maxCost) return;
  throw new GraphQLError(
    `Expected an operation costing at most ${maxCost} (--max-cost: image 1, responsive 1 per two candidate URLs, each path of images 1 and of responsiveImages as much as responsive, a placeholder, a trim and a dominant colour 10, once per path in a batch, folder and source 1, a listing of a folder 1 (sorted by date 100), each image of a page 1 and what is below a page once per item of it) but received more`,
    { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
  );
}
