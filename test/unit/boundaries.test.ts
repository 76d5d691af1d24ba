import path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '../..');
// The project's own configuration, loaded with require: ESLint's own loader imports it
// dynamically, which jest's module sandbox does not allow.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: require(path.join(ROOT, 'eslint.config.js')) });

/** The import boundary errors lint reports for one import written in `file`: a module's name, or a whole import line. */
async function refusals(file: string, specifier: string): Promise<string[]> {
  const line = specifier.startsWith('import ') ? specifier : `import '${specifier}';`;
  const [result] = await eslint.lintText(`${line}\n`, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? []).filter((message) => message.ruleId === '@typescript-eslint/no-restricted-imports').map((message) => message.message);
}

describe('import boundaries (eslint.config.js)', () => {
  it.each([
    ['src/images/anything.ts', 'fastify', 'fastify belongs to src/http/'],
    ['src/images/anything.ts', 'node:http', 'node:http belongs to src/http/'],
    ['src/images/anything.ts', 'http', 'http belongs to src/http/'],
    ['src/auth/anything.ts', 'graphql-scalars', 'graphql-scalars belongs to src/graphql/'],
    ['src/graphql/anything.ts', 'reflect-metadata', 'reflect-metadata belongs to src/graphql/schema.ts'],
    ['src/app.ts', 'reflect-metadata', 'reflect-metadata belongs to src/graphql/schema.ts'],
    ['src/images/anything.ts', '@apollo/server/plugin/disabled', '@apollo/server belongs to src/graphql/'],
    ['src/images/anything.ts', 'graphql', 'graphql belongs to'],
    ['src/images/anything.ts', 'graphql-shield', 'graphql-shield belongs to src/auth/'],
    ['src/images/anything.ts', 'simple-git', 'simple-git belongs to src/git/'],
    ['src/images/anything.ts', 'sharp', 'sharp belongs to src/images/transform.ts'],
    ['src/images/anything.ts', '../http/server', 'src/images/ may not import http/'],
    ['src/images/anything.ts', '../graphql/context', 'src/images/ may not import graphql/'],
    ['src/images/anything.ts', '../git/sync', 'src/images/ may not import git/'],
    ['src/images/deeper/anything.ts', '../../auth/permissions', 'src/images/ may not import auth/'],
    ['src/git/anything.ts', '../images/service', 'src/git/ may not import images/'],
    ['src/graphql/anything.ts', 'fastify', 'fastify belongs to src/http/'],
    ['src/graphql/anything.ts', '../http/server', 'src/graphql/ may not import http/'],
    ['src/http/anything.ts', 'graphql-rate-limit', 'graphql-rate-limit belongs to src/auth/'],
    ['src/auth/anything.ts', 'type-graphql', 'type-graphql belongs to src/graphql/'],
    ['src/http/image-route.ts', 'prom-client', 'prom-client belongs to src/http/metrics.ts'],
    ['src/http/image-route.ts', '../images/service', 'reaches the domain through images/serve only'],
    ['src/http/hot-path.ts', '../images/cache', 'reaches the domain through images/serve only'],
    ['src/graphql/image-describer.ts', '../images/resolve', 'reaches the domain through images/describe only'],
    ['src/graphql/anything.ts', '../images/service', 'src/graphql/ reaches the domain through its use cases'],
    ['src/graphql/anything.ts', "import { Foo, type Bar } from '../images/spec';", 'src/graphql/ reaches the domain through its use cases'],
    ['src/http/server.ts', '../images/path', 'src/http/ reaches the domain through its use cases'],
    ['src/http/hot-path.ts', "import type { Variant } from '../images/variant';", 'reaches the domain through images/serve only'],
    ['src/images/anything.ts', '../../src/git/sync', 'never by way of src/'],
    ['src/http/image-route.ts', '../../src/images/cache', 'never by way of src/'],
    ['src/app.ts', '../src/images/cache', 'never by way of src/'],
    ['src/app.ts', 'ioredis', 'ioredis belongs to src/replicas/redis.ts'],
    ['src/replicas/coordinate.ts', 'ioredis', 'ioredis belongs to src/replicas/redis.ts'],
    ['src/replicas/anything.ts', '../images/cache', 'src/replicas/ may not import images/'],
    ['src/replicas/anything.ts', '../http/server', 'src/replicas/ may not import http/'],
    ['src/images/anything.ts', 'node:child_process', 'node:child_process belongs to src/images/render-pool.ts'],
    ['src/images/store-cache.ts', '@aws-sdk/client-s3', '@aws-sdk/client-s3 belongs to src/stores/s3.ts'],
    ['src/stores/shared-folder.ts', '@aws-sdk/client-s3', '@aws-sdk/client-s3 belongs to src/stores/s3.ts'],
    ['src/app.ts', '@aws-sdk/client-s3', '@aws-sdk/client-s3 belongs to src/stores/s3.ts'],
    ['src/images/anything.ts', '../stores/s3', 'src/images/ may not import stores/'],
    ['src/stores/anything.ts', '../http/server', 'src/stores/ may not import http/'],
    ['src/stores/anything.ts', '../config/settings', 'src/stores/ may not import config/'],
  ])('refuses, in %s, an import of %s', async (file, specifier, reason) => {
    expect(await refusals(file, specifier)).toEqual([expect.stringContaining(reason)]);
  });

  it.each([
    ['src/images/transform.ts', 'sharp'],
    ['src/images/anything.ts', '../errors'],
    ['src/images/anything.ts', '../log'],
    ['src/git/anything.ts', 'simple-git'],
    ['src/graphql/anything.ts', 'type-graphql'],
    ['src/graphql/anything.ts', 'graphql-scalars'],
    ['src/graphql/schema.ts', 'reflect-metadata'],
    ['src/http/anything.ts', 'node:http'],
    ['src/graphql/anything.ts', '../images/invalidation'],
    ['src/http/anything.ts', '../images/describe'],
    ['src/graphql/anything.ts', "import type { ImageService } from '../images/service';"],
    ['src/http/server.ts', "import { type PrecacheProgress } from '../images/precache';"],
    ['src/http/metrics.ts', 'prom-client'],
    ['src/http/image-route.ts', '../images/serve'],
    ['src/graphql/image-describer.ts', '../images/describe'],
    ['src/http/anything.ts', '../graphql/apollo'],
    ['src/app.ts', './graphql/schema'],
    ['src/main.ts', 'pino'],
    ['src/replicas/redis.ts', 'ioredis'],
    ['src/replicas/anything.ts', "import type { WindowCounter } from '../auth/rate-limits';"],
    ['src/images/render-pool.ts', 'node:child_process'],
    ['src/stores/s3.ts', '@aws-sdk/client-s3'],
    ['src/stores/s3.ts', "import type { DerivativeStore } from '../images/derivative-store';"],
    ['src/stores/shared-folder.ts', '../fs/atomic-write'],
  ])('lets %s import %s', async (file, specifier) => {
    expect(await refusals(file, specifier)).toEqual([]);
  });
});

describe('dynamic imports (eslint.config.js)', () => {
  const messages = async (file: string) => {
    const [result] = await eslint.lintText("export const load = () => import('fastify');\n", { filePath: path.join(ROOT, file) });
    return (result?.messages ?? []).filter((message) => message.ruleId === 'no-restricted-syntax').map((message) => message.message);
  };

  it('are refused in the server, where the boundaries could not see them', async () => {
    expect(await messages('src/images/anything.ts')).toEqual([expect.stringContaining('Import statically')]);
    expect(await messages('src/http/anything.ts')).toEqual([expect.stringContaining('Import statically')]);
  });

  it('are allowed where a module must load late: the app after the thread pool is sized, an ES-module-only library, the coordination of replicas and the S3 store when configured', async () => {
    expect(await messages('src/main.ts')).toEqual([]);
    expect(await messages('src/images/hashes.ts')).toEqual([]);
    expect(await messages('src/app.ts')).toEqual([]);
  });
});
