import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ResolvedSource } from '../images/browse';

export enum SourceOrder {
  NAME = 'name',
  TAKEN_AT = 'takenAt',
}

registerEnumType(SourceOrder, {
  name: 'SourceOrder',
  description: 'The order images of a folder are listed in.',
  valuesConfig: {
    NAME: { description: 'By file name (code point order): stable, and the default.' },
    TAKEN_AT: { description: 'By the date the camera recorded, oldest first, images without one last; reads every image header of the folder, so only for folders of at most 1000 images.' },
  },
});

@ObjectType({ simpleResolvers: true, description: 'Where a page of a list stands (Relay connection shape).' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'The cursor of the first item of the page.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'The cursor of the last item of the page: pass it as `after` for the next one.' })
  endCursor!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'An original image of the images folder: its facts, and derivatives of it as fields.' })
export class SourceImage {
  @Field(() => String, { description: 'Its path inside the images folder, with its extension: what image(path) and these fields answer.' })
  path!: string;

  @Field(() => String, { description: 'Its file name.' })
  name!: string;

  @Field(() => String, { description: 'The path of the folder it is in; "" for the images folder.' })
  folder!: string;

  @Field(() => Int, { description: 'Size of the file in bytes.' })
  bytes!: number;

  @Field(() => String, { description: 'The version its URLs carry, from the path and bytes of its file: it changes when they do, and is the same on every server that has the same file.' })
  version!: string;

  /** The source the fields below are read from. */
  source!: ResolvedSource;
}

@ObjectType({ simpleResolvers: true, description: 'Something wrong in a metadata file (_meta.yml): serving goes on without it.' })
export class MetadataProblem {
  @Field(() => String, { description: 'The file, inside the images folder.' })
  file!: string;

  @Field(() => Int, { description: 'Its line, from 1.' })
  line!: number;

  @Field(() => String)
  message!: string;
}

@ObjectType({ simpleResolvers: true })
export class SourceImageEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => SourceImage, { nullable: true, description: 'null when the image went away while the page was made.' })
  node!: SourceImage | null;
}

@ObjectType({ simpleResolvers: true, description: 'A page of a folder\'s images.' })
export class SourceImageConnection {
  @Field(() => [SourceImageEdge])
  edges!: SourceImageEdge[];

  @Field(() => [SourceImage], { nullable: 'items', description: 'The images of the edges, for clients that need no cursors.' })
  nodes!: Array<SourceImage | null>;

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many images the folder holds.' })
  totalCount!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A folder of the images repository (a group): its default image, its subfolders and its images.' })
export class Folder {
  @Field(() => String, { description: 'Its path inside the images folder; "" for the images folder itself.' })
  path!: string;

  @Field(() => String, { description: 'Its name; "" for the images folder itself.' })
  name!: string;
}

@ObjectType({ simpleResolvers: true })
export class FolderEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Folder)
  node!: Folder;
}

@ObjectType({ simpleResolvers: true, description: 'A page of a folder\'s subfolders, by name.' })
export class FolderConnection {
  @Field(() => [FolderEdge])
  edges!: FolderEdge[];

  @Field(() => [Folder])
  nodes!: Folder[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many subfolders the folder holds.' })
  totalCount!: number;
}
