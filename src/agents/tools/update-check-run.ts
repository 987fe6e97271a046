import { z } from 'zod';
import { checkOutputFields, checkOutputOf, checkStatus, conclusion } from './inputs.js';
import { refusal, tool } from './record.js';

export default tool({
  name: 'github_update_check_run',
  description: 'Update a check this run created (status, conclusion, output).',
  input: z.strictObject({
    check_run_id: z.number().int(),
    status: checkStatus.optional(),
    conclusion: conclusion.optional(),
    ...checkOutputFields,
  }),
  needs: {},
  async run({ input, scope, act }) {
    // Only the run's own checks: their ids are in the scope, added as the run created them.
    if (!scope.checkRunIds.includes(input.check_run_id))
      throw refusal(`check run ${input.check_run_id} was not created by this run`);
    const { check_run_id, status, conclusion } = input;
    const state = await act.updateCheck(check_run_id, { status, conclusion, ...checkOutputOf(input) });
    return { content: `check run ${check_run_id} updated (${state})` };
  },
});
