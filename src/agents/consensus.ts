// How a peer fleet decides: each member's verdict (a `VERDICT: X` line, or the heading of its answer),
// combined by majority, unanimity or weight. Pure, so workflow code can use it.

export type ConsensusRule = 'majority' | 'unanimous' | 'weighted';

export interface Vote {
  member: string;
  verdict: string;
  weight: number;
}

export interface Decision {
  rule: ConsensusRule;
  verdict: string | null;
  votes: Vote[];
  explanation: string;
}

export function verdictOf(answer: string): string {
  const explicit = /^\s*VERDICT:\s*([A-Za-z_ -]+?)\s*$/im.exec(answer);
  if (explicit) return explicit[1]!.toUpperCase().replace(/[\s-]+/g, '_');
  const heading = /^#+\s*([^:\n]+)/m.exec(answer);
  return (heading?.[1] ?? answer.split('\n', 1)[0] ?? '')
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
}

export function decide(rule: ConsensusRule, votes: Vote[]): Decision {
  const tally = new Map<string, number>();
  for (const v of votes) tally.set(v.verdict, (tally.get(v.verdict) ?? 0) + (rule === 'weighted' ? v.weight : 1));
  const ranked = [...tally].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const total = [...tally.values()].reduce((a, b) => a + b, 0);
  const [top, score] = ranked[0] ?? [null, 0];
  let verdict: string | null = null;
  if (rule === 'unanimous') verdict = ranked.length === 1 && votes.length > 0 ? top : null;
  else if (rule === 'majority') verdict = score * 2 > total ? top : null;
  else verdict = ranked.length && (ranked.length === 1 || ranked[1]![1] < score) ? top : null;
  const counts = ranked.map(([v, n]) => `${v} ${n}`).join(', ');
  return {
    rule,
    verdict,
    votes,
    explanation: verdict ? `${rule}: ${verdict} (${counts})` : `${rule}: no consensus (${counts || 'no votes'})`,
  };
}
