// An agent's review with line comments, as the fake model asks for it in the GitHub and GitLab tests: a
// small added function, and github_post_review with a comment on one line and one on a range.

/** The function's lines (an added file `src/total.ts`). */
export const TOTAL_SOURCE = [
  'export function total(items: number[]) {',
  '  let sum = 0;',
  '  for (let i = 0; i < items.length; i++) sum += items[i];',
  '  return sum;',
  '}',
];

/** The tool call: a replacement on line 3, and a comment on lines 2-4 (with a replacement when `rangeFix`). */
export const reviewWithComments = (rangeFix: boolean): [string, unknown] => [
  'github_post_review',
  {
    body: 'Two remarks.',
    event: 'COMMENT',
    comments: [
      {
        path: 'src/total.ts',
        line: 3,
        body: 'An index loop where reduce says it.',
        replacement: '  sum = items.reduce((a, b) => a + b, 0);',
      },
      {
        path: 'src/total.ts',
        start_line: 2,
        line: 4,
        body: 'One expression.',
        ...(rangeFix ? { replacement: '  return items.reduce((a, b) => a + b, 0);' } : {}),
      },
    ],
  },
];
