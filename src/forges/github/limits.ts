// GitHub's limits on the texts it stores, and `fit`, which keeps a text within one: cut on a code-point
// boundary, with a visible note saying so. The activities apply them where each write is made, so every
// path (agents, tools, flows, fleets, the gate) is covered in one place. Pure: workflow code may use it.
//
// GitHub counts comment and review bodies in characters ("Body is too long (maximum is 65536
// characters)") and check-run summaries and texts in bytes ("summary exceeds a maximum bytesize of
// 65535"). Characters are counted here as UTF-16 code units, never fewer than GitHub's code points.

import { fit, type Limit } from '../text-limits.js';

export { cutNote, fit, less, sizeOf, type Limit, type Unit } from '../text-limits.js';

export const LIMITS = {
  /** Issue and pull request comments. */
  commentBody: { max: 65536, unit: 'chars' },
  /** Pull request reviews. */
  reviewBody: { max: 65536, unit: 'chars' },
  /** A check run's output.summary. */
  checkSummary: { max: 65535, unit: 'bytes' },
  /** A check run's output.text. */
  checkText: { max: 65535, unit: 'bytes' },
  /** An annotation's title. */
  annotationTitle: { max: 255, unit: 'chars' },
  /** An annotation's message (64 KB). */
  annotationMessage: { max: 64 * 1024, unit: 'bytes' },
  /** An annotation's raw_details (64 KB). */
  annotationDetails: { max: 64 * 1024, unit: 'bytes' },
  /** A commit status's description. */
  statusDescription: { max: 140, unit: 'chars' },
  /** A label's name. */
  labelName: { max: 50, unit: 'chars' },
} as const satisfies Record<string, Limit>;

/** A check run's output within GitHub's limits: summary, text and each annotation's fields. */
export function fitCheckOutput<T extends { summary?: string; text?: string; annotations?: unknown[] }>(output: T): T {
  const out: T = { ...output };
  if (typeof out.summary === 'string') out.summary = fit(out.summary, LIMITS.checkSummary);
  if (typeof out.text === 'string') out.text = fit(out.text, LIMITS.checkText);
  if (Array.isArray(out.annotations)) out.annotations = out.annotations.map(fitAnnotation);
  return out;
}

/** An annotation's fields in GitHub's API (a finding's `key` is the port's, never sent). */
const ANNOTATION_FIELDS = [
  'path',
  'start_line',
  'end_line',
  'start_column',
  'end_column',
  'annotation_level',
  'message',
  'title',
  'raw_details',
];

function fitAnnotation(a: unknown): unknown {
  if (!a || typeof a !== 'object') return a;
  const out = Object.fromEntries(
    Object.entries(a as Record<string, unknown>).filter(([k]) => ANNOTATION_FIELDS.includes(k)),
  );
  if (typeof out.title === 'string') out.title = fit(out.title, LIMITS.annotationTitle);
  if (typeof out.message === 'string') out.message = fit(out.message, LIMITS.annotationMessage);
  if (typeof out.raw_details === 'string') out.raw_details = fit(out.raw_details, LIMITS.annotationDetails);
  return out;
}
