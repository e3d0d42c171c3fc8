/** Reading a handler's environment: once, at cold start, failing with the variable's name. */

export type Env = Readonly<Record<string, string | undefined>>;

/** A variable the stack must set is missing or empty: a deployment bug. */
export class MissingEnvError extends Error {
  override readonly name = 'MissingEnvError';
  readonly variable: string;
  constructor(variable: string) {
    super(`environment variable ${variable} is not set: the stack must set it on this function`);
    this.variable = variable;
  }
}

export function requireEnv(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new MissingEnvError(name);
  return value;
}

export function optionalEnv(env: Env, name: string): string | null {
  const value = env[name];
  return value === undefined || value.trim() === '' ? null : value;
}

/** A Lambda entry point that builds its handler on the first (cold) invocation, and again after a failed build. */
export function lazyHandler<E, R>(build: () => Promise<(event: E) => Promise<R>>): (event: E) => Promise<R> {
  let built: Promise<(event: E) => Promise<R>> | undefined;
  return async (event) => {
    built ??= build();
    const run = await built.catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return run(event);
  };
}
