/**
 * The heartbeat-token cleanup function against moto (SSM) and a loopback server standing in for
 * CloudFormation's pre-signed response URL: what `cdk destroy` does to the tokens `skyprobe heartbeat url
 * --aws` created.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createHeartbeatTokenCleanupHandler, type HeartbeatTokenCleanupHandler } from '../../lambdas/handlers/heartbeat-token-cleanup.ts';
import { CustomResourceRequestError, type CustomResourceRequestType } from '../../lambdas/aws/custom-resource-response.ts';
import { startHttpServer, type TestHttpServer } from '../support/http-server.ts';
import { motoClientConfig, motoClients, startMoto, type Moto } from '../support/moto.ts';

const REGION = 'us-east-1';
const PROJECT = 'shop';
/** More than one page of GetParametersByPath (10) and more than one DeleteParameters batch (10). */
const TOKENS = 23;
const RESPONSE_PATH = '/cfn-response';

describe('heartbeat token cleanup (custom resource) against moto', () => {
  let moto: Moto;
  let ssm: SSMClient;
  let cfn: TestHttpServer;
  let handle: HeartbeatTokenCleanupHandler;
  const logs: string[] = [];
  /** Names per DeleteParameters call (moto takes more than AWS's 10; AWS does not). */
  const deleteBatches: number[] = [];

  before(async () => {
    moto = await startMoto();
    ssm = motoClients.ssm(moto.endpoint, REGION);
    ssm.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'DeleteParametersCommand') deleteBatches.push((args.input as { Names: string[] }).Names.length);
        return next(args);
      },
      { step: 'initialize', name: 'recordDeleteBatches' },
    );
    cfn = await startHttpServer();
    cfn.route(RESPONSE_PATH, (_req, res) => res.writeHead(200).end());
    handle = createHeartbeatTokenCleanupHandler({ project: PROJECT, ssm, log: (line) => logs.push(line), respond: { delayMs: 10 } });
  });
  after(async () => {
    ssm?.destroy();
    await cfn?.close();
    await moto?.close();
  });
  beforeEach(async () => {
    await moto.reset();
    cfn.requests.length = 0;
    logs.length = 0;
    deleteBatches.length = 0;
  });

  const put = (name: string, value: string) => ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', Overwrite: true }));
  const names = async (path: string): Promise<string[]> => {
    const out: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await ssm.send(new GetParametersByPathCommand({ Path: path, Recursive: true, NextToken }));
      out.push(...(page.Parameters ?? []).map((p) => p.Name!));
      NextToken = page.NextToken;
    } while (NextToken !== undefined);
    return out.sort();
  };
  const request = (type: CustomResourceRequestType, extra: Record<string, unknown> = {}) => ({
    RequestType: type,
    ResponseURL: `${cfn.url}${RESPONSE_PATH}?X-Amz-Signature=not-to-be-logged`,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/shop-home/1',
    RequestId: `req-${type}`,
    LogicalResourceId: 'HeartbeatsTokenCleanupResource',
    ResourceType: 'Custom::SkyprobeHeartbeatTokens',
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:shop-heartbeat-token-cleanup' },
    ...(type === 'Create' ? {} : { PhysicalResourceId: `/${PROJECT}/heartbeat-tokens/` }),
    ...extra,
  });
  const answers = () => cfn.requests.map((r) => ({ method: r.method, contentType: r.headers['content-type'], body: JSON.parse(r.body) as Record<string, unknown> }));

  async function seed(): Promise<string[]> {
    const tokens = Array.from({ length: TOKENS }, (_, i) => `/${PROJECT}/heartbeat-tokens/job-${String(i).padStart(2, '0')}`);
    for (const name of tokens) await put(name, `token-value-${name}`);
    // Neighbours that are not ours to delete: the user's secrets, another project's tokens, a look-alike prefix.
    await put(`/${PROJECT}/secrets/CHECKOUT_PASSWORD`, 'secret');
    await put('/other/heartbeat-tokens/job-00', 'theirs');
    await put(`/${PROJECT}/heartbeat-tokens-old/job-00`, 'look-alike');
    return tokens;
  }

  it('deletes every token under /<project>/heartbeat-tokens/ on Delete, across pages and batches, and answers SUCCESS', async () => {
    const tokens = await seed();
    assert.equal((await names(`/${PROJECT}/heartbeat-tokens`)).length, TOKENS);
    const result = await handle(request('Delete'));
    assert.equal(result.status, 'SUCCESS');
    assert.deepEqual([...result.deleted].sort(), tokens);
    assert.deepEqual(await names(`/${PROJECT}/heartbeat-tokens`), []);
    assert.deepEqual(deleteBatches, [10, 10, 3]);
    assert.deepEqual(await names(`/${PROJECT}/secrets`), [`/${PROJECT}/secrets/CHECKOUT_PASSWORD`]);
    assert.deepEqual(await names('/other'), ['/other/heartbeat-tokens/job-00']);
    assert.deepEqual(await names(`/${PROJECT}/heartbeat-tokens-old`), [`/${PROJECT}/heartbeat-tokens-old/job-00`]);
    assert.deepEqual(answers(), [
      {
        method: 'PUT',
        // The pre-signed URL was signed without a content type.
        contentType: '',
        body: {
          Status: 'SUCCESS',
          PhysicalResourceId: `/${PROJECT}/heartbeat-tokens/`,
          StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/shop-home/1',
          RequestId: 'req-Delete',
          LogicalResourceId: 'HeartbeatsTokenCleanupResource',
        },
      },
    ]);
    const logged = logs.join('\n');
    assert.ok(!logged.includes('token-value-'), 'token values never reach the log');
    assert.ok(!logged.includes('X-Amz-Signature'), 'the response URL never reaches the log');
  });

  it('succeeds again with nothing left to delete (a repeated Delete, or a project that never made a token)', async () => {
    await seed();
    await handle(request('Delete'));
    const again = await handle(request('Delete'));
    assert.deepEqual(again, { status: 'SUCCESS', deleted: [] });
    assert.deepEqual(
      answers().map((a) => a.body['Status']),
      ['SUCCESS', 'SUCCESS'],
    );
  });

  it('deletes nothing on Create and Update, and keeps one physical id', async () => {
    const tokens = await seed();
    for (const type of ['Create', 'Update'] as const) assert.deepEqual(await handle(request(type)), { status: 'SUCCESS', deleted: [] });
    assert.deepEqual(await names(`/${PROJECT}/heartbeat-tokens`), tokens);
    assert.deepEqual(
      answers().map((a) => [a.body['Status'], a.body['PhysicalResourceId']]),
      [
        ['SUCCESS', `/${PROJECT}/heartbeat-tokens/`],
        ['SUCCESS', `/${PROJECT}/heartbeat-tokens/`],
      ],
    );
  });

  it('answers FAILED with a one-line reason naming the prefix when SSM cannot be reached', async () => {
    const dead = new SSMClient({ ...motoClientConfig('http://127.0.0.1:9', REGION), maxAttempts: 1 });
    try {
      const failing = createHeartbeatTokenCleanupHandler({ project: PROJECT, ssm: dead, log: (line) => logs.push(line), respond: { delayMs: 10 } });
      const result = await failing(request('Delete'));
      assert.equal(result.status, 'FAILED');
      const [answer] = answers();
      assert.equal(answer?.body['Status'], 'FAILED');
      assert.match(String(answer?.body['Reason']), /^could not delete the heartbeat tokens under \/shop\/heartbeat-tokens\/: \S.*$/);
      assert.match(logs.join('\n'), /"level":"error"/);
    } finally {
      dead.destroy();
    }
  });

  it('tries the answer again when the response URL fails once, and rejects naming only its host when it never works', async () => {
    let calls = 0;
    cfn.route('/flaky', (_req, res) => res.writeHead(calls++ === 0 ? 503 : 200).end());
    await handle(request('Create', { ResponseURL: `${cfn.url}/flaky?X-Amz-Signature=secret-signature` }));
    assert.equal(calls, 2);
    cfn.route('/down', (_req, res) => res.writeHead(403).end());
    await assert.rejects(handle(request('Create', { ResponseURL: `${cfn.url}/down?X-Amz-Signature=secret-signature` })), (error: Error) => {
      assert.equal(error.name, 'CustomResourceResponseError');
      assert.match(error.message, /after 3 attempts: status 403$/);
      assert.ok(!error.message.includes('secret-signature'));
      return true;
    });
  });

  it('rejects an event that is not a custom resource request, naming the field', async () => {
    await assert.rejects(handle({ RequestType: 'Delete' }), (error: Error) => error instanceof CustomResourceRequestError && /ResponseURL must be a non-empty string/.test(error.message));
    await assert.rejects(handle({ ...request('Delete'), RequestType: 'Drop' }), /RequestType must be one of Create, Update, Delete, got "Drop"/);
  });
});
