import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isObjectType, type GraphQLObjectType } from 'graphql';
import { buildGraphQLSchema, schemaText } from '../../src/graphql/schema';

describe('the committed schema', () => {
  it('is exactly what the code emits (run `npm run schema` after changing src/graphql/)', async () => {
    const committed = readFileSync(path.resolve(__dirname, '../../schema/schema.graphql'), 'utf8');
    expect(committed).toBe(await schemaText());
  });

  it('keeps the names of the contract', async () => {
    const text = await schemaText();
    expect(text).toContain('enum ImageFormat {\n  WEBP\n  JPEG\n');
    expect(text).toMatch(/image\([\s\S]*?path: String!\n[\s\S]*?width: Int\n[\s\S]*?height: Int\n[\s\S]*?format: ImageFormat\n[\s\S]*?quality: Int\n[\s\S]*?fit: ImageFit\n[\s\S]*?\): Image!/);
    // Items are nullable on purpose: one failing path is null at its index, never the whole list.
    expect(text).toMatch(/images\([\s\S]*?paths: \[String!\]!\n[\s\S]*?\): \[Image\]!/);
    for (const field of ['url: String!', 'path: String!', 'source: ImageSource!', 'width: Int!', 'height: Int!', 'format: ImageFormat!', 'contentType: String\n', 'quality: Int!']) {
      expect(text).toContain(field);
    }
  });

  it('reads the fields of result types with graphql\'s default resolver, except those computed on demand', async () => {
    const schema = await buildGraphQLSchema();
    const roots = [schema.getQueryType(), schema.getMutationType()];
    const wrapped = Object.values(schema.getTypeMap())
      .filter((type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__') && !roots.includes(type))
      .flatMap((type) => Object.entries(type.getFields()).map(([name, field]) => [`${type.name}.${name}`, field.resolve] as const))
      .filter(([, resolve]) => resolve !== undefined)
      .map(([name]) => name);
    expect(wrapped.sort()).toEqual(
      [
        'ResponsiveImage.placeholder',
        'Folder.images',
        'Folder.folders',
        'Folder.default',
        'Folder.metadataProblems',
        ...['format', 'width', 'height', 'hasAlpha', 'frames', 'takenAt', 'camera', 'alt', 'title', 'credit', 'focalPoint', 'dominantColor', 'image', 'responsive'].map((field) => `SourceImage.${field}`),
      ].sort(),
    );
  });
});
