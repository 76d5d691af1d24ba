// The hit path's physical limit: node:http answering one file's bytes from memory.
const http = require('node:http');
const fs = require('node:fs');

const [file, contentType] = process.argv.slice(2);
const body = fs.readFileSync(file);
const headers = { 'Content-Type': contentType, 'Content-Length': body.length };

const server = http.createServer((_request, response) => {
  response.writeHead(200, headers);
  response.end(body);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', address: `http://127.0.0.1:${server.address().port}` })}\n`);
});
