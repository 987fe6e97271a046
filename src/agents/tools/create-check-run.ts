import { z } from 'zod';
import { checkOutputFields, checkOutputOf, checkStatus, conclusion, text } from './inputs.js';
import { tool } from './record.js';

export default tool({
  name: 'github_create_check_run',
  description:
    'Create a check on the head commit of this pull or merge request (a check run; a commit status on GitLab).',
  input: z.strictObject({
    name: text(100),
    status: checkStatus,
    conclusion: conclusion.optional(),
    ...checkOutputFields,
  }),
  needs: { number: true, pull: true, headSha: true },
  async run({ input, scope, act }) {
    const { name, status, conclusion } = input;
    const data = await act.createCheck({ headSha: scope.headSha!, name, status, conclusion, ...checkOutputOf(input) });
    return { content: `check run ${data.id} created (${data.state})`, checkRunId: data.id };
  },
});
