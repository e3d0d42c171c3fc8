/**
 * The AWS API emulator for tests: moto in server mode (`pip install "moto[server]"`), one process per test
 * file on a free loopback port, and SDK clients pointed at it with an explicit region and dummy
 * credentials. Every AWS call in these tests reaches moto; nothing reaches AWS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';

export interface Moto {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** Forgets every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** moto's default account. */
export const MOTO_ACCOUNT = '123456789012';
const STARTUP_TIMEOUT_MS = 20_000;
const MOTO_COMMAND = 'moto_server';

/** Starts `moto_server -H 127.0.0.1 -p <free port>` and waits until it answers. Fails clearly when moto is not installed. */
export async function startMoto(): Promise<Moto> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await startOn(port);
    } catch (error) {
      // Another process may have taken the port between the probe and the bind: try another one.
      if (error instanceof MotoNotInstalledError || attempt >= 3) throw error;
    }
  }
}

export class MotoNotInstalledError extends Error {
  override readonly name = 'MotoNotInstalledError';
}

async function startOn(port: number): Promise<Moto> {
  const child = spawn(MOTO_COMMAND, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('exit', (code) => resolve({ code }));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let ready = false;
  while (!ready) {
    const early = await Promise.race([exited, sleep(100).then(() => null)]);
    if (early !== null) {
      if ((early.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
        throw new MotoNotInstalledError(`${MOTO_COMMAND} is not installed: these tests need the AWS emulator; run  pip install "moto[server]"`);
      }
      throw new Error(`${MOTO_COMMAND} exited (code ${early.code}) before answering: ${early.error?.message ?? output.trim()}`);
    }
    ready = await fetch(`${endpoint}/moto-api/data.json`).then(
      (res) => res.ok,
      () => false,
    );
    if (!ready && Date.now() > deadline) {
      await stop(child, exited);
      throw new Error(`${MOTO_COMMAND} did not answer on ${endpoint} within ${STARTUP_TIMEOUT_MS} ms: ${output.trim()}`);
    }
  }
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: ${res.status}`);
    },
    close() {
      closing ??= stop(child, exited);
      return closing;
    },
  };
}

async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const gone = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]);
  if (!gone) {
    child.kill('SIGKILL');
    await exited;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** What every client needs to talk to moto: its endpoint, an explicit region, dummy credentials. */
export function motoClientConfig(endpoint: string, region: string) {
  return {
    endpoint,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    // A test against a local emulator should fail fast, not back off for seconds.
    maxAttempts: 2,
  };
}

export const motoClients = {
  dynamo: (endpoint: string, region: string) => new DynamoDBClient(motoClientConfig(endpoint, region)),
  // moto cannot read gzip request bodies, which the SDK sends for PutMetricData over 10 KB; AWS can.
  cloudwatch: (endpoint: string, region: string) => new CloudWatchClient({ ...motoClientConfig(endpoint, region), disableRequestCompression: true }),
  sns: (endpoint: string, region: string) => new SNSClient(motoClientConfig(endpoint, region)),
  sqs: (endpoint: string, region: string) => new SQSClient(motoClientConfig(endpoint, region)),
  ssm: (endpoint: string, region: string) => new SSMClient(motoClientConfig(endpoint, region)),
} as const;

/** An SNS topic with an SQS queue subscribed to it: the queue stands in for the people who get the alerts (moto delivers during Publish). */
export async function topicWithInbox(sns: SNSClient, sqs: SQSClient, topicName: string, queueName: string): Promise<{ topicArn: string; queueUrl: string }> {
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: topicName }))).TopicArn!;
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!['QueueArn']!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));
  return { topicArn, queueUrl };
}

/** One message a topic delivered to an SQS subscriber: its subject, text and message attributes. */
export interface InboxMessage {
  readonly subject: string | undefined;
  readonly message: string;
  readonly attributes: Record<string, string>;
}

/** Every message in the queue now (moto delivers SNS to SQS during Publish), removed from the queue. */
export async function drainInbox(sqs: SQSClient, queueUrl: string): Promise<InboxMessage[]> {
  const out: InboxMessage[] = [];
  for (;;) {
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = got.Messages ?? [];
    if (messages.length === 0) return out;
    for (const m of messages) {
      const envelope = JSON.parse(m.Body ?? '{}') as { Subject?: string; Message: string; MessageAttributes?: Record<string, { Value: string }> };
      out.push({
        subject: envelope.Subject,
        message: envelope.Message,
        attributes: Object.fromEntries(Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value])),
      });
    }
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
}
