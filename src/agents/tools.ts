// Tool definitions: what the model is told (description, JSON input schema) and how its input is
// validated. No tool takes an owner, repository or issue number: every call acts on the event's own
// repository and issue or pull request (the ToolScope), so the model cannot name another target.
import { z } from 'zod';
import type { ToolName } from './tool-names.js';
import type { ForgeName } from '../forges/port.js';
import { LIMITS } from '../forges/github/limits.js';

export interface ToolScope {
  /** Absent: GitHub. */
  forge?: ForgeName;
  owner: string;
  repo: string;
  installationId?: number;
  /** The issue or PR of the event. */
  number?: number;
  isPullRequest: boolean;
  headSha?: string;
  /** The run's own comment, updated in place by later posts. */
  commentId?: number;
  /** Check runs this run created: the only ones it may update. */
  checkRunIds: number[];
}

const text = (max: number) => z.string().min(1).max(max);
const label = z.string().min(1).max(LIMITS.labelName.max);
const checkStatus = z.enum(['queued', 'in_progress', 'completed']);
const conclusion = z.enum(['success', 'failure', 'neutral', 'cancelled', 'skipped', 'timed_out', 'action_required']);
const output = { title: text(255).optional(), summary: text(65535).optional(), text: text(65535).optional() };

export const TOOL_SCHEMAS = {
  github_post_comment: z.strictObject({ body: text(LIMITS.commentBody.max) }),
  github_post_review: z.strictObject({
    body: text(LIMITS.reviewBody.max),
    event: z.enum(['APPROVE', 'REQUEST_CHANGES', 'COMMENT']),
  }),
  github_add_labels: z.strictObject({ labels: z.array(label).min(1).max(10) }),
  github_remove_label: z.strictObject({ label }),
  github_create_check_run: z.strictObject({
    name: text(100),
    status: checkStatus,
    conclusion: conclusion.optional(),
    ...output,
  }),
  github_update_check_run: z.strictObject({
    check_run_id: z.number().int(),
    status: checkStatus.optional(),
    conclusion: conclusion.optional(),
    ...output,
  }),
} satisfies Record<ToolName, z.ZodType>;

const DESCRIPTIONS: Record<ToolName, string> = {
  github_post_comment:
    'Post a Markdown comment on this issue, pull request or merge request (a later call updates the same comment).',
  github_post_review:
    'Submit a review of this pull or merge request: APPROVE, REQUEST_CHANGES or COMMENT, with a Markdown body.',
  github_add_labels: 'Add labels to this issue, pull request or merge request.',
  github_remove_label: 'Remove one label from this issue, pull request or merge request.',
  github_create_check_run:
    'Create a check on the head commit of this pull or merge request (a check run; a commit status on GitLab).',
  github_update_check_run: 'Update a check this run created (status, conclusion, output).',
};

export interface ToolDefinition {
  name: ToolName;
  description: string;
  input_schema: Record<string, unknown>;
}

export function toolDefinitions(names: readonly ToolName[]): ToolDefinition[] {
  return names.map((name) => {
    const { $schema: _, ...schema } = z.toJSONSchema(TOOL_SCHEMAS[name]) as Record<string, unknown>;
    return { name, description: DESCRIPTIONS[name], input_schema: schema };
  });
}

/** Validates a model's tool input; the error names each bad field, for the model to correct. */
export function parseToolInput<N extends ToolName>(
  name: N,
  input: unknown,
): { ok: true; value: z.infer<(typeof TOOL_SCHEMAS)[N]> } | { ok: false; error: string } {
  const r = TOOL_SCHEMAS[name].safeParse(input);
  if (r.success) return { ok: true, value: r.data as z.infer<(typeof TOOL_SCHEMAS)[N]> };
  return { ok: false, error: r.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ') };
}
