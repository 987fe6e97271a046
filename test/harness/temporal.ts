// One real Temporal dev server and one workflow bundle for the whole test run, started on first use
// and stopped by the root hook.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createLogger } from '../../src/log.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { installTemporalRuntime } from '../../src/temporal/runtime-logger.js';
import { WORKFLOWS_PATH } from '../../src/paths.js';

let env: Promise<TestWorkflowEnvironment> | undefined;
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

export function testTemporal(): Promise<TestWorkflowEnvironment> {
  installTemporalRuntime(createLogger('temporal-sdk', process.env.LOG_LEVEL ?? 'error'));
  env ??= startDevServer();
  return env;
}

export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
  });
  return bundle;
}

/** The shared server, if a test started it. */
export function testTemporalIfStarted(): Promise<TestWorkflowEnvironment | undefined> {
  return env ?? Promise.resolve(undefined);
}

export async function stopTestTemporal(): Promise<void> {
  if (env) await (await env).teardown();
  env = undefined;
}
