// Every workflow type the worker registers.
export { routedEventWorkflow } from './routed-event.js';
export { agentRunWorkflow } from './agent-run.js';
export { fleetRunWorkflow } from './fleet-run.js';
