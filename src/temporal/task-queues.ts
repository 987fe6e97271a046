// The task queues a worker process serves, named after the configured ones (temporal.task_queue,
// temporal.github_task_queue). The counts' queue (`<task_queue>-counts`) carries the workflows every
// review and agent run waits on for an answer: the quota's monthly counts and their ledgers, and the
// agent runs' budget windows. On the main queue a count's workflow task waited behind whatever flood of
// routed events was queued there (9,000 deliveries: minutes for each batch of answers); on its own queue,
// served by its own worker in every worker process, it is answered at once.
export const countsQueueOf = (taskQueue: string) => `${taskQueue}-counts`;
