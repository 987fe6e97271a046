// Every workflow type the worker registers.
export { routedEventWorkflow } from './routed-event.js';
