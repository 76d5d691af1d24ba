import { isIP } from 'node:net';
import { parsePresetWords, PRESET_NAME, type Preset } from '../images/presets';
import { parseWatermarks, type WatermarkEntry } from '../images/watermarks';

/**
 * Every setting of the server, declared once: its flag, its environment variable, its
 * default and its documentation. The README's configuration table mirrors this list and a
 * test keeps the two in step.
 */
export interface Settings {
  port: number;
  host: string;
  imagesDir: string;
  cacheDir: string;
  cacheMaxSize: number;
  memoryCacheSize: number;
  cacheStore: 'local' | 'shared' | 's3';
  s3Bucket: string;
  s3Endpoint: string;
  s3Region: string;
  s3Prefix: string;
  s3ForcePathStyle: boolean;
  s3Timeout: number;
  sourceCheckInterval: number;
  precache: boolean;
  precacheWorkers: number;
  dump: boolean;
  config: string;
  shutdownTimeout: number | 'auto';
  gitUrl: string;
  redisUrl: string;
  redisPassword: string;
  gitBranch: string;
  gitTimeout: number;
  allowUnsigned: boolean;
  signingSecret: string;
  signingSecretPrevious: string;
  adminTokens: readonly AdminToken[];
  clientTokens: readonly AdminToken[];
  clientTokenFactor: number;
  auditFile: string;
  publicUrl: string;
  staleMaxAge: number;
  maxBatch: number;
  maxPageSize: number;
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxFields: number;
  maxCost: number;
  introspection: string;
  playground: string;
  metrics: boolean;
  rateLimitImage: Budget;
  rateLimitImages: Budget;
  rateLimitAdmin: Budget;
  rateLimitRenders: Budget;
  trustedProxies: readonly string[];
  corsOrigins: readonly string[];
  corsAdminOrigins: readonly string[];
  headersTimeout: number;
  maxConnectionsPerClient: number;
  presets: readonly Preset[];
  presetsOnly: boolean;
  watermarks: readonly WatermarkEntry[];
  minDimension: number;
  maxDimension: number;
  maxOutputPixels: number;
  maxSourcePixels: number;
  maxFrames: number;
  maxSourceBytes: number;
  processingTimeout: number;
  processingConcurrency: number;
  renderProcesses: number | 'auto';
  renderPriority: number;
  maxQueue: number;
  logHits: boolean;
  logLevel: string;
}

/** One administrator or known client app: the name is what logs record, never the token. */
export interface AdminToken {
  readonly name: string;
  readonly token: string;
}

/** At most `max` calls per `windowSeconds` per client; `max` 0 means no limit. */
export interface Budget {
  readonly max: number;
  readonly windowSeconds: number;
}

export interface SettingDef {
  key: keyof Settings;
  /** Command-line flag without the dashes; also gives the variable GOIMGSERVER_<FLAG>. */
  flag: string;
  default: string;
  doc: string;
  /** Read only from the environment (or the file named by `<VARIABLE>_FILE`), never a flag, and never shown. */
  secret?: true;
  /** How a refused value is quoted back; by default as it is. */
  show?(raw: string): string;
  /** Turns the raw text into a value, or returns the "expected ..." phrase on failure. */
  parse(raw: string): { value: Settings[keyof Settings] } | { expected: string };
}

const MIB = 1024 * 1024;

function int(min: number, max: number) {
  return (raw: string) => {
    const value = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      return { expected: `an integer from ${min} to ${max}` };
    }
    return { value };
  };
}

function bool(raw: string) {
  const text = raw.trim().toLowerCase();
  if (text === 'true') return { value: true };
  if (text === 'false') return { value: false };
  return { expected: 'true or false' };
}

function text(raw: string) {
  return raw.trim() === '' ? { expected: 'a non-empty value' } : { value: raw.trim() };
}

function optionalText(raw: string) {
  return { value: raw.trim() };
}

function secret(raw: string) {
  if (raw === '') return { value: '' };
  return raw.length >= 32 ? { value: raw } : { expected: 'at least 32 characters' };
}

const WINDOW_UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };

/** `{max}/{window}` with the window in s, m or h (`600/1m`), or `off`. */
function budget(raw: string) {
  const text = raw.trim();
  if (text === 'off') return { value: { max: 0, windowSeconds: 1 } };
  const match = /^(\d{1,7})\/(\d{1,5})([smh])$/.exec(text);
  const max = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]) * (WINDOW_UNITS[match?.[3] ?? ''] ?? NaN);
  if (!match || max < 1 || !(windowSeconds >= 1 && windowSeconds <= 86_400)) {
    return { expected: 'a budget like 600/1m (calls per window of s, m or h, at most a day) or off' };
  }
  return { value: { max, windowSeconds } };
}

/** Comma-separated origins (`scheme://host[:port]`), or `*`. */
function origins(raw: string) {
  const items = raw.split(',').map((item) => item.trim()).filter(Boolean);
  const valid = items.every((item) => item === '*' || (URL.canParse(item) && new URL(item).origin === item.replace(/\/$/, '') && /^https?:$/.test(new URL(item).protocol)));
  return valid ? { value: items.map((item) => item.replace(/\/$/, '')) } : { expected: 'comma-separated origins such as https://app.example.com (scheme, host and port only), or *' };
}

/** An IP address, or a CIDR range with a prefix length that fits the address family. */
function isAddressOrRange(item: string): boolean {
  const [address = '', prefix, ...rest] = item.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

function addressList(raw: string) {
  const items = raw.split(',').map((item) => item.trim()).filter(Boolean);
  return items.every(isAddressOrRange) ? { value: items } : { expected: 'comma-separated IP addresses or CIDR ranges (such as 10.0.0.0/8)' };
}

const ADMIN_NAME = /^[\w.@-]{1,64}$/;

/** `name:token` pairs, comma-separated; tokens of at least 16 characters, names unique. */
function adminTokens(raw: string) {
  if (raw.trim() === '') return { value: [] as AdminToken[] };
  const admins: AdminToken[] = [];
  for (const pair of raw.split(',')) {
    const colon = pair.indexOf(':');
    const name = pair.slice(0, colon).trim();
    const token = pair.slice(colon + 1).trim();
    if (colon === -1 || !ADMIN_NAME.test(name) || token.length < 16 || admins.some((admin) => admin.name === name)) {
      return { expected: 'comma-separated name:token pairs with unique names (letters, digits, . _ @ -) and tokens of at least 16 characters' };
    }
    admins.push({ name, token });
  }
  return { value: admins };
}

function baseUrl(raw: string) {
  const text = raw.trim();
  if (text === '') return { value: '' };
  const expected = { expected: 'an absolute http(s) URL without query or fragment' };
  try {
    const url = new URL(text);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) return expected;
  } catch {
    return expected;
  }
  return { value: text.replace(/\/+$/, '') };
}

// What a shell would act on, and whitespace: nothing a git argument needs.
const SHELL_METACHARACTERS = /[\s;&|`$<>\\'"(){}!*?]/;

/** An http(s), ssh, git or file URL, scp-like `user@host:path`, or a path; never with a password in it. */
function gitUrl(raw: string) {
  const text = raw.trim();
  if (text === '') return { value: '' };
  if (text.startsWith('-') || SHELL_METACHARACTERS.test(text) || /^ext::/i.test(text)) {
    return { expected: 'a repository URL or path without shell metacharacters or spaces' };
  }
  if (URL.canParse(text) && new URL(text).password !== '') {
    return { expected: 'a repository URL without a password (use a git credential helper or an SSH key)' };
  }
  return { value: text };
}

/** A Redis server's URL, without a password: that comes from GOIMGSERVER_REDIS_PASSWORD (or its _FILE). */
function redisUrl(raw: string) {
  const text = raw.trim();
  if (text === '') return { value: '' };
  const url = URL.canParse(text) ? new URL(text) : null;
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') return { expected: 'a URL such as redis://host:6379/0 or rediss://host:6380' };
  if (url.password !== '') return { expected: 'a Redis URL without a password (set GOIMGSERVER_REDIS_PASSWORD or GOIMGSERVER_REDIS_PASSWORD_FILE)' };
  // The Redis client would take any option from the query (a password, timeouts), over the server's own.
  if (url.search !== '' || url.hash !== '') return { expected: 'a Redis URL without a query or fragment (a password goes in GOIMGSERVER_REDIS_PASSWORD or GOIMGSERVER_REDIS_PASSWORD_FILE)' };
  if (!/^(?:\/(?:\d{1,5})?)?$/.test(url.pathname)) return { expected: 'a Redis URL whose path is a database number, such as redis://host:6379/0' };
  return { value: text };
}

/** A Redis URL quoted back with its password and query masked: a query may hold a password too. */
function redisShown(raw: string): string {
  const url = URL.canParse(raw.trim()) ? new URL(raw.trim()) : null;
  if (!url || (!url.password && !url.search)) return JSON.stringify(raw);
  if (url.password) url.password = '***';
  if (url.search) url.search = '***';
  return JSON.stringify(url.href);
}

/** A URL quoted back with its password masked, so a refused setting never prints a credential. */
function withoutPassword(raw: string): string {
  const url = URL.canParse(raw.trim()) ? new URL(raw.trim()) : null;
  if (!url?.password) return JSON.stringify(raw);
  url.password = '***';
  return JSON.stringify(url.href);
}

/** A branch name that git accepts and no command can mistake for an option. */
function branchName(raw: string) {
  const text = raw.trim();
  const valid = text === '' || (/^[\w][\w./-]{0,199}$/.test(text) && !text.includes('..') && !text.endsWith('.lock') && !text.endsWith('/'));
  return valid ? { value: text } : { expected: 'a branch name of letters, digits and . _ / - (not starting with - or containing ..)' };
}

// Dimensions are checked against --min-dimension and --max-dimension once all settings are read.
const ANY_DIMENSION = { minDimension: 1, maxDimension: 100_000 };

/** `name: words; name: words`, the words in the URL grammar (`thumb: 200x200 cover webp q70`). */
function presets(raw: string) {
  const found: Preset[] = [];
  for (const entry of raw.split(';').filter((part) => part.trim() !== '')) {
    const colon = entry.indexOf(':');
    const name = entry.slice(0, colon).trim();
    const words = entry.slice(colon + 1).trim().split(/\s+/).filter(Boolean);
    const parsed = parsePresetWords(words, ANY_DIMENSION);
    if (colon === -1 || !PRESET_NAME.test(name) || words.length === 0 || 'fault' in parsed || found.some((preset) => preset.name === name)) {
      return { expected: 'presets as "name: words; name: words" with unique names and words of the URL grammar, such as "thumb: 200x200 cover webp q70"' };
    }
    found.push({ name, words, input: parsed.input, spec: parsed.spec });
  }
  return { value: found };
}

const BYTE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A size in bytes, or with a k, m or g suffix. */
function byteSize(raw: string) {
  const match = /^(\d{1,15})([kmg]?)$/i.exec(raw.trim());
  const value = match ? Number(match[1]) * (BYTE_UNITS[(match[2] ?? '').toLowerCase()] as number) : NaN;
  return Number.isSafeInteger(value) ? { value } : { expected: 'a size in bytes, or with k, m or g (such as 10g), or 0' };
}

/** An S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, a letter or digit at each end. */
function bucketName(raw: string) {
  const text = raw.trim();
  if (text === '') return { value: '' };
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(text) && !text.includes('..') ? { value: text } : { expected: 'a bucket name of 3 to 63 lower-case letters, digits, dots and hyphens' };
}

/** An S3-compatible server's URL; never with credentials, which come from the AWS environment only. */
function storeEndpoint(raw: string) {
  const text = raw.trim();
  if (text === '') return { value: '' };
  const url = URL.canParse(text) ? new URL(text) : null;
  if (!url || !/^https?:$/.test(url.protocol) || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    return { expected: 'an http(s) URL without credentials, query or fragment (credentials come from the AWS environment variables or default provider chain)' };
  }
  return { value: text.replace(/\/+$/, '') };
}

function region(raw: string) {
  const text = raw.trim();
  return text === '' || /^[a-z0-9-]{1,64}$/.test(text) ? { value: text } : { expected: 'a region name such as eu-west-3' };
}

/** `/`-separated names of S3's safe characters, none empty or starting with a dot; normalised to end in `/`. */
function keyPrefix(raw: string) {
  const text = raw.trim().replace(/\/$/, '');
  if (text === '') return { value: '' };
  const valid = text.split('/').every((segment) => /^[A-Za-z0-9!_*'()-][A-Za-z0-9!_.*'()-]{0,99}$/.test(segment));
  return valid && text.length <= 512 ? { value: `${text}/` } : { expected: 'a key prefix of /-separated names, none empty or starting with "." (such as site/derivatives)' };
}

/** `auto`, or what `parse` accepts. */
function autoOr(parse: (raw: string) => { value: number } | { expected: string }) {
  return (raw: string) => {
    if (raw.trim() === 'auto') return { value: 'auto' as const };
    const parsed = parse(raw);
    return 'expected' in parsed ? { expected: `auto or ${parsed.expected}` } : parsed;
  };
}

function oneOf(...choices: string[]) {
  return (raw: string) =>
    choices.includes(raw.trim()) ? { value: raw.trim() } : { expected: `one of ${choices.join(', ')}` };
}

export const SETTINGS: readonly SettingDef[] = [
  { key: 'port', flag: 'port', default: '9000', doc: 'TCP port to listen on (0 picks a free one).', parse: int(0, 65535) },
  { key: 'host', flag: 'host', default: '0.0.0.0', doc: 'Address to listen on.', parse: text },
  { key: 'imagesDir', flag: 'imagesdir', default: './images', doc: 'Folder of original images (often a git checkout).', parse: text },
  { key: 'cacheDir', flag: 'cachedir', default: './cache', doc: 'Folder of derivatives (with --cache-store local or shared) and of the generated placeholder.', parse: text },
  { key: 'cacheMaxSize', flag: 'cache-max-size', default: '0', doc: 'Largest total size of the derivatives, in bytes or with k, m or g (1024-based), such as 10g; past it the least recently used are deleted (never one being read). 0: unbounded.', parse: byteSize },
  { key: 'memoryCacheSize', flag: 'memory-cache-size', default: '64m', doc: 'Recently used derivatives also kept in memory, in bytes or with k, m or g, so that a hot variant is served without a file system call; files over an eighth of it stay on disk only. 0: none.', parse: byteSize },
  { key: 'cacheStore', flag: 'cache-store', default: 'local', doc: 'Where derivatives are kept: local (--cachedir, this replica\'s own, walked at start-up and bounded by --cache-max-size), shared (--cachedir is a volume every replica mounts) or s3 (an S3-compatible bucket, --s3-*); a shared store is never walked and not bounded. See "Where derivatives are kept".', parse: oneOf('local', 'shared', 's3') },
  { key: 's3Bucket', flag: 's3-bucket', default: '', doc: 'Bucket of derivatives with --cache-store s3. Credentials come from the AWS environment variables or default provider chain (profiles, instance and task roles), never from a setting.', parse: bucketName },
  { key: 's3Endpoint', flag: 's3-endpoint', default: '', doc: 'URL of an S3-compatible server (MinIO, Ceph, R2, ...); unset: AWS S3 of --s3-region.', show: withoutPassword, parse: storeEndpoint },
  { key: 's3Region', flag: 's3-region', default: '', doc: 'Region of the bucket; unset: AWS_REGION or the AWS configuration files.', parse: region },
  { key: 's3Prefix', flag: 's3-prefix', default: '', doc: 'Put before every key (site/derivatives/ gives site/derivatives/{requested path}/{key}.{ext}), so that several sites share a bucket; nothing outside it is read, written or deleted. Unset: the whole bucket.', parse: keyPrefix },
  { key: 's3ForcePathStyle', flag: 's3-force-path-style', default: 'false', doc: 'Name the bucket in the URL\'s path rather than its host name, as most S3-compatible servers need.', parse: bool },
  { key: 's3Timeout', flag: 's3-timeout', default: '5', doc: 'Seconds one request to the bucket may take, its retry included; past it a read is a miss (rendered again) and a write leaves the derivative not cached.', parse: int(1, 300) },
  { key: 'sourceCheckInterval', flag: 'source-check-interval', default: '1', doc: 'Seconds which file answers a path (and its identity: size, times, inode) is reused before the images folder is looked at again: files changed by hand show within this time, syncImages and the clear mutations at once. 0: every request looks.', parse: int(0, 3600) },
  { key: 'precache', flag: 'precache', default: 'true', doc: 'Produce the default variant of every image at start-up, in the background.', parse: bool },
  { key: 'precacheWorkers', flag: 'precache-workers', default: '0', doc: 'Parallel pre-cache jobs; 0 means the number of CPUs.', parse: int(0, 256) },
  { key: 'dump', flag: 'dump', default: 'false', doc: 'Write the effective settings to settings.conf in the working directory, then start.', parse: bool },
  { key: 'config', flag: 'config', default: '', doc: 'A settings file as --dump writes it (flag = value lines, # comments); flags and variables win over it, secrets are never read from it.', parse: optionalText },
  { key: 'gitUrl', flag: 'git-url', default: '', doc: 'Repository cloned into the images directory at start-up when that folder is missing or empty (no password in the URL: use a credential helper or an SSH key); unset: the folder is used as it is.', show: withoutPassword, parse: gitUrl },
  { key: 'gitBranch', flag: 'git-branch', default: '', doc: "Branch that --git-url clones; unset: the remote's default branch. syncImages follows the checked-out branch's upstream.", parse: branchName },
  { key: 'gitTimeout', flag: 'git-timeout', default: '60', doc: 'Seconds a git command (clone, fetch, merge) may go without output before it is stopped.', parse: int(1, 3600) },
  { key: 'redisUrl', flag: 'redis-url', default: '', doc: 'Redis shared by the replicas of one deployment (redis://host:6379/0, or rediss:// for TLS): clears and syncs reach every replica, budgets count across all of them, one replica at a time syncs and pre-caches a shared --cache-store (with local, each pre-caches its own folder). Unset: this server coordinates with nobody and loads no Redis client.', show: redisShown, parse: redisUrl },
  { key: 'redisPassword', flag: 'redis-password', default: '', secret: true, doc: 'Password of --redis-url (AUTH), from the environment or a file only.', parse: (raw) => ({ value: raw }) },
  { key: 'allowUnsigned', flag: 'allow-unsigned', default: 'false', doc: 'Let /img answer unsigned URLs in the graceful grammar (trusted networks only).', parse: bool },
  { key: 'signingSecret', flag: 'signing-secret', default: '', secret: true, doc: 'HMAC-SHA256 key of image URLs, at least 32 characters. Required in production; elsewhere an ephemeral one is generated (URLs then stop verifying at restart).', parse: secret },
  { key: 'signingSecretPrevious', flag: 'signing-secret-previous', default: '', secret: true, doc: 'The key before a rotation: URLs signed with it keep verifying; new URLs use the current key.', parse: secret },
  { key: 'adminTokens', flag: 'admin-tokens', default: '', secret: true, doc: 'Administrators as comma-separated name:token pairs (tokens of at least 16 characters); they present Authorization: Bearer <token>. Unset: nobody can administer.', parse: adminTokens },
  { key: 'clientTokens', flag: 'client-tokens', default: '', secret: true, doc: 'Known client apps (server-side rendering, build jobs) as comma-separated name:token pairs like the admin tokens; a request with Authorization: Bearer <token> has budgets of its own instead of its address\'s. They can administer nothing.', parse: adminTokens },
  { key: 'clientTokenFactor', flag: 'client-token-factor', default: '10', doc: 'Each client token\'s budgets are the per-client ones (--rate-limit-image, --rate-limit-images, --rate-limit-renders) times this.', parse: int(1, 10000) },
  { key: 'auditFile', flag: 'audit-file', default: '', doc: 'Also append each administrative action, as a JSON line, to this file; unset: the log only.', parse: optionalText },
  { key: 'publicUrl', flag: 'public-url', default: '', doc: 'Origin (and path prefix) that makes image URLs absolute, such as a CDN; unset: URLs are relative (/img/...).', parse: baseUrl },
  { key: 'staleMaxAge', flag: 'stale-max-age', default: '60', doc: 'Seconds a URL minted for an older version of its source may be cached (current URLs are immutable).', parse: int(0, 31536000) },
  { key: 'maxBatch', flag: 'max-batch', default: '100', doc: 'Most paths one images or responsiveImages query may ask for.', parse: int(1, 10000) },
  { key: 'maxPageSize', flag: 'max-page-size', default: '100', doc: 'Most images or subfolders one page of a folder may ask for (first).', parse: int(1, 10000) },
  { key: 'maxDepth', flag: 'max-depth', default: '8', doc: 'Deepest nesting of fields one GraphQL operation may have.', parse: int(1, 100) },
  { key: 'maxAliases', flag: 'max-aliases', default: '30', doc: 'Most aliased fields one GraphQL operation may have (use images for lists).', parse: int(0, 10000) },
  { key: 'maxTokens', flag: 'max-tokens', default: '5000', doc: 'Most tokens a GraphQL document may have; longer ones are refused while parsing.', parse: int(100, 1000000) },
  { key: 'maxFields', flag: 'max-fields', default: '200', doc: 'Most fields one GraphQL operation may select, fragments expanded (introspection not counted); checked before any other validation.', parse: int(1, 100000) },
  { key: 'maxCost', flag: 'max-cost', default: '1000', doc: 'Most one GraphQL operation may cost, in images: image 1, responsive 1 per two candidate URLs (widths × (formats + 1); 9 by default), images 1 per path, responsiveImages as much as responsive per path, a placeholder, a trim and a dominant colour 10 (per path in a batch), folder and source 1, a listing of a folder 1 (sorted by date 100), each image of a page 1 and what is below a page once per item of it (first), aliases and fragments counted; dearer operations are refused before anything runs. At least --max-batch.', parse: int(1, 1_000_000) },
  { key: 'introspection', flag: 'introspection', default: 'auto', doc: 'GraphQL introspection: auto is on except in production.', parse: oneOf('auto', 'true', 'false') },
  { key: 'playground', flag: 'playground', default: 'auto', doc: 'The self-hosted GraphiQL playground at /playground (where a browser opening /graphql is sent): auto is on except in production. Its schema explorer needs introspection.', parse: oneOf('auto', 'true', 'false') },
  { key: 'metrics', flag: 'metrics', default: 'true', doc: 'Serve Prometheus metrics at /metrics (route patterns, statuses, formats and counts; no paths or tokens).', parse: bool },
  { key: 'rateLimitImage', flag: 'rate-limit-image', default: '600/1m', doc: 'image queries per client, and responsive queries likewise (calls/window, window in s, m or h; off for none).', parse: budget },
  { key: 'rateLimitImages', flag: 'rate-limit-images', default: '3000/1m', doc: 'Paths asked through images and responsiveImages queries per client (each path counts).', parse: budget },
  { key: 'rateLimitAdmin', flag: 'rate-limit-admin', default: '30/1m', doc: 'Administrative queries and mutations per client, failed attempts included.', parse: budget },
  { key: 'rateLimitRenders', flag: 'rate-limit-renders', default: '120/1m', doc: 'Cache misses (renders) per client on /img; hits are not limited.', parse: budget },
  { key: 'trustedProxies', flag: 'trusted-proxies', default: '', doc: 'Proxies whose X-Forwarded-For names the client (IP addresses or CIDR ranges, comma-separated); unset: the socket address is the client.', parse: addressList },
  { key: 'corsOrigins', flag: 'cors-origins', default: '*', doc: 'Origins whose pages may call /graphql from a browser (comma-separated, such as https://app.example.com), or * for any; /img answers any origin.', parse: origins },
  { key: 'corsAdminOrigins', flag: 'cors-admin-origins', default: '', doc: "Origins whose pages may also send an Authorization header to /graphql (administration from a browser), listed in --cors-origins or not; the server's own pages always may. Unset: none.", parse: origins },
  { key: 'headersTimeout', flag: 'headers-timeout', default: '10', doc: 'Seconds a client may take to send the headers of a request; slow and idle connections are closed after it (the body then has 20 s more).', parse: int(1, 600) },
  { key: 'maxConnectionsPerClient', flag: 'max-connections-per-client', default: '100', doc: 'Connections one client address may hold open at once; the next is answered 429 and closed. Trusted proxies are not bounded. 0: no bound.', parse: int(0, 100000) },
  { key: 'presets', flag: 'presets', default: '', doc: 'Named transforms as "name: words; ..." in the URL grammar, such as "thumb: 200x200 cover webp q70; hero: 1600x900 cover attention avif q60"; used as image(path, preset: "thumb") and listed by imagePresets.', parse: presets },
  { key: 'watermarks', flag: 'watermarks', default: '', doc: 'Images that can be laid over outputs, by name, as "name: path; ..." with paths inside the images folder (at most 1 MiB each), such as "logo: _brand/logo.png"; used as image(path, watermark: { name: "logo" }), the wm-logo word and in presets. Read at start-up and after each sync.', parse: parseWatermarks },
  { key: 'presetsOnly', flag: 'presets-only', default: 'false', doc: 'Answer image and images only with a preset and nothing beside it, and refuse responsive: bounds how many variants can exist.', parse: bool },
  { key: 'minDimension', flag: 'min-dimension', default: '10', doc: 'Smallest width or height a request may ask for, in pixels.', parse: int(1, 100000) },
  { key: 'maxDimension', flag: 'max-dimension', default: '4000', doc: 'Largest width or height a request may ask for, in pixels.', parse: int(1, 100000) },
  { key: 'maxOutputPixels', flag: 'max-output-pixels', default: String(16_000_000), doc: 'Most pixels (width × height) an output may have; a larger planned output (enlarged, OUTSIDE, or one side given) is scaled down, keeping its shape, and the API reports that size.', parse: int(1, 1_000_000_000) },
  { key: 'maxSourcePixels', flag: 'max-source-pixels', default: String(50_000_000), doc: 'Sources with more pixels (width × height) are refused from their header, before decoding.', parse: int(1, 1_000_000_000) },
  { key: 'maxFrames', flag: 'max-frames', default: '100', doc: 'Most frames an animated GIF or WebP keeps in a WebP or GIF output; with more, or more pixels over all frames than --max-source-pixels (source or output), the output is the first frame.', parse: int(1, 10_000) },
  { key: 'maxSourceBytes', flag: 'max-source-bytes', default: String(50 * MIB), doc: 'Sources larger than this many bytes are refused before decoding, and never read for their versions.', parse: int(1, 4096 * MIB) },
  { key: 'processingTimeout', flag: 'processing-timeout', default: '30', doc: 'Seconds one derivative may take to render before it fails.', parse: int(1, 3600) },
  { key: 'shutdownTimeout', flag: 'shutdown-timeout', default: 'auto', doc: 'Seconds a stop (SIGTERM, SIGINT) waits for requests and renders in flight before it exits 1; auto: --processing-timeout plus 15.', parse: autoOr(int(1, 86_400)) },
  { key: 'processingConcurrency', flag: 'processing-concurrency', default: '0', doc: 'Derivatives rendered at once; 0 means twice the number of CPUs (each render runs one libvips thread and waits on reads and writes part of the time: measured about 5% more images per second than one per CPU).', parse: int(0, 256) },
  { key: 'renderProcesses', flag: 'render-processes', default: 'auto', doc: 'Processes that render, apart from the one that answers requests, so that hits and queries keep their pace while misses render; auto: one per CPU; 0 renders in the server process itself.', parse: autoOr(int(0, 64)) },
  { key: 'renderPriority', flag: 'render-priority', default: '10', doc: "Niceness (0–19, never above the server's own) of the render processes (with --render-processes 0, of the threads that render), below the server's, so that hits and queries are answered at their speed while misses render; 0 leaves renders at the server's priority. Linux only.", parse: int(0, 19) },
  { key: 'maxQueue', flag: 'max-queue', default: '100', doc: 'Renders allowed to wait for a slot; past that a request is refused with 503 and Retry-After.', parse: int(0, 100000) },
  { key: 'logHits', flag: 'log-hits', default: 'true', doc: 'Log each image request answered from memory at info, like every other request; false logs those at debug only (they still count in /metrics and /health). On a busy server the line costs up to a tenth of such a request.', parse: bool },
  { key: 'logLevel', flag: 'log-level', default: 'info', doc: 'Log level (pino).', parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent') },
];

export const ENV_PREFIX = 'GOIMGSERVER_';

export function envName(def: SettingDef): string {
  return ENV_PREFIX + def.flag.toUpperCase().replace(/-/g, '_');
}
