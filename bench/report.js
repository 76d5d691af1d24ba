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

/** One line per measure: what goimgserver did, its baseline, the ratio and the target. */
function formatTable(rows) {
  const header = ['Measure', 'goimgserver', 'Baseline', 'Ratio', 'Target', 'Met'];
  const lines = rows.map((row) => [row.measure, row.ours, row.baseline ?? '', row.ratio === undefined ? '' : `${number(row.ratio, 2)}×`, row.target, row.met === undefined ? '' : row.met ? 'yes' : 'NO']);
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function writeResults({ rows, settings, notes }) {
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
  ].join('\n');
  fs.writeFileSync(RESULTS_FILE, text);
  return RESULTS_FILE;
}

module.exports = { formatTable, writeResults, number };
