import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SETTINGS, envName, type SettingDef, type Settings } from './settings';

/** The effective configuration: the settings plus what follows from the environment. */
export interface Config extends Omit<Settings, 'renderProcesses'> {
  /** Render processes; 0 renders in the server process. */
  renderProcesses: number;
  /** `NODE_ENV=production`: a signing secret is required, introspection is off by default. */
  production: boolean;
  /** The only variables git is given: what finds the binary and the user's credentials. */
  gitEnv: Readonly<Record<string, string>>;
  /** Where each value came from, for the dump and the start-up log. */
  origins: Readonly<Record<keyof Settings, Origin>>;
}

/** Where a value came from: `file` is a secret's `_FILE`, `config` the settings file of `--config`. */
export type Origin = 'default' | 'environment' | 'file' | 'flag' | 'config';

/** Every problem found in the configuration, reported together so one run shows them all. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const GIT_ENV = ['PATH', 'HOME', 'SSH_AUTH_SOCK'] as const;

const BY_FLAG = new Map(SETTINGS.map((def) => [def.flag, def]));

/**
 * Reads flags (`--name value`, `--name=value`, a bare boolean `--name`) and
 * `GOIMGSERVER_*` variables; a flag wins over its variable, which wins over the default.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Config {
  const problems: string[] = [];
  const flags = parseFlags(argv, problems);
  const file = readSettingsFile(flags.get('config') ?? env[envName(BY_FLAG.get('config') as SettingDef)], cwd, problems);
  const values: Partial<Record<keyof Settings, unknown>> = {};
  const origins: Partial<Record<keyof Settings, Origin>> = {};

  for (const def of SETTINGS) {
    const found = def.secret ? readSecret(def, flags, env, problems) : readSetting(def, flags, env, file);
    if (!found) continue;
    const [raw, origin, label] = found;
    const parsed = def.parse(raw);
    if ('expected' in parsed) {
      // A secret's value is never echoed, not even a wrong one.
      const received = def.secret ? `${raw.length} characters` : (def.show?.(raw) ?? JSON.stringify(raw));
      problems.push(`Expected ${parsed.expected} for ${label} but received ${received}`);
      continue;
    }
    values[def.key] = parsed.value;
    origins[def.key] = origin;
  }

  const settings = values as Settings;
  const production = env.NODE_ENV === 'production';
  if (problems.length === 0) problems.push(...crossChecks(settings, production));
  if (problems.length > 0) throw new ConfigError(problems);

  const cpus = os.availableParallelism();
  return {
    ...settings,
    imagesDir: path.resolve(cwd, settings.imagesDir),
    cacheDir: path.resolve(cwd, settings.cacheDir),
    auditFile: settings.auditFile && path.resolve(cwd, settings.auditFile),
    precacheWorkers: settings.precacheWorkers || cpus,
    processingConcurrency: settings.processingConcurrency || 2 * cpus,
    renderProcesses: settings.renderProcesses === 'auto' ? cpus : settings.renderProcesses,
    production,
    gitEnv: Object.fromEntries(GIT_ENV.flatMap((name) => (env[name] ? [[name, env[name]]] : []))),
    origins: origins as Config['origins'],
  };
}

// Past the render timeout, so a render in flight when a stop begins still finishes and is delivered.
const SHUTDOWN_MARGIN_SECONDS = 15;

/** How long a stop may take before the process gives up on what is in flight. */
export function shutdownBoundMs(config: Pick<Settings, 'shutdownTimeout' | 'processingTimeout'>): number {
  return (config.shutdownTimeout === 'auto' ? config.processingTimeout + SHUTDOWN_MARGIN_SECONDS : config.shutdownTimeout) * 1000;
}

type Found = [raw: string, origin: Origin, label: string];

function readSetting(def: SettingDef, flags: Map<string, string>, env: NodeJS.ProcessEnv, file: SettingsFile): Found {
  const variable = envName(def);
  const fromFlag = flags.get(def.flag);
  const fromEnv = env[variable];
  const fromFile = file.values.get(def.flag);
  if (fromFlag !== undefined) return [fromFlag, 'flag', `--${def.flag}`];
  if (fromEnv !== undefined) return [fromEnv, 'environment', variable];
  if (fromFile !== undefined) return [fromFile.raw, 'config', `${def.flag} (${file.name} line ${fromFile.line})`];
  return [def.default, 'default', `--${def.flag}`];
}

interface SettingsFile {
  name: string;
  values: Map<string, { raw: string; line: number }>;
}

// What --dump writes where a secret would be: a placeholder, never a value to read.
const SECRET_PLACEHOLDERS = new Set(['(unset)', '(set, not shown)']);
// A dump is a few kilobytes: a larger file, or a device, was named by mistake (a log, a
// disk image), and reading it whole and naming each of its lines would flood the terminal or journal.
const MAX_SETTINGS_FILE_BYTES = 1024 * 1024;
const MAX_LINES_NAMED = 20;

/**
 * Reads a settings file as `--dump` writes it: `flag = value` lines, `#` comments (a comment
 * after a value needs whitespace before the `#`). Unknown settings, secrets with a value and
 * `config` itself are problems naming the line; `dump` is ignored.
 */
function readSettingsFile(given: string | undefined, cwd: string, problems: string[]): SettingsFile {
  const values = new Map<string, { raw: string; line: number }>();
  if (given === undefined || given.trim() === '') return { name: '', values };
  const name = given.trim();
  let text: string;
  try {
    const file = path.resolve(cwd, name);
    const stats = statSync(file);
    if (stats.isFile() && stats.size > MAX_SETTINGS_FILE_BYTES) {
      problems.push(`Expected a settings file of at most 1 MiB for --config but received ${JSON.stringify(name)} (${stats.size} bytes)`);
      return { name, values };
    }
    if (!stats.isFile() && !stats.isDirectory()) {
      problems.push(`Expected a regular settings file for --config but received ${JSON.stringify(name)}`);
      return { name, values };
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`Expected a readable settings file for --config but received ${JSON.stringify(name)} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    return { name, values };
  }
  let malformed = 0;
  text.split(/\r?\n/).forEach((content, index) => {
    const line = index + 1;
    const body = content.trim().startsWith('#') ? '' : content.trim();
    if (body === '') return;
    const match = /^([a-z][a-z0-9-]*)\s*=\s*(.*)$/.exec(body);
    const def = match ? BY_FLAG.get(match[1] as string) : undefined;
    const raw = match ? unquoted(match[2] as string) : undefined;
    if (!match || !def || raw === undefined) {
      if (++malformed <= MAX_LINES_NAMED) {
        problems.push(`Expected flag = value with a known setting in ${name} line ${line} but received ${JSON.stringify(body.slice(0, 80))}`);
      }
      return;
    }
    if (def.secret) {
      if (!SECRET_PLACEHOLDERS.has(raw)) problems.push(`${def.flag} in ${name} line ${line} is a secret: set ${envName(def)} or ${envName(def)}_FILE instead`);
      return;
    }
    if (def.key === 'config') {
      problems.push(`Expected no config setting inside a settings file (${name} line ${line})`);
      return;
    }
    // Dumps of earlier versions held `dump = true`: taken from the file, it would overwrite the file on every start.
    if (def.key === 'dump') return;
    values.set(def.flag, { raw, line });
  });
  if (malformed > MAX_LINES_NAMED) problems.push(`Expected flag = value lines in ${name}, but ${malformed - MAX_LINES_NAMED} more lines are not`);
  return { name, values };
}

/**
 * The value of a settings line: a JSON string (as the dump writes values that need it) with
 * nothing after it but a comment, or the text up to a ` #` comment, trimmed; undefined when
 * a quoted value is malformed.
 */
function unquoted(text: string): string | undefined {
  const string = /^"(?:[^"\\]|\\.)*"/.exec(text)?.[0];
  if (string === undefined) return text.startsWith('"') ? undefined : text.replace(/(^|\s)#.*$/, '').trim();
  if (!/^\s*(#.*)?$/.test(text.slice(string.length))) return undefined;
  try {
    return JSON.parse(string) as string;
  } catch {
    return undefined;
  }
}

/** Secrets come from `GOIMGSERVER_X` or the file named by `GOIMGSERVER_X_FILE`; a flag would show in `ps`. */
function readSecret(def: SettingDef, flags: Map<string, string>, env: NodeJS.ProcessEnv, problems: string[]): Found | null {
  const variable = envName(def);
  const fileVariable = `${variable}_FILE`;
  if (flags.has(def.flag)) {
    problems.push(`--${def.flag} is a secret: set ${variable} or ${fileVariable} instead of a flag`);
    return null;
  }
  const fromEnv = env[variable];
  const file = env[fileVariable];
  if (fromEnv !== undefined && file !== undefined) {
    problems.push(`Expected only one of ${variable} and ${fileVariable}`);
    return null;
  }
  if (fromEnv !== undefined) return [fromEnv, 'environment', variable];
  if (file === undefined) return [def.default, 'default', variable];
  try {
    return [readFileSync(file, 'utf8').replace(/\r?\n$/, ''), 'file', fileVariable];
  } catch (error) {
    problems.push(`Expected a readable file for ${fileVariable} but received ${JSON.stringify(file)} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    return null;
  }
}

/** Rules that involve more than one setting. */
function crossChecks(settings: Settings, production: boolean): string[] {
  const problems: string[] = [];
  if (settings.minDimension > settings.maxDimension) {
    problems.push(`Expected --min-dimension (${settings.minDimension}) to be at most --max-dimension (${settings.maxDimension})`);
  }
  if (settings.maxCost < settings.maxBatch) {
    problems.push(`Expected --max-cost (${settings.maxCost}) to be at least --max-batch (${settings.maxBatch}), or a full images query could never run`);
  }
  const adminSecrets = new Set(settings.adminTokens.map((admin) => admin.token));
  if (settings.clientTokens.some((client) => adminSecrets.has(client.token))) {
    problems.push('Expected GOIMGSERVER_CLIENT_TOKENS and GOIMGSERVER_ADMIN_TOKENS to share no token: one token is either an administrator or a client app');
  }
  if (production && settings.signingSecret === '') {
    problems.push('GOIMGSERVER_SIGNING_SECRET (or GOIMGSERVER_SIGNING_SECRET_FILE) is required in production (NODE_ENV=production)');
  }
  for (const { name, input } of settings.presets) {
    const sides = [input.width, input.height].filter((side): side is number => side !== null && side !== undefined);
    if (sides.some((side) => side < settings.minDimension || side > settings.maxDimension)) {
      problems.push(`Expected the sizes of preset ${name} within --min-dimension (${settings.minDimension}) and --max-dimension (${settings.maxDimension})`);
    }
  }
  problems.push(...storeChecks(settings));
  if (settings.presetsOnly && settings.presets.length === 0) problems.push('--presets-only needs --presets');
  if (settings.presetsOnly && settings.allowUnsigned) problems.push('--presets-only cannot bound unsigned URLs: turn --allow-unsigned off');
  if (settings.signingSecretPrevious !== '' && settings.signingSecret === '') {
    problems.push('GOIMGSERVER_SIGNING_SECRET_PREVIOUS needs GOIMGSERVER_SIGNING_SECRET, the key that replaced it');
  }
  return problems;
}

/** The settings of where derivatives are kept, against each other: each problem one line. */
function storeChecks(settings: Settings): string[] {
  const problems: string[] = [];
  if (settings.cacheStore !== 'local' && settings.cacheMaxSize > 0) {
    problems.push('--cache-max-size bounds only --cache-store local: no replica walks a shared store, so its size is not known; set --cache-max-size 0 and let the volume or the bucket expire old derivatives');
  }
  if (settings.cacheStore === 's3' && settings.s3Bucket === '') problems.push('--cache-store s3 needs --s3-bucket');
  if (settings.cacheStore !== 's3' && (settings.s3Bucket !== '' || settings.s3Endpoint !== '' || settings.s3Prefix !== '')) {
    problems.push('--s3-bucket, --s3-endpoint and --s3-prefix apply only to --cache-store s3');
  }
  return problems;
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
      const known = SETTINGS.filter((d) => !d.secret).map((d) => `--${d.flag}`);
      problems.push(`Unknown flag --${name}; known flags: ${known.join(', ')}`);
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
