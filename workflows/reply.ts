// Posts one reply on an issue or PR: the answer to a command that has nothing to act on.
import { githubActivities } from './activities.js';

export interface ReplyInput {
  owner: string;
  repo: string;
  installationId?: number;
  issueNumber: number;
  body: string;
  githubTaskQueue: string;
}

export async function replyWorkflow(input: ReplyInput): Promise<number> {
  const { githubTaskQueue, ...target } = input;
  return (await githubActivities(githubTaskQueue).postComment(target)).id;
}
