import { Field, GraphQLISODateTime, Int, ObjectType } from 'type-graphql';
import { MetadataProblem } from './browse.type';
import { FileChangeKind, SyncOutcome } from './enums';

@ObjectType({ simpleResolvers: true, description: 'One file that a sync added, modified or deleted.' })
export class FileChange {
  @Field(() => String, { description: 'Path inside the images directory.' })
  path!: string;

  @Field(() => FileChangeKind)
  change!: FileChangeKind;
}

@ObjectType({ simpleResolvers: true, description: 'What syncImages did.' })
export class ImageSyncResult {
  @Field(() => Boolean, { description: 'Whether new commits were taken.' })
  updated!: boolean;

  @Field(() => String, { nullable: true, description: 'The checked-out branch.' })
  branch!: string | null;

  @Field(() => String, { nullable: true, description: 'Commit before the sync; null in a repository without commits.' })
  previousCommit!: string | null;

  @Field(() => String, { nullable: true, description: 'Commit after the sync.' })
  currentCommit!: string | null;

  @Field(() => [String], { description: 'Files added, modified or deleted, as paths inside the images directory.' })
  changedPaths!: string[];

  @Field(() => [FileChange], { description: 'The same files, each with how it changed.' })
  changes!: FileChange[];

  @Field(() => Int, { description: 'Derivative files deleted because their source changed or another file answers their path now.' })
  clearedFiles!: number;

  @Field(() => [MetadataProblem], { description: 'What is wrong in the metadata files (_meta.yml) the sync changed, with their lines: what is wrong is left out, everything else is served.' })
  metadataProblems!: MetadataProblem[];
}

@ObjectType({ simpleResolvers: true, description: "One replica's images checkout, as it last told (every few seconds)." })
export class ReplicaCheckout {
  @Field(() => String, { description: 'The replica: its host name and process id, as /health and its logs name it.' })
  replica!: string;

  @Field(() => String, { nullable: true, description: 'The commit its checkout is at.' })
  currentCommit!: string | null;

  @Field(() => GraphQLISODateTime, { description: 'When it last told.' })
  seenAt!: Date;
}

@ObjectType({ simpleResolvers: true, description: 'The images checkout and the last sync since the server started.' })
export class SyncStatus {
  @Field(() => Boolean, { description: 'Whether the images directory is the top of a git repository.' })
  repository!: boolean;

  @Field(() => String, { nullable: true, description: 'The checked-out branch; null when detached or not a repository.' })
  branch!: string | null;

  @Field(() => String, { nullable: true })
  currentCommit!: string | null;

  @Field(() => Boolean, { description: 'Whether a sync is running now.' })
  running!: boolean;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the last sync ended; null when none ran yet.' })
  lastSyncAt!: Date | null;

  @Field(() => SyncOutcome, { nullable: true })
  lastSyncOutcome!: SyncOutcome | null;

  @Field(() => String, { nullable: true, description: 'The error code of the last sync when it failed.' })
  lastSyncErrorCode!: string | null;

  @Field(() => [ReplicaCheckout], { description: 'Every live replica (those sharing --redis-url), this one first, with the commit of its checkout; without Redis, this one alone.' })
  replicas!: ReplicaCheckout[];
}
