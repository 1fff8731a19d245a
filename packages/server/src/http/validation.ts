import { AjvCompiler, type RouteDefinition } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type BuildCompiler = ReturnType<typeof AjvCompiler>;

/**
 * Fastify compiles every route's schemas with Ajv as the server starts, yet most routes (the
 * admin API's above all) are seldom called: that compilation was a quarter of the time to
 * ready and a good part of the heap. Here each route's validator is Fastify's own, with its
 * options, compiled the first time the route is called.
 */
export function lazyValidation(): NonNullable<FastifyServerOptions['schemaController']> {
  const buildCompiler = AjvCompiler();
  return {
    compilersFactory: {
      // Typed as Ajv's compiler, which Fastify's types expect; Fastify only calls it and reads `errors`.
      buildValidator: ((externalSchemas: Parameters<BuildCompiler>[0], options: Parameters<BuildCompiler>[1]) => {
        let compile: ((route: RouteDefinition) => Validate) | undefined;
        return (route: RouteDefinition) => {
          let validate: Validate | undefined;
          const lazy: Validate = (data, context) => {
            compile ??= buildCompiler(externalSchemas, options) as unknown as (route: RouteDefinition) => Validate;
            validate ??= compile(route);
            const valid = validate(data, context);
            lazy.errors = validate.errors;
            return valid;
          };
          // Fastify hands Ajv's validators their parent object, so that they may coerce a whole part.
          lazy.schemaEnv = true;
          return lazy;
        };
      }) as unknown as BuildCompiler,
    },
  };
}
