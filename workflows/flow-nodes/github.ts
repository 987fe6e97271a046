// `github` (any forge, through the port): a comment, labels, or a check run on the change's head.
import { ApplicationFailure } from '@temporalio/workflow';
import { defineNode } from './node-type.js';

export const githubNode = defineNode({
  type: 'github',
  acts: true,
  config: (z) =>
    z.looseObject({
      action: z.enum(['comment', 'label', 'check_run']).optional(),
      body: z.string().optional(),
      labels: z.array(z.string()).optional(),
      name: z.string().optional(),
      title: z.string().optional(),
      summary: z.string().optional(),
      conclusion: z.string().optional(),
    }),
  async run({ id, config: c }, flow) {
    const { forge, target, text, input } = flow;
    const action = String(c.action ?? 'comment');
    if (action === 'comment')
      return String((await forge.postComment({ ...target, issueNumber: input.scope.number!, body: text(c.body) })).id);
    if (action === 'label')
      return (
        await forge.runTool({
          tool: 'github_add_labels',
          input: { labels: c.labels!.map(text) },
          scope: input.scope,
        })
      ).content;
    if (action === 'check_run') {
      const conclusion = c.conclusion ? (text(c.conclusion) as 'success') : undefined;
      const check = { ...target, name: text(c.name ?? id), headSha: input.scope.headSha! };
      const run = await forge.createCheckRun({ ...check, status: conclusion ? 'completed' : 'in_progress' });
      await forge.updateCheckRun({
        ...check,
        checkRunId: run.id,
        conclusion,
        output: { title: text(c.title ?? c.name ?? id), summary: text(c.summary ?? c.title ?? id) },
      });
      return String(run.id);
    }
    throw ApplicationFailure.nonRetryable(
      `github node "${id}": unknown action "${action}" (comment, label, check_run)`,
    );
  },
});
