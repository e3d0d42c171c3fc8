/** `skyprobe heartbeat url`: the real CLI, locally (a data directory) and with --aws against moto (CloudFormation outputs, SSM). */
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { runSkyprobe } from '../support/cli.ts';
import { motoClientConfig, motoClients, startMoto, type Moto } from '../support/moto.ts';

const dir = mkdtempSync(join(tmpdir(), 'skyprobe-hb-cli-'));
const config = join(dir, 'monitors.json');
writeFileSync(config, JSON.stringify({ project: 'shop', checks: [{ type: 'heartbeat', id: 'nightly-dump', every: '1d', grace: '2h' }, { id: 'web', type: 'http', url: 'https://example.com/' }] }));

interface Info {
  readonly url: string;
  readonly startUrl: string;
  readonly failUrl: string;
  readonly token: string;
  readonly curl: string;
}

describe('skyprobe heartbeat url (local)', () => {
  it('creates a token in the data directory (0600) once, and prints the URL and a curl line', async () => {
    const dataDir = join(dir, 'data');
    const first = await runSkyprobe(['heartbeat', 'url', 'nightly-dump', '--config', config, '--data-dir', dataDir, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const info = JSON.parse(first.stdout) as Info;
    assert.equal(info.url, 'http://127.0.0.1:8787/ping/nightly-dump');
    assert.equal(info.failUrl, 'http://127.0.0.1:8787/ping/nightly-dump/fail');
    assert.equal(info.curl, `curl -fsS -m 10 --retry 5 -X POST -H 'Authorization: Bearer ${info.token}' http://127.0.0.1:8787/ping/nightly-dump`);
    assert.equal(statSync(join(dataDir, 'heartbeat-tokens.json')).mode & 0o777, 0o600);
    const again = await runSkyprobe(['heartbeat', 'url', 'nightly-dump', '--config', config, '--data-dir', dataDir]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, new RegExp(`token {4}${info.token}\\n`));
    assert.match(again.stdout, /skyprobe run --host 0\.0\.0\.0/);
  });

  it('takes the token from SKYPROBE_SECRET_HEARTBEAT_<ID> when set', async () => {
    const out = await runSkyprobe(['heartbeat', 'url', 'nightly-dump', '--config', config, '--data-dir', join(dir, 'env'), '--json'], { env: { SKYPROBE_SECRET_HEARTBEAT_NIGHTLY_DUMP: 'from-env' } });
    assert.equal((JSON.parse(out.stdout) as Info).token, 'from-env');
  });

  const usage: readonly [string, readonly string[], RegExp][] = [
    ['rejects an id that is no heartbeat', ['heartbeat', 'url', 'web', '--config', config], /^skyprobe heartbeat url: no heartbeat "web" in .*monitors\.json \(heartbeats: nightly-dump\)\n$/],
    ['rejects a missing id', ['heartbeat', 'url'], /^skyprobe heartbeat url: missing heartbeat id/],
    ['rejects an unknown subcommand', ['heartbeat', 'list'], /^skyprobe heartbeat: unknown subcommand "list": use skyprobe heartbeat url <id>\n$/],
    ['rejects --rotate without --aws', ['heartbeat', 'url', 'nightly-dump', '--config', config, '--rotate'], /^skyprobe heartbeat url: --rotate goes with --aws/],
  ];
  for (const [name, args, stderr] of usage) {
    it(`${name} (exit 2, one line)`, async () => {
      const out = await runSkyprobe(args);
      assert.equal(out.code, 2);
      assert.match(out.stderr, stderr);
    });
  }
});

describe('skyprobe heartbeat url --aws (moto)', () => {
  let moto: Moto;
  let env: Record<string, string>;
  before(async () => {
    moto = await startMoto();
    env = { AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
  });
  after(async () => {
    await moto?.close();
  });

  it('fails with exit 1 when the home stack is not deployed', async () => {
    const out = await runSkyprobe(['heartbeat', 'url', 'nightly-dump', '--config', config, '--aws'], { env });
    assert.equal(out.code, 1, out.stderr);
    assert.match(out.stderr, /^skyprobe heartbeat url: stack shop-home is not deployed in us-east-1: deploy first/);
  });

  it('reads the function URL from the stack output and creates the token as an SSM SecureString once', async () => {
    const cfn = new CloudFormationClient(motoClientConfig(moto.endpoint, 'us-east-1'));
    const template = { Resources: { Topic: { Type: 'AWS::SNS::Topic' } }, Outputs: { HeartbeatPingUrl: { Value: 'https://abcdefghij.lambda-url.us-east-1.on.aws/' } } };
    await cfn.send(new CreateStackCommand({ StackName: 'shop-home', TemplateBody: JSON.stringify(template) }));
    cfn.destroy();
    const first = await runSkyprobe(['heartbeat', 'url', 'nightly-dump', '--config', config, '--aws', '--json'], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /created the token of nightly-dump in SSM Parameter Store: \/shop\/heartbeat-tokens\/nightly-dump \(SecureString, us-east-1\)/);
    const info = JSON.parse(first.stdout) as Info;
    assert.equal(info.url, 'https://abcdefghij.lambda-url.us-east-1.on.aws/ping/nightly-dump');
    const ssm = motoClients.ssm(moto.endpoint, 'us-east-1');
    const stored = (await ssm.send(new GetParameterCommand({ Name: '/shop/heartbeat-tokens/nightly-dump', WithDecryption: true }))).Parameter;
    ssm.destroy();
    assert.equal(stored?.Type, 'SecureString');
    assert.equal(stored?.Value, info.token);

    const again = await runSkyprobe(['heartbeat', 'url', 'nightly-dump', '--config', config, '--aws', '--json'], { env });
    assert.equal((JSON.parse(again.stdout) as Info).token, info.token);
    assert.equal(again.stderr, '');
    const rotated = await runSkyprobe(['heartbeat', 'url', 'nightly-dump', '--config', config, '--aws', '--rotate', '--json'], { env });
    assert.notEqual((JSON.parse(rotated.stdout) as Info).token, info.token);
    assert.match(rotated.stderr, /^replaced the token/);
  });
});
