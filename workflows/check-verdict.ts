// How a gate review concludes its check run: with its verdict, or, however else it ended, cancelled or
// failed, so that no check stays in progress. Workflow code.
import { CancellationScope, isCancellation, workflowInfo } from '@temporalio/workflow';
import { publicFailure } from '../src/agents/public-error.js';
import { ANNOTATIONS_PER_REQUEST } from '../src/gate/report.js';

type Annotations = Record<string, unknown>[];

/** The verdict: the conclusion with the first annotations, the rest 50 a request (GitHub appends each update's). */
export async function postVerdict(
  all: Annotations,
  conclude: (first: Annotations) => Promise<unknown>,
  append: (more: Annotations, annotationsBefore: number) => Promise<unknown>,
): Promise<void> {
  await conclude(all.slice(0, ANNOTATIONS_PER_REQUEST));
  for (let i = ANNOTATIONS_PER_REQUEST; i < all.length; i += ANNOTATIONS_PER_REQUEST)
    await append(all.slice(i, i + ANNOTATIONS_PER_REQUEST), i);
}

/**
 * After a review failed or was cancelled: concludes its check run (cancelled, or failed), out of reach of
 * the cancellation, when the run was created. Whether there was a check run to conclude.
 */
export function concludeAbandoned(
  created: Promise<unknown>,
  err: unknown,
  conclude: (cancelled: boolean) => Promise<unknown>,
): Promise<boolean> {
  return CancellationScope.nonCancellable(async () => {
    // Without a check run there is nothing to conclude; its in_progress lands before the conclusion.
    if (
      !(await created.then(
        () => true,
        () => false,
      ))
    )
      return false;
    await conclude(isCancellation(err));
    return true;
  });
}

/** What users see instead of the real error: no stack, token, URL or payload (the history keeps those). */
export function sanitized(err: unknown): string {
  const type = (err as { cause?: { type?: string }; type?: string }).cause?.type ?? (err as { type?: string }).type;
  return `The analysis could not complete: ${publicFailure(type, workflowInfo().workflowId)}`;
}
