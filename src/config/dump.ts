import { SETTINGS } from './settings';
import type { Config } from './load';

/** The effective settings as `flag = value` lines, with where each came from. */
export function formatSettings(config: Config): string {
  const lines = ['# goimgserver effective settings'];
  for (const def of SETTINGS) {
    lines.push(`${def.flag} = ${String(config[def.key])}  # ${config.origins[def.key]}`);
  }
  lines.push(`production = ${config.production}  # NODE_ENV`);
  return `${lines.join('\n')}\n`;
}
