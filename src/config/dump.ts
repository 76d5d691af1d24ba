import { SETTINGS } from './settings';
import type { Config } from './load';

/** The effective settings as `flag = value` lines, with where each came from. */
export function formatSettings(config: Config): string {
  const lines = ['# goimgserver effective settings'];
  for (const def of SETTINGS) {
    const value = def.secret ? (config[def.key] === '' ? '(unset)' : '(set, not shown)') : String(config[def.key]);
    lines.push(`${def.flag} = ${value}  # ${config.origins[def.key]}`);
  }
  lines.push(`production = ${config.production}  # NODE_ENV`);
  return `${lines.join('\n')}\n`;
}
