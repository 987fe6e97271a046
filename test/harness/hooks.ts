// Mocha root hooks: stop the shared Temporal server after the last test.
import { stopTestTemporal } from './temporal.js';

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopTestTemporal();
  },
};
