// Mocha root hooks: stop the shared Temporal server after the last test.
import { createLogger } from '../../src/log.js';
import { installTemporalRuntime } from '../../src/temporal/runtime-logger.js';
import { stopTestTemporal } from './temporal.js';

// The SDK's own logs go through our logger, quiet unless LOG_LEVEL says otherwise (before any worker).
installTemporalRuntime(createLogger('temporal-sdk', process.env.LOG_LEVEL ?? 'error'));

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopTestTemporal();
  },
};
