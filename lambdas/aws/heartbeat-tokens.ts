import { DeleteParametersCommand, GetParameterCommand, GetParametersByPathCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { heartbeatTokenParameter, heartbeatTokenParameterPrefix } from '../core/heartbeat.ts';
import type { Clock } from '../core/ports.ts';

/**
 * Heartbeat tokens in AWS: one SSM SecureString per heartbeat, `/<project>/heartbeat-tokens/<id>`, in the
 * home region (encrypted with the account's aws/ssm key). CloudFormation cannot create SecureStrings, and a
 * token must never sit in a template, so `skyprobe heartbeat url <id> --aws` creates it (`ensure`) the first
 * time; the ping function only reads (`get`, cached); the stack's deletion deletes them all (`deleteAll`,
 * lambdas/handlers/heartbeat-token-cleanup.ts). Values are never logged.
 */

/** DeleteParameters takes at most this many names per call. */
const DELETE_BATCH = 10;

export interface SsmHeartbeatTokensProps {
  /** A client in the home region. */
  readonly client: SSMClient;
  readonly project: string;
  readonly clock: Clock;
  /** How long a token (or its absence) is cached. @default 60000 */
  readonly ttlMs?: number;
}

export class SsmHeartbeatTokens {
  readonly #client: SSMClient;
  readonly #project: string;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { value: string | undefined; expiresAt: number }>();
  readonly #inFlight = new Map<string, Promise<string | undefined>>();

  constructor(props: SsmHeartbeatTokensProps) {
    this.#client = props.client;
    this.#project = props.project;
    this.#clock = props.clock;
    this.#ttlMs = props.ttlMs ?? 60_000;
  }

  parameterName(heartbeatId: string): string {
    return heartbeatTokenParameter(this.#project, heartbeatId);
  }

  /** The token, or undefined when none was created yet. Concurrent asks share one call. Rejects when SSM cannot be asked. */
  async get(heartbeatId: string): Promise<string | undefined> {
    const cached = this.#cache.get(heartbeatId);
    if (cached !== undefined && cached.expiresAt > this.#clock.now()) return cached.value;
    const pending = this.#inFlight.get(heartbeatId);
    if (pending !== undefined) return pending;
    const fetch = this.#read(heartbeatId).then((value) => {
      this.#cache.set(heartbeatId, { value, expiresAt: this.#clock.now() + this.#ttlMs });
      return value;
    });
    this.#inFlight.set(heartbeatId, fetch);
    try {
      return await fetch;
    } finally {
      this.#inFlight.delete(heartbeatId);
    }
  }

  /** The token, created (32 random bytes, base64url) when there is none. `rotate` replaces an existing one. */
  async ensure(heartbeatId: string, newToken: () => string, rotate = false): Promise<{ token: string; created: boolean }> {
    if (!rotate) {
      const existing = await this.#read(heartbeatId);
      if (existing !== undefined) return { token: existing, created: false };
    }
    const token = newToken();
    try {
      await this.#client.send(
        new PutParameterCommand({
          Name: this.parameterName(heartbeatId),
          Type: 'SecureString',
          Value: token,
          Overwrite: rotate,
          Description: `skyprobe heartbeat token of ${heartbeatId}`,
        }),
      );
    } catch (error) {
      // Someone created it between our read and our write: theirs is the token.
      if (errorName(error) !== 'ParameterAlreadyExists') throw error;
      const theirs = await this.#read(heartbeatId);
      if (theirs === undefined) throw error;
      return { token: theirs, created: false };
    }
    this.#cache.delete(heartbeatId);
    return { token, created: true };
  }

  /**
   * Deletes every parameter under `/<project>/heartbeat-tokens/` and returns their names: all of them are
   * listed first (GetParametersByPath, paginated, values never decrypted), then deleted in batches. A name
   * already gone is not an error, so a repeated call deletes nothing and succeeds.
   */
  async deleteAll(): Promise<string[]> {
    const path = heartbeatTokenParameterPrefix(this.#project).replace(/\/$/, '');
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#client.send(new GetParametersByPathCommand({ Path: path, Recursive: true, WithDecryption: false, MaxResults: 10, NextToken: nextToken }));
      for (const parameter of page.Parameters ?? []) if (parameter.Name !== undefined) names.push(parameter.Name);
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    for (let i = 0; i < names.length; i += DELETE_BATCH) {
      await this.#client.send(new DeleteParametersCommand({ Names: names.slice(i, i + DELETE_BATCH) }));
    }
    this.#cache.clear();
    return names;
  }

  async #read(heartbeatId: string): Promise<string | undefined> {
    try {
      const out = await this.#client.send(new GetParameterCommand({ Name: this.parameterName(heartbeatId), WithDecryption: true }));
      return out.Parameter?.Value;
    } catch (error) {
      if (errorName(error) === 'ParameterNotFound') return undefined;
      throw error;
    }
  }
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string' ? error.name : undefined;
}
