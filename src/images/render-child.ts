// Before sharp is loaded: this process's niceness and libuv's pool size.
import './render-child-setup';
import { createTransformer, type TransformLimits } from './transform';
import { OPERATIONS, replyOf, toWire, type RenderRequest } from './render-protocol';

/**
 * A render process (see render-pool.ts): answers each request of the server on the IPC
 * channel with the transformer's result, and ends with the channel.
 */
const limits = JSON.parse(process.argv[4] as string) as TransformLimits;
const transformer = createTransformer(limits);
const send = (reply: unknown) => process.send?.(reply);

process.on('message', (request: RenderRequest) => {
  if (!OPERATIONS.includes(request.operation)) return;
  const work = transformer[request.operation] as (...args: readonly unknown[]) => Promise<unknown>;
  work(...request.args).then(
    (value) => replyOf(request.id, value).forEach(send),
    (error: unknown) => send({ id: request.id, error: toWire(error) }),
  );
});
// The server stopped or was killed: nothing will ask again.
process.on('disconnect', () => process.exit(0));
