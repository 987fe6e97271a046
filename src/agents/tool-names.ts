// The tools an agent may list in its YAML (names from the AOF reference). Constants only: workflow code
// imports this to enforce each agent's allow-list.
export const TOOL_NAMES = [
  'github_post_comment',
  'github_post_review',
  'github_add_labels',
  'github_remove_label',
  'github_create_check_run',
  'github_update_check_run',
] as const;

export type ToolName = (typeof TOOL_NAMES)[number];

export const isToolName = (name: string): name is ToolName => (TOOL_NAMES as readonly string[]).includes(name);
