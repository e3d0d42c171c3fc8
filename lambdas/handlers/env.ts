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
