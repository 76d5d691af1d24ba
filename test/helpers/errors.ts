import { AppError } from '../../src/errors';

/** The code of the AppError an attempt throws, 'not an AppError' for any other throw, undefined when it does not throw. */
export function codeOf(attempt: () => unknown): string | undefined {
  try {
    attempt();
  } catch (error) {
    return error instanceof AppError ? error.code : 'not an AppError';
  }
  return undefined;
}
