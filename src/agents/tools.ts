// The built-in tools' registry: one record per tool (src/agents/tools/<tool>.ts), listed here once. The
// loader's check of an agent's `tools`, the definitions the model APIs get and the forge activity's
// dispatcher (activities/forge/run-tool.ts) all read it. No tool takes an owner, repository or issue
// number: every call acts on the event's own repository and issue or pull request (the ToolScope), so
// the model cannot name another target. Workflow code imports types from here only (zod stays out of the
// workflow bundle): it uses the agent's `tools`, checked by the loader, as the allow-list.
import { z } from 'zod';
import type { ForgeName } from '../forges/port.js';
import addLabels from './tools/add-labels.js';
import createCheckRun from './tools/create-check-run.js';
import postComment from './tools/post-comment.js';
import postReview from './tools/post-review.js';
import type { ToolRecord } from './tools/record.js';
import removeLabel from './tools/remove-label.js';
import updateCheckRun from './tools/update-check-run.js';

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

/** Every built-in tool, in the order the docs list them. */
export const TOOLS: readonly ToolRecord[] = [
  postComment,
  postReview,
  addLabels,
  removeLabel,
  createCheckRun,
  updateCheckRun,
];

const BY_NAME = new Map(TOOLS.map((t) => [t.name, t]));

export const TOOL_NAMES: readonly string[] = TOOLS.map((t) => t.name);

export const toolRecord = (name: string): ToolRecord | undefined => BY_NAME.get(name);

export interface ToolDefinition {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}

/** What the model is told about the built-in tools `names`, then any others (an agent's MCP tools). */
export function toolDefinitions(names: readonly string[], others: readonly ToolDefinition[] = []): ToolDefinition[] {
  const builtIn = names.flatMap((name) => {
    const record = BY_NAME.get(name);
    if (!record) return [];
    const { $schema: _, ...schema } = z.toJSONSchema(record.input) as Record<string, unknown>;
    return [{ name, description: record.description, input_schema: schema }];
  });
  return [...builtIn, ...others];
}

/** Validates a model's tool input; the error names each bad field, for the model to correct. */
export function parseToolInput(
  record: ToolRecord,
  input: unknown,
): { ok: true; value: unknown } | { ok: false; error: string } {
  const prepared = input && typeof input === 'object' && record.prepare ? record.prepare(input as any) : input;
  const r = record.input.safeParse(prepared);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, error: r.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ') };
}
