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

/** What `.` does not match and `^`/`$` stand next to (with the `m` flag). */
const isTerminator = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
const isSpace = (s: string, i: number) => i < s.length && /\s/.test(s[i]!);
/** `[A-Za-z_ -]` with the `i` flag (without `u` no other character folds onto these). */
const isVerdictChar = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 32 || c === 45;

/**
 * The capture of `/^\s*VERDICT:\s*([A-Za-z_ -]+?)\s*$/im` on `answer`, found as that regular expression
 * finds it (leftmost, then its quantifiers' order of preference) in time linear in the answer: the
 * expression itself backtracks cubically on spaces (4,000 after `VERDICT:` took 34.5 s), and this runs in
 * workflow code on a fleet member's answer.
 */
export function explicitVerdict(answer: string): string | undefined {
  if (!/verdict:/i.test(answer)) return undefined; // most answers: no tables to build
  const n = answer.length;
  // ok[x]: `\s*$` matches from x (a terminator or the end within the whitespace from x).
  const ok = new Uint8Array(n + 1);
  ok[n] = 1;
  for (let x = n - 1; x >= 0; x--)
    ok[x] = isTerminator(answer.charCodeAt(x)) || (isSpace(answer, x) && ok[x + 1]) ? 1 : 0;
  // firstOk[x]: the least y > x with ok[y] inside the run of verdict characters from x (n + 1: none).
  const firstOk = new Int32Array(n + 1).fill(n + 1);
  for (let x = n - 1; x >= 0; x--)
    if (isVerdictChar(answer.charCodeAt(x))) firstOk[x] = ok[x + 1] ? x + 1 : x + 1 < n ? firstOk[x + 1]! : n + 1;
  for (let r = 0; r + 8 <= n; r++) {
    if (!atVerdict(answer, r)) continue;
    // `^\s*` before it: whitespace back to the start, or to a line terminator.
    let q = r;
    let lineStart = false;
    while (q > 0 && isSpace(answer, q - 1)) {
      if (isTerminator(answer.charCodeAt(q - 1))) lineStart = true;
      q--;
    }
    if (!(lineStart || q === 0)) continue;
    const v = r + 8;
    let w = v;
    while (isSpace(answer, w)) w++;
    // `\s*` gives back from the longest; the lazy class takes the fewest characters that `\s*$` can follow.
    for (let x = w; x >= v; x--) {
      if (x < n && isVerdictChar(answer.charCodeAt(x)) && firstOk[x]! <= n) return answer.slice(x, firstOk[x]);
    }
  }
  return undefined;
}

/** `VERDICT:` at r, in any case. */
function atVerdict(s: string, r: number): boolean {
  const word = 'verdict:';
  for (let j = 0; j < 8; j++) {
    const c = s.charCodeAt(r + j);
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== word.charCodeAt(j)) return false;
  }
  return true;
}

export function verdictOf(answer: string): string {
  const explicit = explicitVerdict(answer);
  if (explicit !== undefined) return explicit.toUpperCase().replace(/[\s-]+/g, '_');
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
