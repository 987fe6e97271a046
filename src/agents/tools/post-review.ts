import { z } from 'zod';
import { LIMITS } from '../../forges/github/limits.js';
import { text } from './inputs.js';
import { refusal, tool } from './record.js';

export default tool({
  name: 'github_post_review',
  description:
    'Submit a review of this pull or merge request: APPROVE, REQUEST_CHANGES or COMMENT, with a Markdown body.',
  input: z.strictObject({
    body: text(LIMITS.reviewBody.max),
    event: z.enum(['APPROVE', 'REQUEST_CHANGES', 'COMMENT']),
  }),
  needs: { number: true, pull: true },
  async run({ input, scope, number, act, reviewEvents }) {
    if (!reviewEvents.includes(input.event))
      throw refusal(
        `this agent may not ${input.event === 'APPROVE' ? 'approve' : 'request changes'}: its review_events allow ${reviewEvents.join(', ')}`,
      );
    const data = await act.review(number, input.body, input.event, scope.headSha);
    return { content: `review ${data.id} submitted (${input.event})` };
  },
});
