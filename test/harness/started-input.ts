// What a workflow was started with: the first argument in its history's first event (read from the
// workflow itself, so not subject to the visibility store's lag).
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { RoutedEventInput } from '../../workflows/types.js';

export async function startedInput(client: Client, workflowId: string): Promise<RoutedEventInput> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
  return defaultPayloadConverter.fromPayload(started.input!.payloads![0]!) as RoutedEventInput;
}
