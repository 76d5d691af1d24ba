// The GraphQL path's reference: Apollo Server on its own node:http server with a one-field schema.
const { ApolloServer } = require('@apollo/server');
const { startStandaloneServer } = require('@apollo/server/standalone');

const server = new ApolloServer({ typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } });
startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } }).then(({ url }) => {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', address: url.replace(/\/$/, '') })}\n`);
});
