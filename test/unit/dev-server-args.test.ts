// Every Temporal server the project starts (aofctl dev, the tests, the benchmarks: all through
// startDevServer) reads its task queues fast enough not to add latency; the compose file's server too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { devServerArgs, LOW_LATENCY_SETTINGS } from '../../src/temporal/dev-server.js';

const root = resolve(import.meta.dirname, '../..');

describe('Temporal server settings', () => {
  it("the dev server reads the history service's transfer and timer queues 1,000 times a second", () => {
    const args = devServerArgs();
    for (const key of ['history.transferProcessorMaxPollRPS', 'history.timerProcessorMaxPollRPS']) {
      const i = args.indexOf(`${key}=1000`);
      assert.ok(i > 0 && args[i - 1] === '--dynamic-config-value', `${key}: ${args.join(' ')}`);
    }
  });

  it("a test's own dynamic config comes on top, and defaultPollRates keeps Temporal's", () => {
    const args = devServerArgs({ dynamicConfig: { 'history.transferProcessorMaxPollRPS': 50, 'a.b': 'x' } });
    assert.ok(args.includes('history.transferProcessorMaxPollRPS=50'));
    assert.ok(!args.includes('history.transferProcessorMaxPollRPS=1000'));
    assert.ok(args.includes('a.b="x"'));
    assert.ok(!devServerArgs({ defaultPollRates: true }).some((a) => a.includes('MaxPollRPS')));
  });

  it("docker-compose.yml's Temporal server loads the same settings from its dynamic config file", () => {
    const compose = parse(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8'), { merge: true });
    const temporal = compose.services.temporal;
    const path = temporal.environment.DYNAMIC_CONFIG_FILE_PATH as string;
    const mount = (temporal.volumes as string[]).find((v) => v.endsWith(`:${path}:ro`));
    assert.ok(mount, `${path} is mounted: ${JSON.stringify(temporal.volumes)}`);
    const file = parse(readFileSync(resolve(root, mount.split(':')[0]!), 'utf8'));
    for (const [key, value] of Object.entries(LOW_LATENCY_SETTINGS))
      assert.deepEqual(file[key], [{ value, constraints: {} }], key);
  });
});
