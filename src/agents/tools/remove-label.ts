import { z } from 'zod';
import { fit, LIMITS } from '../../forges/github/limits.js';
import { label } from './inputs.js';
import { tool } from './record.js';

export default tool({
  name: 'github_remove_label',
  description: 'Remove one label from this issue, pull request or merge request.',
  input: z.strictObject({ label }),
  needs: { number: true, labels: true },
  prepare: (i) => ('label' in i && typeof i.label === 'string' ? { ...i, label: fit(i.label, LIMITS.labelName) } : i),
  async run({ input, number, act }) {
    await act.removeLabel(number, input.label);
    return { content: `label "${input.label}" removed` };
  },
});
