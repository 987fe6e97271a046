// Mocha root hooks: stop the shared Temporal server after the last test; with AOF_RECORD_HISTORIES set,
// first save the run's workflow histories for the replay suite.
import { createLogger } from '../../src/log.js';
import { installTemporalRuntime } from '../../src/temporal/runtime-logger.js';
import { recordIfAsked } from './record-histories.js';
import { stopTestTemporal, testTemporalIfStarted } from './temporal.js';

// The SDK's own logs go through our logger, quiet unless LOG_LEVEL says otherwise (before any worker).
installTemporalRuntime(createLogger('temporal-sdk', process.env.LOG_LEVEL ?? 'error'));

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(120_000);
    const env = await testTemporalIfStarted();
    if (env) await recordIfAsked(env.client);
    await stopTestTemporal();
  },
};
