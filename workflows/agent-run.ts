// An agent run: model turns and tool calls, each its own activity, until the model's final answer or
// max_iterations. A worker that dies mid-run resumes from the last completed activity: no GitHub write
// is repeated. The agent can call only the tools its YAML lists, only on the event's own target.
import { forgeOf, forgeTargetOf } from '../src/forges/port.js';
import { markRun } from './run-attributes.js';
import {
  ApplicationFailure,
  CancellationScope,
  deprecatePatch,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { MemoryActivities } from '../activities/memory/index.js';
import {
  addUsage,
  totalTokens,
  zeroUsage,
  type ChatMessage,
  type ContentBlock,
  type Usage,
} from '../src/agents/model-types.js';
import { answerFormat, reportOf, retryMessage } from '../src/agents/output-schema.js';
import { systemPrompt, userMessage, type UntrustedContent } from '../src/agents/prompt.js';
import { isToolName, type ToolName } from '../src/agents/tool-names.js';
import type { ToolScope } from '../src/agents/tools.js';
import type { Agent } from '../src/config/schema.js';
import type { Metadata } from '../src/routing/metadata.js';
import { answerActivities, forgeActivities, modelActivities } from './activities.js';

export interface AgentRunInput {
  agentName: string;
  spec: Agent['spec'];
  metadata: Metadata;
  data: UntrustedContent;
  args?: string;
  scope: ToolScope;
  githubTaskQueue: string;
  /** Tokens (input + output + cache) the run may spend. */
  tokenBudget: number;
  modelTurnTimeoutSecs: number;
  /** runtime.task_timeout_secs: no model turn starts or runs past this many seconds after the run began. */
  taskTimeoutSecs?: number;
  /** Post the final answer as the run's comment (a fleet member leaves that to the fleet). */
  postAnswer: boolean;
}

export interface ToolCallRecord {
  tool: string;
  ok: boolean;
  result: string;
}

export interface AgentRunResult {
  agent: string;
  answer: string;
  turns: number;
  usage: Usage;
  toolCalls: ToolCallRecord[];
  commentId?: number;
  stopped: 'answer' | 'max_iterations' | 'task_timeout';
  /** The answer as JSON, validated against the agent's output_schema (or, on passthrough, as the model gave it). */
  output?: unknown;
  /** Why the answer was kept though it does not match the output_schema (on_validation_error: passthrough). */
  outputWarning?: string;
}

const { recallConversation, rememberExchange } = proxyActivities<MemoryActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

/** What the run was asked, as its memory keeps it: the comment, or the issue or PR's title and body. */
const askedOf = (data: UntrustedContent, args?: string) =>
  [data.comment ?? [data.title, data.body].filter(Boolean).join('\n\n'), args ? `(arguments: ${args})` : '']
    .filter(Boolean)
    .join('\n');

const textOf = (blocks: ContentBlock[]) =>
  blocks
    .flatMap((b) => (b.type === 'text' ? [b.text] : []))
    .join('\n')
    .trim();

export async function agentRunWorkflow(input: AgentRunInput): Promise<AgentRunResult> {
  const { spec, agentName } = input;
  const setState = markRun(
    'agentRunWorkflow',
    {
      kind: 'agent',
      forge: forgeOf(input.scope),
      repository: `${input.scope.owner}/${input.scope.repo}`,
      number: input.scope.number,
    },
    'running',
  );
  const { modelTurn } = modelActivities(input.modelTurnTimeoutSecs);
  const forge = forgeActivities(input.githubTaskQueue);
  const { checkAnswer } = answerActivities();
  const allowed = spec.tools.filter(isToolName) as ToolName[];
  const scope: ToolScope = { ...input.scope, checkRunIds: [...input.scope.checkRunIds] };
  const number = input.scope.number;
  // Memory: the agent's earlier exchanges on this issue or PR, given as data (never as instructions).
  if (spec.memory && number !== undefined) deprecatePatch('agent-memory');
  const memoryKey =
    spec.memory && number !== undefined
      ? { memory: spec.memory, key: `${agentName}/${input.scope.owner}/${input.scope.repo}#${number}` }
      : undefined;
  const earlier = memoryKey ? await recallConversation(memoryKey) : [];
  const data: UntrustedContent = earlier.length
    ? { ...input.data, earlier: earlier.map(({ at, asked, answer }) => ({ at, asked, answer })) }
    : input.data;
  const messages: ChatMessage[] = [{ role: 'user', content: userMessage(input.metadata, data, input.args) }];
  // The task timeout bounds the run's model turns; a tool call that started finishes (it may be a write).
  if (input.taskTimeoutSecs !== undefined) deprecatePatch('agent-task-timeout');
  const deadline = input.taskTimeoutSecs !== undefined ? Date.now() + input.taskTimeoutSecs * 1000 : undefined;
  // output_schema: the loader's strict schema refused the key before, so no run started earlier has it and
  // every new step below taken only with it is replay-safe (no patch needed).
  const typed = spec.output_schema;
  const system = typed
    ? `${systemPrompt(spec.instructions, input.metadata)}\n\n${answerFormat(typed)}`
    : systemPrompt(spec.instructions, input.metadata);
  let retries = 0;
  let output: unknown;
  let outputWarning: string | undefined;
  const toolCalls: ToolCallRecord[] = [];
  let usage = zeroUsage();
  let invalidTurns = 0;
  let answer = '';
  let stopped: AgentRunResult['stopped'] = 'max_iterations';
  let turns = 0;

  const record = (details: string) => {
    setCurrentDetails(`agent ${agentName} (${spec.model}): ${details}\n\ntokens: ${JSON.stringify(usage)}`);
    upsertMemo({ usage, turns });
  };

  // Asking again for a valid answer does not use up the agent's iterations (retries is 0 without output_schema).
  while (turns < spec.max_iterations + retries) {
    turns++;
    record(`turn ${turns}: thinking`);
    const request = {
      agentName,
      model: spec.model,
      offlineModel: spec.offline_model,
      system,
      messages,
      tools: allowed,
      maxTokens: spec.max_tokens ?? 4096,
      temperature: spec.temperature,
    };
    const res =
      deadline === undefined ? await modelTurn(request) : await beforeDeadline(deadline, () => modelTurn(request));
    if (res === undefined) {
      stopped = 'task_timeout';
      break;
    }
    usage = addUsage(usage, res.usage);
    messages.push({ role: 'assistant', content: res.content });
    if (totalTokens(usage) > input.tokenBudget) {
      record('token budget reached');
      throw ApplicationFailure.nonRetryable(
        `agent "${agentName}" reached its token budget (${totalTokens(usage)} > ${input.tokenBudget} tokens) after ${turns} turn(s)`,
        'TokenBudgetExceeded',
      );
    }
    const uses = res.content.filter((b): b is Extract<ContentBlock, { type: 'tool_use' }> => b.type === 'tool_use');
    if (uses.length === 0) {
      answer = textOf(res.content);
      if (typed) {
        // Only runs with output_schema (replay-safe: see `typed` above).
        record(`turn ${turns}: checking the answer against output_schema`);
        const check = await checkAnswer({ spec: typed, answer });
        if (!check.ok && typed.on_validation_error === 'retry' && retries < typed.max_retries) {
          retries++;
          messages.push({ role: 'user', content: retryMessage(check.errors, retries, typed.max_retries) });
          continue;
        }
        if (!check.ok && typed.on_validation_error !== 'passthrough') {
          record('the answer does not match output_schema');
          const after =
            typed.on_validation_error === 'retry' ? ` after ${retries} retr${retries === 1 ? 'y' : 'ies'}` : '';
          throw ApplicationFailure.nonRetryable(
            `agent "${agentName}" gave an answer that does not match its output_schema${after}: ${reportOf(check.errors)}`,
            'OutputSchemaMismatch',
          );
        }
        output = check.output;
        if (!check.ok) {
          outputWarning = `the answer does not match output_schema, kept as it is (passthrough): ${reportOf(check.errors)}`;
          log.warn(`agent ${agentName}: ${outputWarning}`);
        }
      }
      stopped = 'answer';
      break;
    }
    const results: ContentBlock[] = [];
    let invalid = false;
    for (const use of uses) {
      record(`turn ${turns}: ${use.name}`);
      const outcome = allowed.includes(use.name as ToolName)
        ? await forge.runTool({ tool: use.name, input: use.input, scope, reviewEvents: spec.review_events })
        : {
            ok: false as const,
            invalid: true,
            content: `tool "${use.name}" is not available to this agent (allowed: ${allowed.join(', ') || 'none'})`,
          };
      if (outcome.ok) {
        if (outcome.commentId) scope.commentId = outcome.commentId;
        if (outcome.checkRunId) scope.checkRunIds.push(outcome.checkRunId);
      } else if (outcome.invalid) {
        invalid = true;
      }
      toolCalls.push({ tool: use.name, ok: outcome.ok, result: outcome.content });
      results.push({
        type: 'tool_result',
        tool_use_id: use.id,
        content: outcome.content,
        ...(outcome.ok ? {} : { is_error: true }),
      });
    }
    // Invalid calls are explained to the model once; a second turn with one ends the run.
    if (invalid && ++invalidTurns > 1) {
      const last = toolCalls.filter((c) => !c.ok).map((c) => `${c.tool}: ${c.result}`);
      throw ApplicationFailure.nonRetryable(
        `agent "${agentName}" made invalid tool calls again after being told: ${last.join(' | ')}`,
        'InvalidToolCalls',
      );
    }
    messages.push({ role: 'user', content: results });
  }
  if (stopped === 'max_iterations')
    answer = `Stopped after ${spec.max_iterations} iteration(s) without a final answer.`;
  if (stopped === 'task_timeout')
    answer = `Stopped after ${input.taskTimeoutSecs} s (runtime.task_timeout_secs) without a final answer.`;
  if (input.postAnswer && answer && number !== undefined && scope.commentId === undefined) {
    record('posting the answer');
    const posted = await forge.postComment({
      ...forgeTargetOf(scope),
      issueNumber: number,
      body: answer,
    });
    scope.commentId = posted.id;
  } else if (input.postAnswer && answer && scope.commentId !== undefined) {
    deprecatePatch('final-answer-updates-comment');
    // The run already has its comment ("Looking into this..."): the answer replaces it in place.
    record('updating the comment with the answer');
    await forge.updateComment({
      ...forgeTargetOf(scope),
      // GitLab edits a note through its merge request. (An activity's input is not compared on replay.)
      number,
      commentId: scope.commentId,
      body: answer,
    });
  }
  if (memoryKey && stopped === 'answer') {
    record('remembering the exchange');
    await rememberExchange({
      ...memoryKey,
      exchange: {
        run: workflowInfo().workflowId,
        at: new Date(Date.now()).toISOString(),
        asked: askedOf(input.data, input.args),
        answer,
      },
    });
  }
  record(`done (${stopped})${outputWarning ? `\n\nwarning: ${outputWarning}` : ''}`);
  setState(stopped === 'answer' ? 'completed' : stopped);
  return {
    agent: agentName,
    answer,
    turns,
    usage,
    toolCalls,
    commentId: scope.commentId,
    stopped,
    ...(output !== undefined ? { output } : {}),
    ...(outputWarning ? { outputWarning } : {}),
  };
}

/** `fn`'s result, or undefined when the deadline passes first (the model call is then cancelled). */
async function beforeDeadline<T>(deadline: number, fn: () => Promise<T>): Promise<T | undefined> {
  const left = deadline - Date.now();
  if (left <= 0) return undefined;
  try {
    return await CancellationScope.withTimeout(left, fn);
  } catch (err) {
    // Cancelled by the timeout, not by whoever cancelled the whole run.
    if (isCancellation(err) && !CancellationScope.current().consideredCancelled) return undefined;
    throw err;
  }
}
