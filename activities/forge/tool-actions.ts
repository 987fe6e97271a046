// The forge-neutral actions the built-in tools are written against (src/agents/tools/record.ts), on each
// forge: GitHub through its API, another forge (GitLab, Bitbucket) through its adapter's verbs (the port).
import type { ToolActions } from '../../src/agents/tools/record.js';
import { refusal } from '../../src/agents/tools/record.js';
import type { ToolScope } from '../../src/agents/tools.js';
import type { GitHubClientFor } from '../../src/forges/github/client.js';
import { githubCall } from '../../src/forges/github/failures.js';
import { createCheckRun, createComment, createReview } from '../../src/forges/github/idempotent-writes.js';
import { fit, fitCheckOutput, LIMITS } from '../../src/forges/github/limits.js';
import { forgeOf, forgeTargetOf, type ForgeVerbs } from '../../src/forges/port.js';
import { agentComment } from '../../src/forges/github/review-threads.js';

export function githubActions(clientFor: GitHubClientFor, scope: ToolScope): ToolActions {
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
    review: (pull_number, body, event, headSha, comments) =>
      createReview(
        gh,
        repo,
        pull_number,
        body,
        event,
        comments?.length ? { commit_id: headSha, comments: comments.map(agentComment) } : undefined,
      ),
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

export function forgeActions(verbs: ForgeVerbs, scope: ToolScope): ToolActions {
  const target = forgeTargetOf(scope);
  const change = (number: number) => ({ ...target, number });
  return {
    comment: (n, body, commentId) =>
      commentId ? verbs.updateComment(change(n), commentId, body) : verbs.postComment(change(n), body),
    review: (n, body, event, headSha, comments) => verbs.submitReview(change(n), { body, event, headSha, comments }),
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
