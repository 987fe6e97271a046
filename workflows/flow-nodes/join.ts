// `join`: named by AOF's flow examples, but a parallel node joins its own branches: refused by the loader.
import { ApplicationFailure } from '@temporalio/workflow';
import { defineNode } from './node-type.js';

export const joinNode = defineNode({
  type: 'join',
  acts: true,
  config: (z) => z.looseObject({}),
  check: () => [
    {
      key: 'type',
      message:
        'node type "join" is not run by the interpreter: a parallel node joins its own branches (config.join: all, any or majority)',
    },
  ],
  run: async ({ id }) => {
    throw ApplicationFailure.nonRetryable(`node "${id}": type "join" is not supported`);
  },
});
