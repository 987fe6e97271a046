// Builds the workflow bundle into the file named by argv[2], with the workflow interceptor modules named
// after it (written whole, then renamed into place, so a worker starting at the same moment never reads
// half of it). Run as a child of the worker.
import { bundleWorkflowCode } from '@temporalio/worker';
import { renameSync, writeFileSync } from 'node:fs';
import { WORKFLOWS_PATH } from '../paths.js';

const [out, ...workflowInterceptorModules] = process.argv.slice(2);
if (!out) throw new Error('usage: bundle-workflows.ts <output file>');
const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules });
const tmp = `${out}.${process.pid}.tmp`;
writeFileSync(tmp, code);
renameSync(tmp, out);
