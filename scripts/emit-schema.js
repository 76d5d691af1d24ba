// Writes schema/schema.graphql from the built code (`npm run schema` builds first).
const path = require('node:path');
const { schemaText } = require('../dist/graphql/schema');
const { writeFileAtomic } = require('../dist/fs/atomic-write');

const target = path.join(__dirname, '..', 'schema', 'schema.graphql');
schemaText()
  .then((text) => writeFileAtomic(target, [Buffer.from(text)]))
  .then(() => process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`))
  .catch((error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  });
