// `approval`: waits for `/approve` by allowed approvers (quorum, no self-approval, timeout, SHA-bound);
// each setting from the node's config, else the command's params. Its output is the decision.
import { approvalGate } from '../approval-gate.js';
import { clampedApproval } from '../protection-rule.js';
import { defineNode, duration } from './node-type.js';

export const approvalNode = defineNode({
  type: 'approval',
  acts: false,
  config: (z) =>
    z.looseObject({
      approvers: z.array(z.string()).optional(),
      min_approvers: z.number().int().positive().optional(),
      allow_author: z.boolean().optional(),
      min_permission: z.string().optional(),
      timeout: z.union([z.number(), z.string()]).optional(),
      reminder: z.union([z.number(), z.string()]).optional(),
    }),
  async run({ config: c }, flow) {
    const { input } = flow;
    if (input.params.require_approval === false) return 'approved';
    flow.setState('awaiting approval');
    const approvers = (c.approvers ?? input.params.approvers ?? []) as string[];
    const timeoutMs = duration(c.timeout ?? input.params.timeout, 24 * 3600_000);
    // A GitHub Actions deployment waits at most 30 days for the answer: the approval never waits longer.
    // (Replay-safe: only protection rule flows have `protectionRule`, input no earlier run had.)
    const window = input.protectionRule ? clampedApproval(input.protectionRule, timeoutMs, Date.now()) : undefined;
    flow.approval = await approvalGate(
      input.scope,
      {
        environment: flow.env,
        approvers,
        minApprovers: Number(c.min_approvers ?? input.params.min_approvers ?? 1),
        allowAuthor: Boolean(c.allow_author ?? input.params.allow_author ?? false),
        minPermission: (c.min_permission ?? input.params.min_permission) as string | undefined,
        timeoutMs: window?.timeoutMs ?? timeoutMs,
        ...(window ? { note: window.note } : {}),
        // A deployment of a push has no pull request: the request and `/approve` are on its commit.
        ...(input.protectionRule && input.scope.number === undefined ? { onCommit: true } : {}),
        reminderMs:
          (c.reminder ?? input.params.reminder) ? duration(c.reminder ?? input.params.reminder, 0) : undefined,
        requestedBy: String(input.metadata.sender_login),
        prAuthor: input.prAuthor,
        ...(input.prAuthorId !== undefined ? { prAuthorId: input.prAuthorId } : {}),
      },
      input.githubTaskQueue,
      flow.box,
    );
    return flow.approval.decision;
  },
});
