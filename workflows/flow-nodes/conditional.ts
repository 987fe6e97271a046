// `conditional`: evaluates `config.expression` over the flow's values; its output is `true` or `false`,
// which the connections' `when` read.
import { compile } from '../../src/flows/expression.js';
import { defineNode } from './node-type.js';

export const conditionalNode = defineNode({
  type: 'conditional',
  acts: false,
  config: (z) => z.looseObject({ expression: z.string({ error: 'a conditional node needs config.expression' }) }),
  check(c) {
    try {
      compile(c.expression);
      return [];
    } catch (e) {
      return [{ key: 'config.expression', message: (e as Error).message }];
    }
  },
  run: async ({ config }, flow) => String(Boolean(compile(String(config.expression))(flow.scope))),
});
