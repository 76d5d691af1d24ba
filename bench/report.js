// The results table, on the terminal and in bench/RESULTS.md.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const RESULTS_FILE = path.join(__dirname, 'RESULTS.md');

const number = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

function versions() {
  const sharp = require('sharp');
  const ipxSharp = require(require.resolve('sharp', { paths: [path.dirname(require.resolve('ipx'))] }));
  const wrk = spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0].split(' ').slice(0, 2).join(' ');
  const version = (name) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'node_modules', name, 'package.json'), 'utf8')).version;
  return [
    `Node ${process.version}`,
    `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
    `fastify ${version('fastify')}`,
    `@apollo/server ${version('@apollo/server')}`,
    `ipx ${version('ipx')} (sharp ${ipxSharp.versions.sharp})`,
    wrk,
  ].join(', ');
}

const markdownTable = (header, lines) => [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
const ratio = (value) => (value === undefined ? '' : `${number(value, 2)}×`);
const met = (value) => (value === undefined ? '' : value ? 'yes' : 'NO');

/** One line per measure: what goimgserver did, its baseline, the ratio and the target. */
function formatTable(rows) {
  return markdownTable(
    ['Measure', 'goimgserver', 'Baseline', 'Ratio', 'Target', 'Met'],
    rows.map((row) => [row.measure, row.ours, row.baseline ?? '', ratio(row.ratio), row.target, met(row.met)]),
  );
}

/** One line per measure: its value at both repository sizes, the growth (large ÷ small) and the target. */
function formatGrowthTable(rows, sizes) {
  return markdownTable(
    ['Measure', `${sizes.small} images`, `${sizes.large} images`, 'Growth', 'Target', 'Met'],
    rows.map((row) => [row.measure, row.small, row.large, ratio(row.growth), row.target, met(row.met)]),
  );
}

// The growth section sits in a block of its own, so that a run of that section alone replaces it and nothing else.
const GROWTH_START = '<!-- growth -->';
const GROWTH_END = '<!-- /growth -->';

const readResults = () => (fs.existsSync(RESULTS_FILE) ? fs.readFileSync(RESULTS_FILE, 'utf8') : '');

/** The growth block of a results text, or '' when it has none. */
function growthBlock(text) {
  const start = text.indexOf(GROWTH_START);
  const end = text.indexOf(GROWTH_END, start);
  return start >= 0 && end >= 0 ? text.slice(start, end + GROWTH_END.length) : '';
}

/** The growth block for RESULTS.md: dated, as its run may be another than the table above it. */
function formatGrowth({ rows, sizes, notes }) {
  const git = spawnSync('git', ['--version'], { encoding: 'utf8' }).stdout.trim();
  return [
    GROWTH_START,
    '## Growth with the images repository',
    '',
    `Produced by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, ${os.availableParallelism()} CPUs, Node ${process.version}, ${git}; the server in production mode, logging at info to a file.`,
    '',
    formatGrowthTable(rows, sizes),
    '',
    ...notes.map((note) => `- ${note}`),
    '',
    GROWTH_END,
  ].join('\n');
}

/** Replaces the growth block of RESULTS.md (or adds it at the end), leaving the rest as it was. */
function writeGrowth(growth) {
  const text = readResults();
  const old = growthBlock(text);
  fs.writeFileSync(RESULTS_FILE, old ? text.replace(old, () => growth) : `${text.trimEnd()}\n\n${growth}\n`.trimStart());
  return RESULTS_FILE;
}

/** Writes the whole of RESULTS.md; without a new growth block, the one there is kept. */
function writeResults({ rows, settings, notes, growth = growthBlock(readResults()) }) {
  const text = [
    '# Benchmark results',
    '',
    `Produced by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, ${os.availableParallelism()} CPUs (\`nproc\`), ${os.platform()}.`,
    '',
    `Versions: ${versions()}.`,
    '',
    `Settings: ${settings}.`,
    '',
    formatTable(rows),
    '',
    ...notes.map((note) => `- ${note}`),
    '',
    ...(growth ? [growth, ''] : []),
  ].join('\n');
  fs.writeFileSync(RESULTS_FILE, text);
  return RESULTS_FILE;
}

module.exports = { formatTable, formatGrowth, formatGrowthTable, writeResults, writeGrowth, number };
