// Every workflow type the worker registers.
export { routedEventWorkflow } from './routed-event.js';
export { agentRunWorkflow } from './agent-run.js';
export { fleetRunWorkflow } from './fleet-run.js';
export { prGateWorkflow } from './pr-gate.js';
export { prReviewWorkflow } from './pr-review.js';
export { mergeGroupReviewWorkflow } from './merge-group-review.js';
export { quotaWorkflow } from './quota.js';
export { quotaLedgerWorkflow } from './quota-ledger.js';
export { flowRunWorkflow } from './flow-run.js';
export { replyWorkflow } from './reply.js';
export { envLockWorkflow } from './env-lock.js';
export { redeliveryWorkflow } from './redeliver.js';
export { runBudgetWorkflow } from './run-budget.js';
export { scheduledTriggerWorkflow } from './scheduled-trigger.js';
export { flowUndoWorkflow } from './flow-undo.js';
