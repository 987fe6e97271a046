// One reviewer's analysis of a batch of functions in one model call, answered per function (JSON keyed by
// function id). The answer is untrusted: each function's part is validated on its own, and only the
// functions whose part is invalid are asked again, each alone (the whole batch once more first when the
// answer is unusable as a whole). A function invalid twice is recorded as this reviewer's error for it,
// without failing the review. Built-in rules answer offline.
import type { AnalysedFunction, ReviewerName, ReviewerResult } from '../../src/gate/types.js';
import {
  addUsage,
  totalTokens,
  zeroUsage,
  type ChatMessage,
  type ModelRequest,
  type ModelResponse,
  type Usage,
} from '../../src/agents/model-types.js';
import { BUILTIN_GATE_REVIEWER } from '../../src/gate/reviewer-model.js';
import { builtinResults } from '../untrusted/rules.js';
import {
  checkAnswer,
  FOCUS,
  GATE_SYSTEM,
  guidanceBlock,
  jsonObject,
  numbered,
  type ReviewOutput,
} from './gate-prompt.js';
import { instructionsFor, type PathInstruction } from '../../src/gate/repo-rules.js';

export interface ReviewBatchInput {
  reviewer: ReviewerName;
  model: string;
  offlineModel?: string;
  fns: AnalysedFunction[];
  /** The repository's path instructions for these functions: data in the user message, never the system prompt. */
  guidance?: PathInstruction[];
}

export interface ReviewBatchResult {
  /** One per function, in the batch's order. */
  results: ReviewerResult[];
  usage: Usage;
  calls: number;
}

/** Functions asked again alone per batch; beyond this the rest are recorded as errors (a model gone wrong). */
const MAX_ALONE = 5;

/** Output tokens the answer may take: room for a few findings per function. */
const maxTokensFor = (n: number) => Math.min(8192, 1024 + 256 * n);

/** A name or path on the function's header line: one line, no tag that could close the code block. */
const plain = (s: string) => [...s].map((c) => (c < ' ' || c === '<' || c === '>' ? '?' : c)).join('');

function userMessage(
  reviewer: ReviewerName,
  fns: AnalysedFunction[],
  ids: string[],
  guidance: PathInstruction[] = [],
): string {
  const blocks = fns.map(
    (fn, i) =>
      `[${ids[i]}] ${plain(fn.path)} ${plain(fn.name)} (lines ${fn.startLine}-${fn.endLine})\n<untrusted_code>\n${numbered(fn)}\n</untrusted_code>`,
  );
  return `Review category: ${FOCUS[reviewer]}.\nAnswer for each of these ${fns.length} function id(s): ${ids.join(', ')}.\n\n${guidanceBlock(guidance)}${blocks.join('\n\n')}`;
}

type Parsed = { answers: (ReviewOutput | string)[]; whole?: string };

/** Each function's part of the answer, checked on its own. */
function parseAnswer(text: string, fns: AnalysedFunction[], ids: string[]): Parsed {
  let value = jsonObject(text);
  if (typeof value === 'string') return { answers: fns.map(() => value as string), whole: value };
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    const whole = 'the answer is not a JSON object keyed by function id';
    return { answers: fns.map(() => whole), whole };
  }
  // One function: its bare {score, findings} is as good as the keyed form.
  if (fns.length === 1 && 'score' in value) value = { [ids[0]!]: value };
  const keyed = value as Record<string, unknown>;
  return {
    answers: fns.map((fn, i) =>
      keyed[ids[i]!] === undefined ? `no answer for ${ids[i]}` : checkAnswer(keyed[ids[i]!], fn),
    ),
  };
}

const answerText = (res: ModelResponse) => res.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n');

/** `lacksKey(model)`: the model's provider has no key on this worker, so the offline model answers. */
export function createGateBatchReview(
  modelTurn: (req: ModelRequest) => Promise<ModelResponse>,
  lacksKey: (model: string) => boolean,
) {
  return async function reviewBatch(input: ReviewBatchInput): Promise<ReviewBatchResult> {
    const { reviewer, fns } = input;
    const model = input.offlineModel && lacksKey(input.model) ? input.offlineModel : input.model;
    if (model === BUILTIN_GATE_REVIEWER)
      return {
        results: await Promise.all(fns.map(async (fn) => (await builtinResults([reviewer], fn))[0]!)),
        usage: zeroUsage(),
        calls: 0,
      };

    let usage = zeroUsage();
    let calls = 0;
    const ask = async (messages: ChatMessage[], n: number) => {
      const res = await modelTurn({
        agentName: `${reviewer}-reviewer`,
        model,
        tools: [],
        maxTokens: maxTokensFor(n),
        system: GATE_SYSTEM,
        messages,
      });
      calls++;
      usage = addUsage(usage, res.usage);
      return res;
    };

    const ids = fns.map((_, i) => `f${i + 1}`);
    const first = userMessage(reviewer, fns, ids, input.guidance);
    const res = await ask([{ role: 'user', content: first }], fns.length);
    // A call's tokens are shared among its functions by code size (for the tokens a later reuse saves).
    const sizes = fns.map((fn) => fn.code.length + 1);
    const total = sizes.reduce((a, b) => a + b, 0);
    const tokens = sizes.map(() => 0);
    const share = (u: Usage) => sizes.forEach((s, i) => (tokens[i]! += Math.round((totalTokens(u) * s) / total)));
    share(res.usage);
    let text = answerText(res);
    let parsed = parseAnswer(text, fns, ids);

    if (parsed.whole && fns.length > 1) {
      // Nothing usable at all (cut off, prose): the whole batch once more before asking one by one.
      const again = await ask(
        [
          { role: 'user', content: first },
          { role: 'assistant', content: text || '(empty)' },
          {
            role: 'user',
            content: `That answer was not valid (${parsed.whole}). Answer again with the JSON object only, one key per function id.`,
          },
        ],
        fns.length,
      );
      share(again.usage);
      text = answerText(again);
      parsed = parseAnswer(text, fns, ids);
    }

    const answers = parsed.answers;
    const askedAlone = fns.map(() => false);
    for (let i = 0; i < fns.length; i++) {
      const problem = answers[i];
      if (typeof problem !== 'string' || askedAlone.filter(Boolean).length >= MAX_ALONE) continue;
      askedAlone[i] = true;
      const fn = fns[i]!;
      const one = await ask(
        [
          {
            role: 'user',
            content: `${userMessage(reviewer, [fn], [ids[i]!], instructionsFor(input.guidance ?? [], [fn.path]))}\n\nYour earlier answer for ${ids[i]} was not valid (${problem}). Answer again for this function only, with the JSON object only.`,
          },
        ],
        1,
      );
      tokens[i]! += totalTokens(one.usage);
      answers[i] = parseAnswer(answerText(one), [fn], [ids[i]!]).answers[0]!;
    }

    const results = fns.map((_, i): ReviewerResult => {
      const a = answers[i]!;
      if (typeof a !== 'string') return { reviewer, findings: a.findings, score: a.score, tokens: tokens[i]! };
      const error =
        askedAlone[i] || parsed.whole ? `invalid output twice: ${a}` : `invalid output: ${a} (not asked again)`;
      return { reviewer, findings: [], score: 0, tokens: tokens[i]!, error: error.slice(0, 300) };
    });
    return { results, usage, calls };
  };
}
