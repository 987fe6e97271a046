// `wait`: a durable timer of `config.duration`.
import { sleep } from '@temporalio/workflow';
import { defineNode, duration } from './node-type.js';

export const waitNode = defineNode({
  type: 'wait',
  acts: true,
  config: (z) => z.looseObject({ duration: z.union([z.number(), z.string()]).optional() }),
  async run({ config }) {
    await sleep(duration(config.duration, 0));
    return 'waited';
  },
});
