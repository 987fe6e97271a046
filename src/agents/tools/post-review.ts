import { z } from 'zod';
import { LIMITS } from '../../forges/github/limits.js';
import { MAX_REPLACEMENT } from '../../gate/types.js';
import { text } from './inputs.js';
import { refusal, tool } from './record.js';

/** Line comments in one review at most: one request, one notification, bounded in the run's history. */
export const MAX_REVIEW_COMMENTS = 30;

const line = z.number().int().positive();

export default tool({
  name: 'github_post_review',
  description:
    'Submit a review of this pull or merge request: APPROVE, REQUEST_CHANGES or COMMENT, with a Markdown body, and optionally comments on lines of its head (`line`, or `start_line`..`line`, on the new side of the diff: changed or context lines) each with an optional `replacement`: the code that replaces those lines, shown as a suggestion the author can commit.',
  input: z.strictObject({
    body: text(LIMITS.reviewBody.max),
    event: z.enum(['APPROVE', 'REQUEST_CHANGES', 'COMMENT']),
    comments: z
      .array(
        z
          .strictObject({
            path: text(1000),
            line,
            start_line: line.optional(),
            body: text(16_000),
            replacement: z.string().max(MAX_REPLACEMENT).optional(),
          })
          .refine((c) => c.start_line === undefined || c.start_line < c.line, {
            message: 'start_line must come before line',
            path: ['start_line'],
          }),
      )
      .max(MAX_REVIEW_COMMENTS)
      .optional(),
  }),
  needs: { number: true, pull: true },
  async run({ input, scope, number, act, reviewEvents }) {
    if (!reviewEvents.includes(input.event))
      throw refusal(
        `this agent may not ${input.event === 'APPROVE' ? 'approve' : 'request changes'}: its review_events allow ${reviewEvents.join(', ')}`,
      );
    const data = await act.review(number, input.body, input.event, scope.headSha, input.comments);
    const lines = input.comments?.length ? ` with ${input.comments.length} line comment(s)` : '';
    return { content: `review ${data.id} submitted (${input.event})${lines}` };
  },
});
