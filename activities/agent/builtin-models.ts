// Built-in offline models (`builtin:<name>`): deterministic, no key needed, so the quick start does
// real work. They read only the event's metadata and answer in Markdown.
import type { Metadata } from '../../src/routing/metadata.js';

export interface BuiltinInput {
  agentName: string;
  instructions: string;
  metadata: Metadata;
  args?: string;
}

type Model = (input: BuiltinInput) => string;

const n = (v: unknown) => (typeof v === 'number' ? v : 0);

const codeReviewer: Model = ({ metadata: m }) => {
  const changed = n(m.pr_additions) + n(m.pr_deletions);
  const notes: string[] = [];
  if (m.pr_draft) notes.push('This is a draft: the review will be more useful once it is ready.');
  if (changed > 400) notes.push(`${changed} changed lines is a large review; consider splitting it.`);
  if (n(m.pr_changed_files) > 20) notes.push(`${m.pr_changed_files} files changed; a reviewer will need a map: describe the structure in the PR body.`);
  if (typeof m.pr_title === 'string' && m.pr_title.length < 10) notes.push('The title is very short; say what changes and why.');
  if (!notes.length) notes.push('Size and shape look easy to review.');
  return [
    `### Review of #${m.pr_number}: ${m.pr_title ?? ''}`,
    '',
    `\`${m.pr_head_ref}\` → \`${m.pr_base_ref}\` at \`${String(m.pr_head_sha ?? '').slice(0, 7)}\`: +${n(m.pr_additions)} −${n(m.pr_deletions)} in ${n(m.pr_changed_files)} file(s).`,
    '',
    ...notes.map((s) => `- ${s}`),
  ].join('\n');
};

const assistant: Model = ({ metadata: m, args }) =>
  `Received \`${m.event_type}${m.action ? `.${m.action}` : ''}\` on ${m.repo_full_name}${args ? ` with arguments \`${args}\`` : ''}.`;

export const BUILTIN_MODELS: Record<string, Model> = {
  'code-reviewer': codeReviewer,
  assistant,
};
