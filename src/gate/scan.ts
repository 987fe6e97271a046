// Hand-written scanners for the built-in rules whose regular expressions backtracked without bound on a
// crafted line (`for\s*\(.*\)\s*\{?.*await\b` was cubic: 8 KB took 13.9 s). Each is the same regular
// language, recognised by simulating its automaton one character at a time: a fixed set of states
// advanced per character, so the time is linear in the line by construction. `.` never crosses a line
// terminator and `\s` is JavaScript's, as in the patterns they replace.

const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
/** What `.` does not match. */
const isTerminator = (c: string | undefined) => c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029';
const isWord = (c: string | undefined) => c !== undefined && /\w/.test(c);
const endsWith = (s: string, i: number, word: string) => i >= word.length && s.startsWith(word, i - word.length);

/** `for\s*\(.*\)\s*\{?.*await\b`: a loop whose line awaits after its head. */
export function loopThenAwait(s: string): boolean {
  let head = false; // after `for\s*`
  let inParens = false; // after `for\s*\(.*`
  let closed = false; // after `\)\s*`
  let after = false; // after `\)\s*\{?.*`
  for (let i = 0; ; i++) {
    if ((closed || after) && s.startsWith('await', i) && !isWord(s[i + 5])) return true;
    if (i >= s.length) return false;
    const c = s[i]!;
    const nextAfter: boolean = (closed || after) && !isTerminator(c);
    const nextClosed: boolean = (inParens && c === ')') || (closed && isSpace(c));
    const nextInParens: boolean = (head && c === '(') || (inParens && !isTerminator(c));
    head = (head && isSpace(c)) || endsWith(s, i + 1, 'for');
    inParens = nextInParens;
    closed = nextClosed;
    after = nextAfter;
  }
}

/** `\.indexOf\(.*\)\s*(!==?|>=?)\s*-?1.*\bfor\b`: a search compared with -1 ahead of a loop. */
export function indexOfThenLoop(s: string): boolean {
  let args = false; // after `\.indexOf\(.*`
  let closed = false; // after `\)\s*`
  const operatorEnds = new Uint8Array(s.length + 4); // an operator (`!=`, `!==`, `>`, `>=`) ends here
  let spaced = false; // after the operator and `\s*`
  let minus = false; // after `-`
  let one = false; // after `1.*`
  for (let i = 0; ; i++) {
    spaced ||= operatorEnds[i] === 1;
    if (one && s.startsWith('for', i) && !isWord(s[i - 1]) && !isWord(s[i + 3])) return true;
    if (i >= s.length) return false;
    const c = s[i]!;
    if (closed && c === '!' && s[i + 1] === '=') {
      operatorEnds[i + 2] = 1;
      if (s[i + 2] === '=') operatorEnds[i + 3] = 1;
    } else if (closed && c === '>') {
      operatorEnds[i + 1] = 1;
      if (s[i + 1] === '=') operatorEnds[i + 2] = 1;
    }
    const nextOne: boolean = ((spaced || minus) && c === '1') || (one && !isTerminator(c));
    minus = spaced && c === '-';
    spaced = spaced && isSpace(c);
    const nextClosed: boolean = (args && c === ')') || (closed && isSpace(c));
    args = (args && !isTerminator(c)) || endsWith(s, i + 1, '.indexOf(');
    closed = nextClosed;
    one = nextOne;
  }
}

/** `word` (lower case ASCII) at `i`, in any case: a regular expression's `i` flag, without `u`. */
function atIgnoringCase(s: string, i: number, word: string): boolean {
  if (i < 0 || i + word.length > s.length) return false;
  for (let j = 0; j < word.length; j++) {
    const c = s.charCodeAt(i + j);
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== word.charCodeAt(j)) return false;
  }
  return true;
}

/** `/Math\.random\(\).*(token|id|secret)/i`: randomness on the line of a token, id or secret. */
export function randomForSecret(s: string): boolean {
  let after = false; // after `Math.random()` and `.*`
  for (let i = 0; ; i++) {
    after ||= atIgnoringCase(s, i - 13, 'math.random()');
    if (after && (atIgnoringCase(s, i, 'token') || atIgnoringCase(s, i, 'id') || atIgnoringCase(s, i, 'secret')))
      return true;
    if (i >= s.length) return false;
    after &&= !isTerminator(s[i]);
  }
}

/** `catch\s*(\([^)]*\))?\s*\{\s*\}`: an empty catch block. */
export function emptyCatch(s: string): boolean {
  let keyword = false; // after `catch\s*`
  let parameter = false; // after `\([^)]*`
  let closed = false; // after `\)\s*`
  let block = false; // after `\{\s*`
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (block && c === '}') return true;
    const nextBlock: boolean = ((keyword || closed) && c === '{') || (block && isSpace(c));
    const nextClosed: boolean = (parameter && c === ')') || (closed && isSpace(c));
    parameter = (keyword && c === '(') || (parameter && c !== ')');
    keyword = (keyword && isSpace(c)) || endsWith(s, i + 1, 'catch');
    closed = nextClosed;
    block = nextBlock;
  }
  return false;
}
