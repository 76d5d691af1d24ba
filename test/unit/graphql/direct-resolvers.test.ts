import 'reflect-metadata';
import { graphql } from 'graphql';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, InputType, Int, ObjectType, Query, Resolver, Root, UseMiddleware, buildSchema } from 'type-graphql';
import { callResolversDirectly } from '../../../src/graphql/direct-resolvers';

@InputType()
class BoxInput {
  @Field(() => Int)
  side!: number;
}

@ArgsType()
class SizeArgs {
  @Field(() => Int, { nullable: true })
  width?: number | null;

  @Field(() => BoxInput, { nullable: true })
  box?: BoxInput | null;
}

@ObjectType({ simpleResolvers: true })
class Thing {
  @Field(() => String)
  name!: string;
}

const seen: unknown[] = [];

@Resolver(() => Thing)
class ThingResolver {
  private readonly prefix = 'thing:';

  @Query(() => Thing)
  thing(@Args(() => SizeArgs) size: SizeArgs, @Arg('name', () => String) name: string, @Ctx() context: { who: string }): Thing {
    seen.push({ size, name, context });
    return { name: `${this.prefix}${name}` };
  }

  @FieldResolver(() => String)
  label(@Root() thing: Thing, @Ctx('who') who: string): string {
    seen.push(thing);
    return `${thing.name} for ${who}`;
  }
}

@Resolver()
class GuardedResolver {
  @Query(() => Int)
  @UseMiddleware(async (_data, next) => next())
  guarded(): number {
    return 1;
  }
}

describe('resolver methods called with graphql\'s own values', () => {
  beforeEach(() => {
    seen.length = 0;
  });

  it('hands the arguments, the parent and the context over as graphql gives them, with the method bound to its resolver', async () => {
    const schema = callResolversDirectly(await buildSchema({ resolvers: [ThingResolver], validate: false }), [ThingResolver]);
    const context = { who: 'me' };
    const answer = await graphql({ schema, source: '{ thing(name: "a", width: 3, box: { side: 2 }) { name label } }', contextValue: context });
    expect(answer).toEqual({ data: { thing: { name: 'thing:a', label: 'thing:a for me' } } });
    const [call, parent] = seen as [{ size: Record<string, unknown>; name: string; context: unknown }, unknown];
    // The values graphql coerced, not copies into instances of the argument classes.
    expect(call.size).toEqual({ name: 'a', width: 3, box: { side: 2 } });
    expect(call.size).not.toBeInstanceOf(SizeArgs);
    expect(call.size.box).not.toBeInstanceOf(BoxInput);
    expect(call.name).toBe('a');
    expect(call.context).toBe(context);
    expect(parent).toEqual({ name: 'thing:a' });
    expect(parent).not.toBeInstanceOf(Thing);
  });

  it('refuses, while the schema is built, a resolver whose middleware it would not run', async () => {
    const schema = await buildSchema({ resolvers: [GuardedResolver], validate: false });
    expect(() => callResolversDirectly(schema, [GuardedResolver])).toThrow('GuardedResolver.guarded: middleware and roles are not applied here');
  });
});
