// `end`: ends the flow with `config.status` (default `completed`).
import { defineNode } from './node-type.js';

export const endNode = defineNode({
  type: 'end',
  acts: false,
  config: (z) => z.looseObject({ status: z.string().optional() }),
  async run({ config }, flow) {
    flow.status = String(config.status ?? 'completed');
    return flow.status;
  },
});
