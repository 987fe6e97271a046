// Executes one tool call of an agent within the event's scope, on the event's forge. A generic dispatcher
// over the tool records (src/agents/tools.ts): the input is validated against the record's schema, the
// event must have what the record needs (an issue or change, a pull or merge request, the head commit),
// then the record's executor runs against the forge's actions (tool-actions.ts). The tools keep the names
// users write (github_post_comment...) on every forge. Invalid input and the forge's refusals (404,
// 422...) go back to the model as a tool error; rate limits and 5xx are thrown so Temporal retries.
import { ApplicationFailure } from '@temporalio/common';
import { parseToolInput, toolRecord, type ToolScope } from '../../src/agents/tools.js';
import { refusal, type ToolNeeds } from '../../src/agents/tools/record.js';
import type { GitHubClientFor } from '../../src/forges/github/client.js';
import type { ForgeName, ForgeVerbs } from '../../src/forges/port.js';
import { forgeActions, githubActions } from './tool-actions.js';

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

/** The event's issue or change number, when the tool needs what the scope has; a refusal otherwise. */
function checkNeeds(tool: string, needs: ToolNeeds, scope: ToolScope): number {
  if (needs.pull && !scope.isPullRequest) throw refusal(`${tool} works on pull and merge requests only`);
  if ((needs.number || needs.pull) && scope.number === undefined)
    throw refusal(`${tool} needs an issue or pull request, and this event has none`);
  if (needs.headSha && !scope.headSha) throw refusal('this event has no head commit');
  return scope.number ?? 0;
}

export function createRunTool(
  clientFor: GitHubClientFor,
  /** The adapter of a forge other than GitHub (undefined for GitHub); throws when it is not configured. */
  verbsOf: (t: { forge?: ForgeName }) => ForgeVerbs | undefined = () => undefined,
) {
  return async function runTool({ tool, input, scope, reviewEvents = ['COMMENT'] }: ToolCall): Promise<ToolOutcome> {
    const record = toolRecord(tool);
    if (!record) return { ok: false, invalid: true, content: `unknown tool "${tool}"` };
    const parsed = parseToolInput(record, input);
    if (!parsed.ok) return { ok: false, invalid: true, content: `invalid input for ${tool}: ${parsed.error}` };
    const verbs = verbsOf(scope);
    const act = verbs ? forgeActions(verbs, scope) : githubActions(clientFor, scope);
    try {
      const number = checkNeeds(tool, record.needs, scope);
      const result = await record.run({ input: parsed.value, scope, number, act, reviewEvents });
      return { ok: true, ...result };
    } catch (err) {
      // A final answer of the forge is the model's to handle; anything retryable is Temporal's.
      if (err instanceof ApplicationFailure && err.nonRetryable)
        return { ok: false, invalid: false, content: err.message };
      throw err;
    }
  };
}
