import { badInput } from '../errors';
import { normaliseRequest, readWord, type GrammarWord, type RequestedSpec, type SpecInput, type SpecLimits } from './spec';

/** A named transform from the configuration, such as `thumb: 200x200 cover webp q70`. */
export interface Preset {
  readonly name: string;
  /** The words as configured. */
  readonly words: readonly string[];
  /** The words as arguments: what arguments given beside the preset override, one by one. */
  readonly input: SpecInput;
  readonly spec: RequestedSpec;
}

export const PRESET_NAME = /^[a-z][\w-]{0,31}$/i;

/** One grammar word as the argument it stands for. */
function asArgument(word: GrammarWord): SpecInput {
  switch (word.kind) {
    case 'size':
      return { width: word.value[0], height: word.value[1] };
    case 'position':
      return typeof word.value === 'string' ? { position: word.value } : { focalPoint: word.value };
    case 'enlarge':
    case 'grayscale':
      return { [word.kind]: true };
    case 'crop':
      return { crop: word.value === 'whole' ? null : word.value };
    case 'watermark': {
      const { name, position, size, opacity, margin } = word.value;
      return { watermark: { name, position, size, opacity, margin } };
    }
    case 'fliph':
      return { flipHorizontal: true };
    case 'flipv':
      return { flipVertical: true };
    default:
      return { [word.kind]: word.value };
  }
}

/**
 * Reads a preset's words strictly, in the URL grammar: every word must be a valid
 * parameter and no two of a kind may appear (the graceful grammar would quietly take the
 * first). Returns the words as arguments and their spec, or the first word at fault.
 */
export function parsePresetWords(words: readonly string[], limits: SpecLimits): { input: SpecInput; spec: RequestedSpec } | { fault: string } {
  const kinds = new Set<string>();
  let input: SpecInput = {};
  for (const word of words) {
    const read = readWord(word, limits);
    if (!read || kinds.has(read.kind)) return { fault: word };
    kinds.add(read.kind);
    input = { ...input, ...asArgument(read) };
  }
  return { input, spec: normaliseRequest(input, limits) };
}

/** The parts of a request that choose the derivative, as arguments give them. */
export type VariantRequest = SpecInput & { preset?: string | null };

const SPEC_ARGUMENTS = ['width', 'height', 'format', 'quality', 'fit', 'position', 'focalPoint', 'enlarge', 'dpr', 'crop', 'trim', 'rotate', 'flipHorizontal', 'flipVertical', 'background', 'blur', 'sharpen', 'grayscale', 'watermark'] as const;

/**
 * Applies `preset`: its values, then any argument given beside it, except a watermark: a
 * preset's watermark is always laid, as it is. In presets-only mode a
 * preset is required and nothing may be given beside it, which bounds how many variants
 * of an image can exist.
 */
export function withPreset(request: VariantRequest, presets: ReadonlyMap<string, Preset>, presetsOnly: boolean): SpecInput {
  const given = SPEC_ARGUMENTS.filter((name) => request[name] !== undefined && request[name] !== null);
  const known = () => (presets.size === 0 ? 'no presets are configured' : [...presets.keys()].join(', '));
  if (presetsOnly && !request.preset) throw badInput('preset', `a preset in presets-only mode (one of ${known()})`, null);
  const beside = given[0];
  if (presetsOnly && beside) throw badInput(beside, `nothing beside the preset in presets-only mode`, request[beside]);
  if (request.preset === undefined || request.preset === null) return request;
  const preset = presets.get(request.preset);
  if (!preset) throw badInput('preset', `a configured preset (${known()})`, request.preset);
  if (preset.input.watermark && request.watermark) {
    throw badInput('watermark', `no watermark beside the preset ${preset.name}, which lays its own`, request.watermark.name);
  }
  const explicit = Object.fromEntries(given.map((name) => [name, request[name]]));
  // Where the crop is centred is one choice: a position or a focal point given beside the preset replaces either of its own.
  const { position, focalPoint, ...rest } = preset.input;
  const placement = 'position' in explicit || 'focalPoint' in explicit ? {} : { position, focalPoint };
  return { ...rest, ...placement, ...explicit };
}
