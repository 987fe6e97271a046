// A gate check's verdict on its check run: the conclusion with the first annotations, then the rest
// ANNOTATIONS_PER_REQUEST a request (GitHub takes 50 a request and appends each update's). Workflow code.
import { ANNOTATIONS_PER_REQUEST } from '../src/gate/report.js';

type Annotations = Record<string, unknown>[];

export async function postVerdict(
  all: Annotations,
  conclude: (first: Annotations) => Promise<unknown>,
  append: (more: Annotations, annotationsBefore: number) => Promise<unknown>,
): Promise<void> {
  await conclude(all.slice(0, ANNOTATIONS_PER_REQUEST));
  for (let i = ANNOTATIONS_PER_REQUEST; i < all.length; i += ANNOTATIONS_PER_REQUEST)
    await append(all.slice(i, i + ANNOTATIONS_PER_REQUEST), i);
}
