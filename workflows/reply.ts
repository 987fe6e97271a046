// Posts one reply on an issue or PR: the answer to a command that has nothing to act on.
import { markRun } from './run-attributes.js';
import { forgeActivities } from './activities.js';
import type { ForgeName } from '../src/forges/port.js';

export interface ReplyInput {
  /** Absent: GitHub (every reply started before the forge port). */
  forge?: ForgeName;
  owner: string;
  repo: string;
  installationId?: number;
  issueNumber: number;
  body: string;
  githubTaskQueue: string;
}

export async function replyWorkflow(input: ReplyInput): Promise<number> {
  const { githubTaskQueue, ...target } = input;
  const setState = markRun(
    'replyWorkflow',
    { kind: 'reply', repository: `${input.owner}/${input.repo}`, number: input.issueNumber },
    'running',
  );
  const id = (await forgeActivities(githubTaskQueue).postComment(target)).id;
  setState('completed');
  return id;
}
