// The hit path's physical limit: node:http answering one file's bytes from memory. Given a
// JSON file of response headers as well, it sends those with a request id of its own on every
// answer: the limit for a server that has to send the same headers.
const http = require('node:http');
const fs = require('node:fs');
const { answerWithHeaders } = require('../load');

const [file, contentType, headersFile] = process.argv.slice(2);
const body = fs.readFileSync(file);
const headers = { 'Content-Type': contentType, 'Content-Length': body.length };

const server = http.createServer(
  headersFile
    ? answerWithHeaders(body, JSON.parse(fs.readFileSync(headersFile, 'utf8')))
    : (_request, response) => {
        response.writeHead(200, headers);
        response.end(body);
      },
);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', address: `http://127.0.0.1:${server.address().port}` })}\n`);
});
