// Executes one tool call of an agent within the event's scope, on the event's forge: GitHub through its
// API, another forge (GitLab) through its adapter's verbs (the port). The tools keep the names users write
// (github_post_comment...) on every forge; the checks around them (scope, allow-list, review events,
// which checks the run may update) are the same everywhere. Invalid input and the forge's refusals (404,
// 422...) go back to the model as a tool error; rate limits and 5xx are thrown so Temporal retries.
import { ApplicationFailure } from '@temporalio/common';
import { parseToolInput, type ToolScope } from '../../src/agents/tools.js';
import { isToolName } from '../../src/agents/tool-names.js';
import type { GitHubClientFor } from '../../src/forges/github/client.js';
import { githubCall } from '../../src/forges/github/failures.js';
import { createCheckRun, createComment, createReview } from '../../src/forges/github/idempotent-writes.js';
import { fit, fitCheckOutput, LIMITS } from '../../src/forges/github/limits.js';
import {
  forgeOf,
  forgeTargetOf,
  type CheckConclusion,
  type CheckOutput,
  type CheckStatus,
  type ForgeName,
  type ForgeVerbs,
} from '../../src/forges/port.js';

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

type ReviewEvent = 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT';
interface CheckChange {
  status?: CheckStatus;
  conclusion?: CheckConclusion;
  output?: CheckOutput;
}

/** What each tool does on one forge, on the scope's issue, pull or merge request. */
interface ToolActions {
  /** A comment, or the run's own comment (`commentId`) edited. */
  comment(n: number, body: string, commentId?: number): Promise<{ id: number }>;
  review(n: number, body: string, event: ReviewEvent, headSha?: string): Promise<{ id: number }>;
  /** The labels the issue or change has afterwards. */
  addLabels(n: number, labels: string[]): Promise<string[]>;
  removeLabel(n: number, label: string): Promise<void>;
  /** The check's id, and its state as the forge names it. */
  createCheck(
    c: CheckChange & { name: string; headSha: string; status: CheckStatus },
  ): Promise<{ id: number; state: string }>;
  /** The check's state afterwards, as the forge names it. */
  updateCheck(id: number, c: CheckChange): Promise<string>;
}

function githubActions(clientFor: GitHubClientFor, scope: ToolScope): ToolActions {
  const gh = clientFor(scope);
  const repo = { owner: scope.owner, repo: scope.repo };
  return {
    comment: async (issue_number, body, commentId) =>
      commentId
        ? (
            await githubCall(() =>
              gh.issues.updateComment({ ...repo, comment_id: commentId, body: fit(body, LIMITS.commentBody) }),
            )
          ).data
        : createComment(gh, repo, issue_number, body),
    review: (pull_number, body, event) => createReview(gh, repo, pull_number, body, event),
    async addLabels(issue_number, labels) {
      const { data } = await githubCall(() => gh.issues.addLabels({ ...repo, issue_number, labels }));
      return data.map((l) => l.name);
    },
    async removeLabel(issue_number, name) {
      await githubCall(() => gh.issues.removeLabel({ ...repo, issue_number, name }));
    },
    async createCheck({ headSha, output, ...c }) {
      const data = await createCheckRun(gh, repo, { head_sha: headSha, ...c, ...(output ? { output } : {}) });
      return { id: data.id, state: data.status };
    },
    async updateCheck(check_run_id, { output, ...c }) {
      const { data } = await githubCall(() =>
        gh.checks.update({
          ...repo,
          check_run_id,
          ...c,
          ...(output ? { output: fitCheckOutput(output) } : {}),
        } as Parameters<typeof gh.checks.update>[0]),
      );
      return `${data.status}${data.conclusion ? `: ${data.conclusion}` : ''}`;
    },
  };
}

function forgeActions(verbs: ForgeVerbs, scope: ToolScope): ToolActions {
  const target = forgeTargetOf(scope);
  const change = (number: number) => ({ ...target, number });
  return {
    comment: (n, body, commentId) =>
      commentId ? verbs.updateComment(change(n), commentId, body) : verbs.postComment(change(n), body),
    review: (n, body, event, headSha) => verbs.submitReview(change(n), { body, event, headSha }),
    addLabels(n, labels) {
      if (!verbs.labels) throw refusal(`${forgeOf(scope)} has no labels`);
      return verbs.labels.add(change(n), labels);
    },
    removeLabel(n, label) {
      if (!verbs.labels) throw refusal(`${forgeOf(scope)} has no labels`);
      return verbs.labels.remove(change(n), label);
    },
    async createCheck(c) {
      const { id } = await verbs.createCheck(target, c);
      return { id, state: c.conclusion ? `completed: ${c.conclusion}` : c.status };
    },
    async updateCheck(id, c) {
      // A forge's check is named by the commit it is on: the event's head, where this run created it.
      const check = scope.headSha ? await verbs.checkById(target, scope.headSha, id) : undefined;
      if (!check) throw refusal(`check ${id} is not on this change's head commit`);
      await verbs.updateCheck(target, {
        ...c,
        checkId: id,
        name: check.name,
        headSha: scope.headSha!,
        number: scope.number,
      });
      return c.conclusion ? `completed: ${c.conclusion}` : (c.status ?? check.state);
    },
  };
}

export function createRunTool(
  clientFor: GitHubClientFor,
  /** The adapter of a forge other than GitHub (undefined for GitHub); throws when it is not configured. */
  verbsOf: (t: { forge?: ForgeName }) => ForgeVerbs | undefined = () => undefined,
) {
  return async function runTool({ tool, input, scope, reviewEvents = ['COMMENT'] }: ToolCall): Promise<ToolOutcome> {
    if (!isToolName(tool)) return { ok: false, invalid: true, content: `unknown tool "${tool}"` };
    const parsed = parseToolInput(tool, labelsFitted(tool, input));
    if (!parsed.ok) return { ok: false, invalid: true, content: `invalid input for ${tool}: ${parsed.error}` };
    const v = parsed.value as Record<string, any>;
    const needNumber = () => {
      if (scope.number === undefined) throw refusal(`${tool} needs an issue or pull request, and this event has none`);
      return scope.number;
    };
    const needPull = () => {
      if (!scope.isPullRequest) throw refusal(`${tool} works on pull and merge requests only`);
      return needNumber();
    };
    const verbs = verbsOf(scope);
    const act = verbs ? forgeActions(verbs, scope) : githubActions(clientFor, scope);
    try {
      switch (tool) {
        case 'github_post_comment': {
          const data = await act.comment(needNumber(), v.body, scope.commentId);
          return {
            ok: true,
            content: `comment ${data.id} ${scope.commentId ? 'updated' : 'posted'}`,
            commentId: data.id,
          };
        }
        case 'github_post_review': {
          const number = needPull();
          if (!reviewEvents.includes(v.event))
            throw refusal(
              `this agent may not ${v.event === 'APPROVE' ? 'approve' : 'request changes'}: its review_events allow ${reviewEvents.join(', ')}`,
            );
          const data = await act.review(number, v.body, v.event, scope.headSha);
          return { ok: true, content: `review ${data.id} submitted (${v.event})` };
        }
        case 'github_add_labels': {
          const labels = await act.addLabels(needNumber(), v.labels);
          return { ok: true, content: `labels now: ${labels.join(', ')}` };
        }
        case 'github_remove_label': {
          await act.removeLabel(needNumber(), v.label);
          return { ok: true, content: `label "${v.label}" removed` };
        }
        case 'github_create_check_run': {
          needPull();
          if (!scope.headSha) throw refusal('this event has no head commit');
          const { title, summary, text, name, status, conclusion } = v;
          const out = title && summary ? { output: { title, summary, text } } : {};
          const data = await act.createCheck({ headSha: scope.headSha, name, status, conclusion, ...out });
          return { ok: true, content: `check run ${data.id} created (${data.state})`, checkRunId: data.id };
        }
        case 'github_update_check_run': {
          if (!scope.checkRunIds.includes(v.check_run_id))
            throw refusal(`check run ${v.check_run_id} was not created by this run`);
          const { title, summary, text, check_run_id, status, conclusion } = v;
          const out = title && summary ? { output: { title, summary, text } } : {};
          const state = await act.updateCheck(check_run_id, { status, conclusion, ...out });
          return { ok: true, content: `check run ${check_run_id} updated (${state})` };
        }
      }
    } catch (err) {
      // A final answer of the forge is the model's to handle; anything retryable is Temporal's.
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
