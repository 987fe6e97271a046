// Runs the adversarial cases (adversarial-text.ts) in a worker thread and posts each answer: the test's
// own thread stays free, so a pattern that never finishes fails the test at mocha's timeout instead of
// hanging the run.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { ADVERSARIAL } = await import('./adversarial-text.ts');
for (const c of ADVERSARIAL) parentPort.postMessage({ name: c.name, answer: c.run() });
parentPort.postMessage({ done: true });
