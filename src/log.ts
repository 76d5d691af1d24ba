/**
 * The part of a pino logger that the domain, git and GraphQL use: one line per event, an
 * object of facts and a message. Fastify's request logger and pino's logger both fit, so
 * nothing outside `http/` names the framework's type.
 */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
