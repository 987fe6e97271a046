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
  /** Dynamic config values, e.g. a lower `limit.historyCount.suggestContinueAsNew` in tests. */
  dynamicConfig?: Record<string, string | number>;
  /** Keep Temporal's default poll rates instead of LOW_LATENCY_SETTINGS (bench:scaled compares the two). */
  defaultPollRates?: boolean;
}

/**
 * The history service reads its task queues at most this many times a second per shard: Temporal's default
 * of 20 makes every workflow task, activity task and child start wait about 45 ms in the transfer queue
 * (a webhook's review waits some 450 ms in all), and every fired timer as long in the timer queue. A read
 * happens only while there are tasks to read, so a higher rate costs database reads only under load.
 */
export const LOW_LATENCY_SETTINGS: Record<string, number> = {
  'history.transferProcessorMaxPollRPS': 1000,
  'history.timerProcessorMaxPollRPS': 1000,
};

/** The `temporal server start-dev` arguments beyond the SDK's own: SQLite pragmas and dynamic config. */
export function devServerArgs(opts: DevServerOptions = {}): string[] {
  return [
    // A db file with SQLite's default pragmas is fsync-bound; WAL with synchronous=normal starts
    // workflows 2-3x faster and still survives a process crash (at most the last commit of a power
    // loss is lost, which a dev server can afford).
    ...(opts.dbFilename ? ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'] : []),
    ...Object.entries({
      ...(opts.defaultPollRates ? {} : LOW_LATENCY_SETTINGS),
      ...opts.dynamicConfig,
    }).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]),
  ];
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
      extraArgs: devServerArgs(opts),
    },
  });
}

/** The time-skipping test server, for long timers in seconds of test time. */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
  // Workflows set the project's search attributes; this server knows them only once told.
  const KEYWORD = 2;
  const INT = 3;
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((a) => [a.name, a.type === 'INT' ? INT : KEYWORD])),
  });
  return env;
}
