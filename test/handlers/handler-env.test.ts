import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validateConfig } from '../../lambdas/core/config/validate.ts';
import { BUNDLED_CONFIG_FILE, HANDLER_ENV } from '../../lambdas/core/deployment.ts';
import { BundledConfigError, loadBundledConfig } from '../../lambdas/handlers/bundled-config.ts';
import { MissingEnvError } from '../../lambdas/handlers/env.ts';
import { notifierDepsFromEnv } from '../../lambdas/handlers/notifier.ts';
import { probeDepsFromEnv } from '../../lambdas/handlers/probe.ts';

describe('handler environment and bundled config', () => {
  let dir: string;
  const config = validateConfig({ project: 'shop', checks: [{ id: 'api', type: 'http', url: 'https://example.com/' }] });
  const probeEnv = {
    [HANDLER_ENV.tableName]: 'shop-results',
    [HANDLER_ENV.homeRegion]: 'us-east-1',
    [HANDLER_ENV.location]: 'eu-west-1',
    [HANDLER_ENV.project]: 'shop',
    AWS_REGION: 'eu-west-1',
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skyprobe-bundle-'));
    await writeFile(join(dir, BUNDLED_CONFIG_FILE), JSON.stringify(config));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('loads the bundled normalized config from LAMBDA_TASK_ROOT and builds the probe deps', async () => {
    const deps = await probeDepsFromEnv({ ...probeEnv, LAMBDA_TASK_ROOT: dir }, '/nowhere');
    assert.deepEqual(deps.config, config);
    assert.equal(deps.location, 'eu-west-1');
    assert.equal(await deps.cloudwatch.config.region(), 'us-east-1');
    assert.equal(await deps.dynamo.config.region(), 'eu-west-1');
    assert.equal(await deps.ssm.config.region(), 'eu-west-1');
    for (const client of [deps.cloudwatch, deps.dynamo, deps.ssm]) client.destroy();
  });

  it('fails naming the variable that is missing', async () => {
    const { [HANDLER_ENV.location]: _dropped, ...withoutLocation } = probeEnv;
    await assert.rejects(probeDepsFromEnv({ ...withoutLocation, LAMBDA_TASK_ROOT: dir }, dir), (error: unknown) => {
      assert.ok(error instanceof MissingEnvError);
      assert.equal(error.variable, HANDLER_ENV.location);
      assert.match(error.message, /SKYPROBE_LOCATION/);
      return true;
    });
    await assert.rejects(notifierDepsFromEnv({ ...probeEnv, LAMBDA_TASK_ROOT: dir }, dir), /SKYPROBE_TOPIC_ARN/);
  });

  it('fails when the bundled config is for another project, missing, or not a normalized config', async () => {
    await assert.rejects(probeDepsFromEnv({ ...probeEnv, [HANDLER_ENV.project]: 'other', LAMBDA_TASK_ROOT: dir }, dir), BundledConfigError);
    await assert.rejects(loadBundledConfig(join(dir, 'missing')), /cannot read the bundled config/);
    const bad = await mkdtemp(join(tmpdir(), 'skyprobe-bad-'));
    await writeFile(join(bad, BUNDLED_CONFIG_FILE), JSON.stringify({ ...config, checks: [{ id: 'api', type: 'http' }] }));
    await assert.rejects(loadBundledConfig(bad), /checks\[0\]\.intervalMs must be a number/);
    await rm(bad, { recursive: true, force: true });
  });
});
