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
      extraArgs: [
        // A db file with SQLite's default pragmas is fsync-bound; WAL with synchronous=normal starts
        // workflows 2-3x faster and still survives a process crash (at most the last commit of a power
        // loss is lost, which a dev server can afford).
        ...(opts.dbFilename ? ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'] : []),
        ...Object.entries(opts.dynamicConfig ?? {}).flatMap(([k, v]) => [
          '--dynamic-config-value',
          `${k}=${JSON.stringify(v)}`,
        ]),
      ],
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
