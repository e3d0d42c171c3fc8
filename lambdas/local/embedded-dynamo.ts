/**
 * The embedded DynamoDB (dynalite): in-process, on 127.0.0.1 and an ephemeral
 * port, tables ACTIVE at once. In memory, or on disk with `path` (start again
 * with the same path to see the same data). The local runner's store, and the
 * tests' DynamoDB.
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

interface DynaliteOptions {
  readonly path?: string;
  readonly createTableMs?: number;
  readonly deleteTableMs?: number;
  readonly updateTableMs?: number;
}

// dynalite is CommonJS without type declarations.
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

export interface EmbeddedDynamoOptions {
  /** LevelDB directory. @default in memory */
  readonly path?: string;
}

export interface EmbeddedDynamo {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  /** A client for this server (region us-east-1, dummy credentials). */
  readonly client: DynamoDBClient;
  /** Destroys the client and stops the server (closing the LevelDB store). */
  close(): Promise<void>;
}

/** A DynamoDB client for a local endpoint: region us-east-1, dummy credentials; `overrides` win. */
export function localDynamoClient(endpoint: string, overrides: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    ...overrides,
  });
}

export async function startEmbeddedDynamo(opts: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  const server = dynalite({
    ...(opts.path === undefined ? {} : { path: opts.path }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoClient(endpoint);
  let closed: Promise<void> | undefined;
  return {
    endpoint,
    client,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        client.destroy();
        server.close((err?: Error) => (err ? reject(err) : resolve()));
        // Keep-alive sockets (other clients of this server) would hold close() open.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
