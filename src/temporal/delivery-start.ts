// The start request of a routed event's workflow (routedEventWorkflow): the ingress starts it for a delivery,
// a Schedule Trigger's firing starts it as a child (workflows/scheduled-trigger.ts). Workflow code imports
// this, so it imports nothing but constants and types.
import { WorkflowIdReusePolicy, type SearchAttributePair } from '@temporalio/common';
import { AofEvent, AofForge, AofNumber, AofRepository, AofState, AofTrigger } from './search-attributes.js';
import { deliveryWorkflowId } from './workflow-ids.js';
import type { RoutedEventInput } from '../../workflows/types.js';

/**
 * The start request of a delivery's workflow: its id from the delivery GUID, the routed event as input,
 * and the search attributes and summary the Web UI lists it by. (bench:ingress sends the same request
 * straight through the client, so the two rates it compares differ only by the ingress.)
 */
export function deliveryStart(input: RoutedEventInput, taskQueue: string) {
  const m = input.metadata;
  const number = m.pr_number ?? m.issue_number;
  const searchAttributes: SearchAttributePair[] = [
    { key: AofEvent, value: input.action ? `${input.event}.${input.action}` : input.event },
    { key: AofTrigger, value: input.trigger },
    { key: AofState, value: 'queued' },
    { key: AofForge, value: input.forge ?? 'github' },
  ];
  if (m.repo_full_name) searchAttributes.push({ key: AofRepository, value: String(m.repo_full_name) });
  if (typeof number === 'number') searchAttributes.push({ key: AofNumber, value: number });
  return {
    workflowId: deliveryWorkflowId(input.deliveryId, input.forge),
    taskQueue,
    args: [input] as [RoutedEventInput],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    typedSearchAttributes: searchAttributes,
    staticSummary: `${input.key} → ${input.target.kind} ${input.target.name} on ${m.repo_full_name ?? '?'}${typeof number === 'number' ? `#${number}` : ''}`,
  };
}
