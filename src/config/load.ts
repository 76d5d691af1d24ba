import os from 'node:os';
import path from 'node:path';
import { SETTINGS, envName, type SettingDef, type Settings } from './settings';

/** The effective configuration: the settings plus what follows from the environment. */
export interface Config extends Settings {
  /** `NODE_ENV=production`: stricter defaults, masked errors. */
  production: boolean;
  /** Where each value came from, for the dump and the start-up log. */
  origins: Readonly<Record<keyof Settings, 'default' | 'environment' | 'flag'>>;
}

/** Every problem found in the configuration, reported together so one run shows them all. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const BY_FLAG = new Map(SETTINGS.map((def) => [def.flag, def]));

/**
 * Reads flags (`--name value`, `--name=value`, a bare boolean `--name`) and
 * `GOIMGSERVER_*` variables; a flag wins over its variable, which wins over the default.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Config {
  const problems: string[] = [];
  const flags = parseFlags(argv, problems);
  const values: Partial<Record<keyof Settings, unknown>> = {};
  const origins: Partial<Record<keyof Settings, 'default' | 'environment' | 'flag'>> = {};

  for (const def of SETTINGS) {
    const variable = envName(def);
    const fromFlag = flags.get(def.flag);
    const fromEnv = env[variable];
    const [raw, origin, label] =
      fromFlag !== undefined
        ? [fromFlag, 'flag' as const, `--${def.flag}`]
        : fromEnv !== undefined
          ? [fromEnv, 'environment' as const, variable]
          : [def.default, 'default' as const, `--${def.flag}`];
    const parsed = def.parse(raw);
    if ('expected' in parsed) {
      problems.push(`Expected ${parsed.expected} for ${label} but received ${JSON.stringify(raw)}`);
      continue;
    }
    values[def.key] = parsed.value;
    origins[def.key] = origin;
  }

  const settings = values as Settings;
  if (problems.length === 0 && settings.minDimension > settings.maxDimension) {
    problems.push(
      `Expected --min-dimension (${settings.minDimension}) to be at most --max-dimension (${settings.maxDimension})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const cpus = os.availableParallelism();
  return {
    ...settings,
    imagesDir: path.resolve(cwd, settings.imagesDir),
    cacheDir: path.resolve(cwd, settings.cacheDir),
    precacheWorkers: settings.precacheWorkers || cpus,
    processingConcurrency: settings.processingConcurrency || cpus,
    production: env.NODE_ENV === 'production',
    origins: origins as Config['origins'],
  };
}

function parseFlags(argv: readonly string[], problems: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      problems.push(`Expected a flag like --name value but received ${JSON.stringify(arg)}`);
      continue;
    }
    const name = match[1] as string;
    const def: SettingDef | undefined = BY_FLAG.get(name);
    if (!def) {
      problems.push(`Unknown flag --${name}; known flags: ${SETTINGS.map((d) => `--${d.flag}`).join(', ')}`);
      if (match[2] === undefined && argv[i + 1] !== undefined && !argv[i + 1]?.startsWith('--')) i++;
      continue;
    }
    let value = match[2];
    if (value === undefined) {
      const next = argv[i + 1];
      const isBoolean = def.default === 'true' || def.default === 'false';
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      } else if (isBoolean) {
        value = 'true';
      } else {
        problems.push(`Expected a value after --${name}`);
        continue;
      }
    }
    flags.set(name, value);
  }
  return flags;
}
