import { z } from 'zod';
import { fit, LIMITS } from '../../forges/github/limits.js';
import { label } from './inputs.js';
import { tool } from './record.js';

export default tool({
  name: 'github_add_labels',
  description: 'Add labels to this issue, pull request or merge request.',
  input: z.strictObject({ labels: z.array(label).min(1).max(10) }),
  needs: { number: true, labels: true },
  // Label names within GitHub's 50 characters (a flow's template may render longer ones), cut visibly.
  prepare: (i) =>
    Array.isArray(i.labels)
      ? { ...i, labels: i.labels.map((l) => (typeof l === 'string' ? fit(l, LIMITS.labelName) : l)) }
      : i,
  async run({ input, number, act }) {
    const labels = await act.addLabels(number, input.labels);
    return { content: `labels now: ${labels.join(', ')}` };
  },
});
