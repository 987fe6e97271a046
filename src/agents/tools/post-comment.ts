import { z } from 'zod';
import { LIMITS } from '../../forges/github/limits.js';
import { text } from './inputs.js';
import { tool } from './record.js';

export default tool({
  name: 'github_post_comment',
  description:
    'Post a Markdown comment on this issue, pull request or merge request (a later call updates the same comment).',
  input: z.strictObject({ body: text(LIMITS.commentBody.max) }),
  needs: { number: true },
  async run({ input, scope, number, act }) {
    const data = await act.comment(number, input.body, scope.commentId);
    return { content: `comment ${data.id} ${scope.commentId ? 'updated' : 'posted'}`, commentId: data.id };
  },
});
