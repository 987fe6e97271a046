// Executes one tool call of an agent against GitHub, within the event's scope. Invalid input and
// GitHub's refusals (404, 422...) go back to the model as a tool error; rate limits and 5xx are thrown
// so Temporal retries the activity.
import { ApplicationFailure } from '@temporalio/common';
import { parseToolInput, type ToolScope } from '../../src/agents/tools.js';
import { isToolName } from '../../src/agents/tool-names.js';
import type { GitHubClientFor } from '../../src/github/client.js';
import { githubCall } from '../../src/github/failures.js';
import { createCheckRun, createComment, createReview } from './idempotent-writes.js';
import { fit, fitCheckOutput, LIMITS } from '../../src/github/limits.js';

export interface ToolCall {
  tool: string;
  input: unknown;
  scope: ToolScope;
  /** The review events the agent's YAML allows (review_events); COMMENT only when unset. */
  reviewEvents?: string[];
}

export type ToolOutcome =
  | { ok: true; content: string; commentId?: number; checkRunId?: number }
  | { ok: false; content: string; invalid: boolean };

export function createRunTool(clientFor: GitHubClientFor) {
  return async function runTool({ tool, input, scope, reviewEvents = ['COMMENT'] }: ToolCall): Promise<ToolOutcome> {
    if (!isToolName(tool)) return { ok: false, invalid: true, content: `unknown tool "${tool}"` };
    const parsed = parseToolInput(tool, labelsFitted(tool, input));
    if (!parsed.ok) return { ok: false, invalid: true, content: `invalid input for ${tool}: ${parsed.error}` };
    const gh = clientFor(scope);
    const repo = { owner: scope.owner, repo: scope.repo };
    const v = parsed.value as Record<string, any>;
    const needNumber = () => {
      if (scope.number === undefined) throw refusal(`${tool} needs an issue or pull request, and this event has none`);
      return scope.number;
    };
    const needPull = () => {
      if (!scope.isPullRequest) throw refusal(`${tool} works on pull requests only`);
      return needNumber();
    };
    try {
      switch (tool) {
        case 'github_post_comment': {
          const issue_number = needNumber();
          const commentId = scope.commentId;
          const data = commentId
            ? (
                await githubCall(() =>
                  gh.issues.updateComment({ ...repo, comment_id: commentId, body: fit(v.body, LIMITS.commentBody) }),
                )
              ).data
            : await createComment(gh, repo, issue_number, v.body);
          return { ok: true, content: `comment ${data.id} ${commentId ? 'updated' : 'posted'}`, commentId: data.id };
        }
        case 'github_post_review': {
          const pull_number = needPull();
          if (!reviewEvents.includes(v.event))
            throw refusal(
              `this agent may not ${v.event === 'APPROVE' ? 'approve' : 'request changes'}: its review_events allow ${reviewEvents.join(', ')}`,
            );
          const data = await createReview(gh, repo, pull_number, v.body, v.event);
          return { ok: true, content: `review ${data.id} submitted (${v.event})` };
        }
        case 'github_add_labels': {
          const issue_number = needNumber();
          const { data } = await githubCall(() => gh.issues.addLabels({ ...repo, issue_number, labels: v.labels }));
          return { ok: true, content: `labels now: ${data.map((l) => l.name).join(', ')}` };
        }
        case 'github_remove_label': {
          const issue_number = needNumber();
          await githubCall(() => gh.issues.removeLabel({ ...repo, issue_number, name: v.label }));
          return { ok: true, content: `label "${v.label}" removed` };
        }
        case 'github_create_check_run': {
          needPull();
          if (!scope.headSha) throw refusal('this event has no head commit');
          const { title, summary, text, name, status, conclusion } = v;
          const out = title && summary ? { output: { title, summary, text } } : {};
          const data = await createCheckRun(gh, repo, { head_sha: scope.headSha!, name, status, conclusion, ...out });
          return { ok: true, content: `check run ${data.id} created (${data.status})`, checkRunId: data.id };
        }
        case 'github_update_check_run': {
          if (!scope.checkRunIds.includes(v.check_run_id))
            throw refusal(`check run ${v.check_run_id} was not created by this run`);
          const { title, summary, text, check_run_id, ...rest } = v;
          const out = title && summary ? { output: fitCheckOutput({ title, summary, text }) } : {};
          const { data } = await githubCall(() => gh.checks.update({ ...repo, check_run_id, ...rest, ...out }));
          return {
            ok: true,
            content: `check run ${data.id} updated (${data.status}${data.conclusion ? `: ${data.conclusion}` : ''})`,
          };
        }
      }
    } catch (err) {
      // A final GitHub answer is the model's to handle; anything retryable is Temporal's.
      if (err instanceof ApplicationFailure && err.nonRetryable)
        return { ok: false, invalid: false, content: err.message };
      throw err;
    }
    return { ok: false, invalid: true, content: `unknown tool "${tool}"` };
  };
}

/** Label names within GitHub's 50 characters (a flow's template may render longer ones), cut visibly. */
function labelsFitted(tool: string, input: unknown): unknown {
  const i = input as { labels?: unknown; label?: unknown } | null;
  if (!i || typeof i !== 'object') return input;
  const cut = (l: unknown) => (typeof l === 'string' ? fit(l, LIMITS.labelName) : l);
  if (tool === 'github_add_labels' && Array.isArray(i.labels)) return { ...i, labels: i.labels.map(cut) };
  if (tool === 'github_remove_label' && 'label' in i) return { ...i, label: cut(i.label) };
  return input;
}

function refusal(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'ToolRefused', message, nonRetryable: true });
}
