import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { UnusableSecretError, type Clock } from '../../lambdas/core/ports.ts';
import { SsmSecretSource } from '../../lambdas/aws/ssm-secrets.ts';
import { motoClients, startMoto, type Moto } from '../support/moto.ts';

const REGION = 'eu-west-1';
const PROJECT = 'shop';

function manualClock(start = Date.UTC(2025, 2, 10, 12, 0, 0)): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, monotonic: () => now, advance: (ms) => void (now += ms) };
}

describe('SsmSecretSource against moto', () => {
  let moto: Moto;
  let client: SSMClient;
  const calls: string[][] = [];

  before(async () => {
    moto = await startMoto();
    client = motoClients.ssm(moto.endpoint, REGION);
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Names?: string[] };
        if (input.Names !== undefined) calls.push(input.Names);
        return next(args);
      },
      { step: 'initialize', name: 'recordGetParameters' },
    );
    for (let i = 0; i < 12; i++) await put(`TOKEN_${i}`, `value-${i}`);
  });
  after(async () => {
    client?.destroy();
    await moto?.close();
  });

  const put = (name: string, value: string) =>
    client.send(new PutParameterCommand({ Name: `/${PROJECT}/secrets/${name}`, Value: value, Type: 'SecureString', Overwrite: true }));

  it('reads decrypted SecureStrings, 10 names per GetParameters call, a missing one as undefined', async () => {
    calls.length = 0;
    const source = new SsmSecretSource({ client, project: PROJECT, clock: manualClock() });
    const names = [...Array.from({ length: 12 }, (_, i) => `TOKEN_${i}`), 'NOT_THERE'];
    const values = await source.getMany(names);
    assert.equal(values['TOKEN_0'], 'value-0');
    assert.equal(values['TOKEN_11'], 'value-11');
    assert.equal(values['NOT_THERE'], undefined);
    assert.ok(Object.hasOwn(values, 'NOT_THERE'));
    assert.deepEqual(calls.map((c) => c.length), [10, 3]);
    assert.ok(calls.flat().every((n) => n.startsWith(`/${PROJECT}/secrets/`)));
    assert.equal(await source.get('TOKEN_3'), 'value-3');
    assert.equal(calls.length, 2, 'a cached value is not asked again');
  });

  it('asks again once 5 minutes have passed, and sees a parameter created meanwhile', async () => {
    calls.length = 0;
    const clock = manualClock();
    const source = new SsmSecretSource({ client, project: PROJECT, clock });
    assert.equal(await source.get('LATE'), undefined);
    await put('LATE', 'arrived');
    clock.advance(4 * 60_000);
    assert.equal(await source.get('LATE'), undefined, 'a miss is cached too');
    clock.advance(60_000 + 1);
    assert.equal(await source.get('LATE'), 'arrived');
    assert.equal(calls.length, 2);
  });

  it('shares one call among concurrent asks for the same names', async () => {
    calls.length = 0;
    const source = new SsmSecretSource({ client, project: PROJECT, clock: manualClock() });
    const [a, b, c] = await Promise.all([source.get('TOKEN_1'), source.get('TOKEN_1'), source.getMany(['TOKEN_1', 'TOKEN_2'])]);
    assert.equal(a, 'value-1');
    assert.equal(b, 'value-1');
    assert.deepEqual(c, { TOKEN_1: 'value-1', TOKEN_2: 'value-2' });
    assert.deepEqual(calls, [['/shop/secrets/TOKEN_1'], ['/shop/secrets/TOKEN_2']]);
  });

  it('rejects a secret stored as a plain String, naming its parameter and never its value', async () => {
    await client.send(new PutParameterCommand({ Name: `/${PROJECT}/secrets/PLAIN`, Value: 'plain-value-7', Type: 'String', Overwrite: true }));
    await client.send(new PutParameterCommand({ Name: `/${PROJECT}/secrets/LIST`, Value: 'a,b', Type: 'StringList', Overwrite: true }));
    const clock = manualClock();
    const source = new SsmSecretSource({ client, project: PROJECT, clock });
    await assert.rejects(source.get('PLAIN'), (error: Error) => {
      assert.ok(error instanceof UnusableSecretError);
      assert.equal(error.message, `SSM parameter /${PROJECT}/secrets/PLAIN is a String, not a SecureString: secrets must be stored encrypted (put it again with --type SecureString --overwrite)`);
      return true;
    });
    await assert.rejects(source.getMany(['TOKEN_1', 'LIST', 'PLAIN']), (error: Error) => {
      assert.match(error.message, /\/shop\/secrets\/LIST is a StringList, not a SecureString.*; SSM parameter \/shop\/secrets\/PLAIN is a String/);
      assert.ok(!error.message.includes('plain-value-7') && !error.message.includes('a,b'));
      return true;
    });
    assert.equal(await source.get('TOKEN_1'), 'value-1', 'the good secret read alongside is still served');
    // Fixed in SSM: seen once the cached refusal expires.
    await put('PLAIN', 'now-secure');
    assert.equal(await source.get('PLAIN').catch(() => 'still refused'), 'still refused');
    clock.advance(5 * 60_000 + 1);
    assert.equal(await source.get('PLAIN'), 'now-secure');
  });

  it('rejects when SSM cannot be reached, without a value in the message', async () => {
    const unreachable = motoClients.ssm('http://127.0.0.1:9', REGION);
    const source = new SsmSecretSource({ client: unreachable, project: PROJECT, clock: manualClock() });
    await assert.rejects(source.get('TOKEN_1'), (error: Error) => !error.message.includes('value-1'));
    unreachable.destroy();
  });
});
