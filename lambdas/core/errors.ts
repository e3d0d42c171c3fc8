/** Why a probe run failed. Stable: stored in results, shown in alerts, documented in the README. */
export const ERROR_KINDS = [
  'dns',
  'connect_refused',
  'connect_timeout',
  'reset',
  'tls_handshake',
  'tls_expired',
  'tls_hostname',
  'tls_untrusted',
  'timeout',
  'http_status',
  'assertion',
  'too_many_redirects',
  'body_too_large',
  'protocol',
  'blocked_target',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface ProbeError {
  readonly kind: ErrorKind;
  readonly message: string;
}

/** One problem in a config file: which check, which field, what was wrong. */
export interface ConfigIssue {
  /** The check's id when the problem is inside a check. */
  readonly checkId?: string;
  /** Field path such as `checks[2].assertions[0].path`. */
  readonly path: string;
  readonly message: string;
}

export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.checkId === undefined ? issue.path : `check "${issue.checkId}": ${issue.path}`;
  return `${where}: ${issue.message}`;
}

/** A config a user wrote is wrong. Carries every problem found, not only the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(issues.map(formatConfigIssue).join('\n'), options);
    this.issues = issues;
  }
}

/** A command line a user typed is wrong (unknown flag, missing argument). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `Name: message` of a thrown value, for one log or summary line. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
