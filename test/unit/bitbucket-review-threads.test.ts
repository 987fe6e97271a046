// Reading the bot's finding threads from Bitbucket's comments (Cloud's flat list, Data Center's nested one,
// both given as ThreadComment): a reply that dismisses the finding, however deep, and a resolution by someone
// other than the bot dismiss it; the bot's own resolution does not; a quoted marker is no thread.
import assert from 'node:assert/strict';
import { botThreads, type ThreadComment } from '../../src/forges/bitbucket/review-threads.js';

const M = (n: string) => `<!-- aof:finding=${n.repeat(24)} -->`;
const OP = '<!-- aof:op=abc -->';
const c = (o: Partial<ThreadComment> & { id: number; text: string }): ThreadComment => ({
  byBot: true,
  resolved: false,
  resolvedByBot: false,
  ...o,
});

describe('Bitbucket review threads: the bot threads read from comments', () => {
  it('dismissed by a reply (even a reply to a reply) or by a person resolving; not by the bot resolving', () => {
    const threads = botThreads(
      [
        c({ id: 1, text: `a\n\n${M('1')}`, path: 'src/a.ts' }),
        c({ id: 2, text: `b\n\n${M('2')}`, path: 'src/a.ts', resolved: true, resolvedByBot: true }),
        c({ id: 3, text: `c\n\n${M('3')}`, path: 'src/a.ts', resolved: true }),
        c({ id: 4, text: `d\n\n${OP}\n${M('4')}` }),
        c({ id: 10, text: 'why?', parent: 1, byBot: false }),
        c({ id: 11, text: "It's a false positive, ignore.", parent: 10, byBot: false }),
        c({ id: 12, text: `quoting ${M('5')}`, byBot: false }),
        c({ id: 13, text: `won't fix`, parent: 4, byBot: true }),
      ],
      OP,
    );
    assert.deepEqual([...threads.keys()], [M('1'), M('2'), M('3'), M('4')]);
    assert.deepEqual(
      [...threads.values()].map((t) => [t.id, t.resolved, t.dismissed, t.mine, t.path]),
      [
        ['1', false, true, false, 'src/a.ts'],
        ['2', true, false, false, 'src/a.ts'],
        ['3', true, true, false, 'src/a.ts'],
        ['4', false, false, true, undefined],
      ],
    );
  });
});
