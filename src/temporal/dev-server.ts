// Starts a real Temporal dev server (the `temporal` CLI) with the project's search attributes.
// Used by the test harness and by `aofctl dev`.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from './search-attributes.js';
import { temporalCliPath, testServerPath } from './cli-locator.js';

export interface DevServerOptions {
  /** Keep state in this sqlite file so a restart loses nothing. */
  dbFilename?: string;
  port?: number;
  ui?: boolean;
  uiPort?: number;
  namespace?: string;
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: SEARCH_ATTRIBUTES,
      dbFilename: opts.dbFilename,
      port: opts.port,
      ui: opts.ui ?? false,
      uiPort: opts.uiPort,
      namespace: opts.namespace,
      log: { format: 'json', level: 'error' },
    },
  });
}

/** The time-skipping test server, for long timers in seconds of test time. */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
}
