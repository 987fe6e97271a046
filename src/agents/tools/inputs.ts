// Input pieces several tools share.
import { z } from 'zod';
import { LIMITS } from '../../forges/github/limits.js';

export const text = (max: number) => z.string().min(1).max(max);
export const label = z.string().min(1).max(LIMITS.labelName.max);
export const checkStatus = z.enum(['queued', 'in_progress', 'completed']);
export const conclusion = z.enum([
  'success',
  'failure',
  'neutral',
  'cancelled',
  'skipped',
  'timed_out',
  'action_required',
]);
export const checkOutputFields = {
  title: text(255).optional(),
  summary: text(65535).optional(),
  text: text(65535).optional(),
};

/** A check's output, when the model gave both its title and summary. */
export const checkOutputOf = (v: { title?: string; summary?: string; text?: string }) =>
  v.title && v.summary ? { output: { title: v.title, summary: v.summary, text: v.text } } : {};
