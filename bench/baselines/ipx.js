// The peer: unjs/ipx serving the same sources from the file system, as its README sets it up.
const http = require('node:http');
const { createIPX, createIPXNodeServer, ipxFSStorage } = require('ipx');

const [dir] = process.argv.slice(2);
const ipx = createIPX({ storage: ipxFSStorage({ dir }) });
const server = http.createServer(createIPXNodeServer(ipx));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', address: `http://127.0.0.1:${server.address().port}` })}\n`);
});
