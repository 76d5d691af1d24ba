import { SETTINGS, envName } from './settings';

const WIDTH = 100;

/** Words of `text` in lines of at most `width` characters, each after `indent`. */
function wrap(text: string, indent: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(indent + line);
  return lines;
}

/** `--help`: every setting from its one declaration, with its variable, default and meaning. */
export function formatHelp(version: string): string {
  const lines = [
    `goimgserver ${version}: a GraphQL image server`,
    '',
    'Usage: npm start -- [--flag value ...]   (or: node dist/main.js [--flag value ...])',
    '       --help, --version',
    '',
    'Flags take --name value or --name=value; booleans take true or false. Every flag has a',
    'variable GOIMGSERVER_<NAME>, and a flag wins over its variable, which wins over --config.',
    'Secrets come only from their variable or from the file named by <VARIABLE>_FILE.',
    '',
  ];
  for (const def of SETTINGS) {
    const name = def.secret ? envName(def) : `--${def.flag} (${envName(def)})`;
    lines.push(`  ${name}  [default: ${def.default === '' ? 'unset' : def.default}]`);
    lines.push(...wrap(def.doc, '      ', WIDTH));
  }
  return `${lines.join('\n')}\n`;
}
