import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../lambdas/cli/load-config.ts';
import { ConfigError, type ConfigIssue } from '../../lambdas/core/errors.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

const CHECKS = `[{ id: 'home', type: 'http', url: 'https://example.com/', regions: ['us-east-1', 'eu-west-1'] }]`;

/** Runs `loadConfig` and returns the issues of the ConfigError it must throw. */
async function issuesOf(file: string): Promise<readonly ConfigIssue[]> {
  try {
    await loadConfig(file);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return assert.fail(`expected loadConfig(${file}) to throw a ConfigError`);
}

describe('loadConfig', () => {
  let tmp = '';
  let inRepo = '';
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'skyprobe-load-config-'));
    await mkdir(join(REPO, 'test', 'out'), { recursive: true });
    inRepo = await mkdtemp(join(REPO, 'test', 'out', 'load-config-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
    await rm(inRepo, { recursive: true, force: true });
  });

  async function write(dir: string, name: string, text: string): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  }

  it('names monitors.config.ts as the default file', () => {
    assert.equal(DEFAULT_CONFIG_FILE, 'monitors.config.ts');
  });

  it('loads a .ts config that imports defineConfig from "skyprobe"', async () => {
    const file = await write(
      inRepo,
      'monitors.config.ts',
      `import { defineConfig, type Severity } from 'skyprobe';\n` +
        `const severity: Severity = 'critical';\n` +
        `export default defineConfig({ project: 'shop', checks: [{ id: 'home', type: 'http', url: 'https://example.com/', severity }] });\n`,
    );
    const config = await loadConfig(file);
    assert.equal(config.project, 'shop');
    assert.equal(config.checks[0]?.severity, 'critical');
    assert.equal(config.checks[0]?.intervalMs, 60_000);
  });

  it('loads a .mjs config that imports defineConfig from "skyprobe"', async () => {
    const file = await write(inRepo, 'monitors.config.mjs', `import { defineConfig } from 'skyprobe';\nexport default defineConfig({ checks: ${CHECKS} });\n`);
    assert.deepEqual((await loadConfig(file)).checks[0]?.regions, ['us-east-1', 'eu-west-1']);
  });

  it('loads a typed .ts config outside any package', async () => {
    const file = await write(tmp, 'plain.ts', `const config: { checks: object[] } = { checks: ${CHECKS} };\nexport default config;\n`);
    const config = await loadConfig(file);
    assert.equal(config.checks[0]?.id, 'home');
    assert.equal(config.checks[0]?.alertPolicy.failingLocations, 2);
  });

  it('loads a .mts config', async () => {
    const file = await write(tmp, 'monitors.config.mts', `export default { checks: ${CHECKS} } satisfies { checks: unknown[] };\n`);
    assert.equal((await loadConfig(file)).checks.length, 1);
  });

  it('loads the `config` named export when there is no default export', async () => {
    const file = await write(tmp, 'named.ts', `export const config = { homeRegion: 'eu-central-1', checks: ${CHECKS} };\n`);
    assert.equal((await loadConfig(file)).homeRegion, 'eu-central-1');
  });

  it('loads a .mjs config', async () => {
    const file = await write(tmp, 'monitors.config.mjs', `export default { checks: ${CHECKS} };\n`);
    assert.equal((await loadConfig(file)).checks[0]?.type, 'http');
  });

  it('loads a .json config', async () => {
    const file = await write(tmp, 'monitors.json', JSON.stringify({ checks: [{ id: 'api', type: 'tcp', host: 'db.example.com', port: 5432 }] }));
    const config = await loadConfig(file);
    assert.equal(config.checks[0]?.id, 'api');
    assert.equal(config.checks[0]?.type, 'tcp');
  });

  it('fails with "config file not found" for a missing file', async () => {
    const file = join(tmp, 'nope.config.ts');
    assert.deepEqual(await issuesOf(file), [{ path: file, message: 'config file not found' }]);
  });

  it('fails with "config file not found" for a directory', async () => {
    assert.deepEqual(await issuesOf(tmp), [{ path: tmp, message: 'config file not found' }]);
  });

  it('fails with the syntax error of a broken .ts file', async () => {
    const file = await write(tmp, 'broken.ts', `export default { checks: [ { id: 'a' type: 'http' } ] };\n`);
    const issues = await issuesOf(file);
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.path, file);
    assert.match(issues[0]?.message ?? '', /^cannot load config: .*broken\.ts:1:\d+: ERROR: Expected "}" but found "type"$/);
  });

  it('fails with the parse error of a broken .json file', async () => {
    const file = await write(tmp, 'broken.json', '{ "checks": [ }');
    const issues = await issuesOf(file);
    assert.equal(issues.length, 1);
    assert.match(issues[0]?.message ?? '', /^cannot load config: .*JSON/);
  });

  it('fails with the first line of an error the module throws', async () => {
    const file = await write(tmp, 'throws.mjs', `throw new TypeError('no network here\\nsecond line');\n`);
    assert.deepEqual(await issuesOf(file), [{ path: file, message: 'cannot load config: no network here' }]);
  });

  it('fails when an import of the config cannot be resolved', async () => {
    const file = await write(tmp, 'missing-import.ts', `import { x } from './not-there.ts';\nexport default x;\n`);
    const issues = await issuesOf(file);
    assert.match(issues[0]?.message ?? '', /^cannot load config: .*not-there/);
  });

  it('fails when the module has no default or config export', async () => {
    const file = await write(tmp, 'no-default.ts', `export const checks = [];\n`);
    assert.deepEqual(await issuesOf(file), [{ path: file, message: 'has no default export: end it with `export default defineConfig({ ... })`' }]);
  });

  it('fails on a file type it cannot read', async () => {
    const file = await write(tmp, 'monitors.yaml', 'checks: []\n');
    assert.deepEqual(await issuesOf(file), [{ path: file, message: 'cannot load config: unsupported file type ".yaml" (use .ts, .mts, .js, .mjs or .json)' }]);
  });

  it('fails with the validation issues of a config that loads but is wrong', async () => {
    const file = await write(tmp, 'invalid.ts', `export default { checks: [{ id: 'home', type: 'http', url: 'https://example.com/', interval: '10 seconds', timout: '5s' }] };\n`);
    assert.deepEqual(await issuesOf(file), [
      { checkId: 'home', path: 'checks[0].timout', message: 'unknown field "timout" (did you mean "timeout"?)' },
      { checkId: 'home', path: 'checks[0].interval', message: 'must be a duration such as "30s" or "5m", got "10 seconds"' },
    ]);
  });
});
