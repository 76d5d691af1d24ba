import { lowerEveryThread } from '../thread-priority';

/**
 * The first module a render process loads (see render-child.ts), before sharp: the threads
 * libuv and libvips start later inherit the niceness set here, and libuv reads its pool
 * size when sharp starts the pool. Arguments: niceness, then pool threads.
 */
const [nice, poolThreads] = process.argv.slice(2, 4).map(Number) as [number, number];
process.env.UV_THREADPOOL_SIZE = String(poolThreads);
lowerEveryThread(nice);
