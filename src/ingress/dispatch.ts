// Starts the workflow for a routed delivery. The workflow ID derives from the delivery GUID, so a
// redelivery is answered with the same workflow and starts nothing new.
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { AofEvent, AofNumber, AofRepository, AofState, AofTrigger } from '../temporal/search-attributes.js';
import { deliveryWorkflowId } from '../temporal/workflow-ids.js';
import type { routedEventWorkflow } from '../../workflows/routed-event.js';
import type { RoutedEventInput } from '../../workflows/types.js';

export interface Dispatched {
  status: 'started' | 'duplicate';
  workflowId: string;
}

/** Temporal could not be reached: GitHub shows a failed delivery that can be redelivered. */
export class TemporalUnavailableError extends Error {}

const UNAVAILABLE_GRPC = new Set([4, 14]); // DEADLINE_EXCEEDED, UNAVAILABLE

export type Dispatcher = (input: RoutedEventInput) => Promise<Dispatched>;

export function createDispatcher(client: Client, taskQueue: string, timeoutMs = 5000): Dispatcher {
  return async (input) => {
    const workflowId = deliveryWorkflowId(input.deliveryId);
    const m = input.metadata;
    const number = m.pr_number ?? m.issue_number;
    const searchAttributes: SearchAttributePair[] = [
      { key: AofEvent, value: input.action ? `${input.event}.${input.action}` : input.event },
      { key: AofTrigger, value: input.trigger },
      { key: AofState, value: 'queued' },
    ];
    if (m.repo_full_name) searchAttributes.push({ key: AofRepository, value: String(m.repo_full_name) });
    if (typeof number === 'number') searchAttributes.push({ key: AofNumber, value: number });
    try {
      await client.connection.withDeadline(Date.now() + timeoutMs, () =>
        client.workflow.start<typeof routedEventWorkflow>('routedEventWorkflow', {
          workflowId,
          taskQueue,
          args: [input],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          typedSearchAttributes: searchAttributes,
          staticSummary: `${input.key} → ${input.target.kind} ${input.target.name} on ${m.repo_full_name ?? '?'}${typeof number === 'number' ? `#${number}` : ''}`,
        }),
      );
      return { status: 'started', workflowId };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { status: 'duplicate', workflowId };
      const code = (err as { code?: number; cause?: { code?: number } }).code ?? (err as { cause?: { code?: number } }).cause?.code;
      if (code !== undefined && UNAVAILABLE_GRPC.has(code)) throw new TemporalUnavailableError((err as Error).message);
      if ((err as Error).name === 'ConnectionError' || /connect|unavailable|deadline/i.test((err as Error).message)) {
        throw new TemporalUnavailableError((err as Error).message);
      }
      throw err;
    }
  };
}
