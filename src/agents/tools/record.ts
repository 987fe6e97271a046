// What a built-in tool is: one record with its name, what the model is told, its input schema, what the
// event must have for it (an issue or change, a pull or merge request, the head commit, labels on the
// forge) and its executor, written against the forge-neutral actions (ToolActions) that each forge's
// adapter provides (activities/forge/tool-actions.ts). The registry (../tools.ts) lists the records.
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import type { CheckConclusion, CheckOutput, CheckStatus, ReviewLineComment } from '../../forges/port.js';
import type { ToolScope } from '../tools.js';

export type ReviewEvent = 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT';

export interface CheckChange {
  status?: CheckStatus;
  conclusion?: CheckConclusion;
  output?: CheckOutput;
}

/** What a tool may do on one forge, on the scope's issue, pull or merge request. */
export interface ToolActions {
  /** A comment, or the run's own comment (`commentId`) edited. */
  comment(n: number, body: string, commentId?: number): Promise<{ id: number }>;
  /** A review; `comments` on lines of the head (with suggestions), in the same review where the forge has them. */
  review(
    n: number,
    body: string,
    event: ReviewEvent,
    headSha?: string,
    comments?: ReviewLineComment[],
  ): Promise<{ id: number }>;
  /** The labels the issue or change has afterwards. */
  addLabels(n: number, labels: string[]): Promise<string[]>;
  removeLabel(n: number, label: string): Promise<void>;
  /** The check's id, and its state as the forge names it. */
  createCheck(
    c: CheckChange & { name: string; headSha: string; status: CheckStatus },
  ): Promise<{ id: number; state: string }>;
  /** The check's state afterwards, as the forge names it. */
  updateCheck(id: number, c: CheckChange): Promise<string>;
}

/** What the event must have before the tool runs; the dispatcher refuses the call otherwise. */
export interface ToolNeeds {
  /** An issue, pull or merge request (`number`). */
  number?: boolean;
  /** A pull or merge request. */
  pull?: boolean;
  /** The change's head commit. */
  headSha?: boolean;
  /** Labels on the forge (Bitbucket has none: src/config/check-forges.ts warns at validation). */
  labels?: boolean;
}

/** What a tool's executor gets: its validated input, the event's scope with what it needs resolved. */
export interface ToolContext<I> {
  input: I;
  scope: ToolScope;
  /** The issue or change number (present when the record needs one). */
  number: number;
  act: ToolActions;
  /** The review events the agent's YAML allows (review_events). */
  reviewEvents: string[];
}

export interface ToolResult {
  content: string;
  /** The run's comment (later posts update it in place). */
  commentId?: number;
  /** A check the run created (the only ones it may update). */
  checkRunId?: number;
}

export interface ToolRecord<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  input: S;
  needs: ToolNeeds;
  /** Adjusts raw input before validation (e.g. label names cut to the forge's limit). */
  prepare?(input: Record<string, unknown>): Record<string, unknown>;
  run(ctx: ToolContext<z.infer<S>>): Promise<ToolResult>;
}

/** A record, typed by its schema (the registry holds them as ToolRecord). */
export const tool = <S extends z.ZodType>(r: ToolRecord<S>): ToolRecord => r as unknown as ToolRecord;

/** The forge's or the scope's final "no": the model is told, nothing is retried. */
export function refusal(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'ToolRefused', message, nonRetryable: true });
}
