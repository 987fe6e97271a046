// One routed GitHub event: run the target agent, post its answer on the issue or PR.
import { ApplicationFailure, proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { AgentActivities } from '../activities/agent/index.js';
import type { GitHubActivities } from '../activities/github/index.js';
import { AofState } from '../src/temporal/search-attributes.js';
import type { RoutedEventInput, RoutedEventResult } from './types.js';

const { agentTurn } = proxyActivities<AgentActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5 },
});

function state(value: string, details: string) {
  upsertSearchAttributes([{ key: AofState, value }]);
  setCurrentDetails(details);
}

export async function routedEventWorkflow(input: RoutedEventInput): Promise<RoutedEventResult> {
  try {
    return await runAgent(input);
  } catch (err) {
    state('failed', `failed: ${(err as Error).message}`);
    throw err;
  }
}

async function runAgent(input: RoutedEventInput): Promise<RoutedEventResult> {
  const github = proxyActivities<GitHubActivities>({
    taskQueue: input.githubTaskQueue,
    startToCloseTimeout: '1 minute',
    // Long enough to outlast a primary rate-limit window; each wait is GitHub's own retry-after.
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 20 },
  });
  const { target, metadata: m } = input;
  if (target.kind !== 'agent') {
    throw ApplicationFailure.nonRetryable(`${target.kind} targets are not supported by this version (routed ${input.key} to ${target.kind} "${target.name}")`, 'UnsupportedTarget');
  }
  const spec = input.agents[target.name];
  if (!spec) throw ApplicationFailure.nonRetryable(`agent "${target.name}" was not resolved at routing time`, 'UnresolvedAgent');

  state('running', `agent ${target.name}: thinking`);
  const { answer } = await agentTurn({ agentName: target.name, spec, metadata: m, args: input.args });

  const number = m.pr_number ?? m.issue_number;
  let commentId: number | undefined;
  if (typeof number === 'number' && m.repo_owner && m.repo_name) {
    state('running', `agent ${target.name}: posting comment on #${number}`);
    const posted = await github.postComment({
      owner: String(m.repo_owner),
      repo: String(m.repo_name),
      installationId: typeof m.installation_id === 'number' ? m.installation_id : undefined,
      issueNumber: number,
      body: answer,
    });
    commentId = posted.id;
  }
  state('completed', commentId ? `posted comment ${commentId}` : 'answered (nothing to comment on)');
  return { target, commentId, answer };
}
