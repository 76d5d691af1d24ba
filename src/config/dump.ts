import type { Preset } from '../images/presets';
import { SETTINGS } from './settings';
import type { Config } from './load';

/** The effective settings as `flag = value` lines, with where each came from; `--config` reads them back. */
export function formatSettings(config: Config): string {
  const lines = ['# goimgserver effective settings'];
  for (const def of SETTINGS) {
    // The file is read back with --config: it cannot name itself, nor ask to be written again
    // (that would rewrite it, the operator's comments and edits with it, on every start).
    if (def.key === 'config' || def.key === 'dump') continue;
    const raw = config[def.key];
    const unset = raw === '' || (Array.isArray(raw) && raw.length === 0);
    const value = def.secret ? (unset ? '(unset)' : '(set, not shown)') : quoted(showValue(raw));
    lines.push(`${def.flag} = ${value}  # ${config.origins[def.key]}`);
  }
  lines.push(`# production: ${config.production} (NODE_ENV)`);
  return `${lines.join('\n')}\n`;
}

/**
 * A value as the settings file holds it: as it is, or as a JSON string when it would not
 * read back so (a `#` that starts a comment, a line break, spaces at either end, a quote first).
 */
export function quoted(value: string): string {
  return /\s#|^#|[\r\n]|^\s|\s$|^"/.test(value) ? JSON.stringify(value) : value;
}

function showValue(value: unknown): string {
  if (Array.isArray(value)) {
    const isPreset = (item: unknown): item is Preset => typeof item === 'object' && item !== null && 'spec' in item;
    return value.every(isPreset) && value.length > 0 ? value.map((preset) => `${preset.name}: ${preset.words.join(' ')}`).join('; ') : value.join(',');
  }
  if (typeof value === 'object' && value !== null && 'max' in value && 'windowSeconds' in value) {
    return value.max === 0 ? 'off' : `${String(value.max)}/${String(value.windowSeconds)}s`;
  }
  return String(value);
}
