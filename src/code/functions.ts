// Finds the functions and methods of a source file with tree-sitter, named as a reader would
// (`Class.method`, `outer.inner`, `Type.method` for Go receivers, `namespace.fn`), and maps changed lines
// to the innermost named function that contains them. Anonymous callbacks belong to their enclosing
// function. A function's range includes what belongs to it: decorators, `export`, `const f =`, and the
// doc comment right above it.
// Source text is untrusted (any pull request): the parse has a time limit, functions nested deeper than
// MAX_NESTING make the file too deep to analyse (TooComplex), and names are built only for the functions a
// change touches, each name part and the whole name cut to a bound, so neither time nor memory grows with
// the square of the nesting.
import Parser from 'tree-sitter';
import type { LanguageSpec } from './languages.js';
import {
  COMMENT,
  DECORATOR,
  FUNCTION,
  HOLDER,
  LEAF,
  NAMER,
  SCOPE,
  WRAPPER,
  fieldOf,
  flagsOf,
  kindsFor,
  type Kinds,
} from './node-kinds.js';
import { LineIndex, markerPositions } from './positions.js';

export interface FunctionUnit {
  name: string;
  startLine: number;
  endLine: number;
  code: string;
}

export interface ChangedFunction extends FunctionUnit {
  changedLines: number[];
}

/** Functions inside more functions than this: the file is not analysed. */
export const MAX_NESTING = 64;
/** One part of a name (`Class`, `method`), cut beyond this. */
export const MAX_NAME_PART = 100;
/** A whole qualified name, cut beyond this (its end is kept: the innermost part names the function). */
export const MAX_NAME = 240;
/** The parse's time limit unless the caller gives one. */
export const DEFAULT_PARSE_MICROS = 5_000_000;

/** A source the analysis refuses, with the reason the report gives. */
export class TooComplex extends Error {
  override name = 'TooComplex';
}

const parsers = new Map<string, Parser>();

function parserFor(lang: LanguageSpec): Parser {
  let p = parsers.get(lang.name);
  if (!p) {
    p = new Parser();
    p.setLanguage(lang.grammar() as Parser.Language);
    parsers.set(lang.name, p);
  }
  return p;
}

export function parseSource(source: string, lang: LanguageSpec, timeoutMicros = DEFAULT_PARSE_MICROS): Parser.Tree {
  const parser = parserFor(lang);
  parser.setTimeoutMicros(timeoutMicros);
  // Large sources need a bigger buffer than the binding's default.
  const tree = parser.parse(source, undefined, { bufferSize: Math.max(32 * 1024, source.length * 2 + 1024) }) as
    Parser.Tree | null | undefined;
  if (!tree) {
    parser.reset(); // the next parse starts afresh instead of resuming this one
    throw new TooComplex(`parsing took over ${timeoutMicros / 1e6} s`);
  }
  return tree;
}

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** A node the walk is inside of. */
interface Frame {
  flags: number;
  start: number;
  end: number;
  /** The field of a child that names this node. */
  nameField: string;
  /** Its own name (functions, scopes) or the one it gives its value (`const f =`, `key:`). */
  name?: string;
  /** Go: the receiver's type, which qualifies the method's name. */
  receiver?: string;
  /** Where its decorators and doc comment begin, if it has any. */
  prefix: number;
  /** Functions: where the range begins (at `export`, decorators, a doc comment...). */
  from: number;
  /** Functions and scopes: the innermost function or scope around it, whose names qualify its name. */
  outer?: Frame;
  /** Functions and scopes: how many functions and scopes it is inside of. */
  nesting: number;
  /** The innermost function or scope at or around this node (itself, if it is one). */
  scope?: Frame;
  /** Among its children, the run of decorators and doc comments waiting for what they belong to. */
  run: number;
  /** The last line the next child may start on to belong to the run (-1: no run). */
  runLine: number;
}

/** `'test basic server'` → `test basic server`; `['a b']` → `a b`; `this.x` → `x`; `Stack<T>` → `Stack`. */
function tidy(field: string, text: string): string {
  if (field === 'left') return text.replace(/^(this|module\.exports|exports)\./, '');
  if (field === 'type') {
    const angle = text.indexOf('<');
    return angle >= 0 ? text.slice(0, angle) : text;
  }
  // Scanned by hand, not with patterns that backtrack: a computed key is any text a pull request holds.
  const computed = text.length >= 2 && text[0] === '[' && text[text.length - 1] === ']';
  const inner = computed ? text.slice(1, -1).trim() : text; // trim() removes what \s matches
  const q = inner[0];
  const quoted = inner.length >= 2 && (q === "'" || q === '"' || q === '`') && inner[inner.length - 1] === q;
  const content = quoted ? inner.slice(1, -1) : '';
  return quoted && !(q === '`' && content.includes('${')) ? content : text;
}

/** A function or scope enters the walk: its name from what assigns it, what qualifies it, its range. */
function enter(frame: Frame, stack: Frame[]) {
  let i = stack.length - 1;
  while (i >= 0 && stack[i]!.flags & WRAPPER) i--;
  let outer = frame;
  if (stack[i]?.flags & NAMER) {
    const namer = stack[i--]!;
    // A module's exports object is no qualifier; a function assigned to it is still `module.exports`.
    if (frame.flags & FUNCTION || !/^(module\.)?exports$/.test(namer.name ?? '')) frame.name = namer.name;
    outer = namer;
  } else i = stack.length - 1;
  while (i >= 0 && stack[i]!.flags & HOLDER) outer = stack[i--]!;
  frame.outer = stack[stack.length - 1]?.scope;
  frame.nesting = frame.outer ? frame.outer.nesting + 1 : 0;
  if (frame.nesting > MAX_NESTING)
    throw new TooComplex(`functions and classes nested more than ${MAX_NESTING} levels deep`);
  if (!(frame.flags & FUNCTION)) return;
  frame.from = outer.prefix >= 0 ? outer.prefix : outer.start;
}

/** `Class.method`, `outer.inner`: the names around a function, innermost last, cut to MAX_NAME from the left. */
function qualifiedName(f: Frame): string {
  let name = f.name!;
  for (let o = f.outer; o && name.length < MAX_NAME; o = o.outer) if (o.name) name = `${o.name}.${name}`;
  return name.length > MAX_NAME ? `…${name.slice(name.length - MAX_NAME + 1)}` : name;
}

/** A child of a frame: it may name the frame or, as a decorator or doc comment, join the run. */
function child(k: Kinds, p: Frame, c: Parser.TreeCursor, flags: number, source: string, lines: LineIndex) {
  if (p.flags & (FUNCTION | SCOPE | NAMER)) {
    const field = fieldOf(k, c);
    if (field === p.nameField) {
      const name = tidy(field, source.slice(c.startIndex, c.endIndex));
      p.name = cut(p.receiver ? `${p.receiver}.${name}` : name, MAX_NAME_PART);
    } else if (field === 'receiver')
      // `(\s*(?:\w+\s+)?\*?\s*(\w+)` had two `\s*` in a row: quadratic on a receiver of spaces.
      p.receiver = /^\(\s*(?:\w+\s+)?(?:\*\s*)?(\w+)/
        .exec(source.slice(c.startIndex, c.endIndex))?.[1]
        ?.slice(0, MAX_NAME_PART);
  }
  if (!(flags & (COMMENT | DECORATOR))) return;
  const start = c.startIndex;
  const adjacent = p.runLine >= 0 && lines.lineOf(start) <= p.runLine + 1;
  if (flags & DECORATOR) {
    if (!adjacent) p.run = start;
    p.runLine = Infinity; // what a decorator decorates may follow a blank line
    return;
  }
  const doc = k.spec.docComment;
  if (doc) doc.lastIndex = start;
  const isDoc = doc?.test(source) ?? false;
  if (!adjacent) p.run = -1;
  if (isDoc && p.run < 0) p.run = start;
  // A plain comment between a doc comment and its function keeps the run going.
  p.runLine = isDoc || p.run >= 0 ? lines.lineOf(c.endIndex - 1) : -1;
}

/** Every function of a source, named (tests and tools; the gate names only the changed ones). */
export function findFunctions(source: string, lang: LanguageSpec, timeoutMicros?: number): FunctionUnit[] {
  const { found, lines } = walk(source, lang, timeoutMicros);
  return spans(found, lines).map((u) => unit(u, source, lines));
}

/**
 * The named functions of a source that contain `changed` lines (innermost wins), each with its changed
 * lines: `mapChangedFunctions(findFunctions(...))`, with names and code made only for those.
 */
export function changedFunctions(
  source: string,
  lang: LanguageSpec,
  changed: Iterable<number>,
  timeoutMicros?: number,
): ChangedFunction[] {
  const { found, lines } = walk(source, lang, timeoutMicros);
  return [...innermost(spans(found, lines), changed)]
    .map(([u, ls]) => ({ ...unit(u, source, lines), changedLines: ls.sort((a, b) => a - b) }))
    .sort((a, b) => a.startLine - b.startLine);
}

function walk(source: string, lang: LanguageSpec, timeoutMicros?: number): { found: Frame[]; lines: LineIndex } {
  const tree = parseSource(source, lang, timeoutMicros);
  const k = kindsFor(lang);
  const lines = new LineIndex(source);
  const markers = markerPositions(source, lang.markers);
  let m = 0; // the first marker at or after the current node (nodes come in source order)
  const stack: Frame[] = [];
  const found: Frame[] = [];
  // One pass of a cursor over the tree. Node objects are never made: each costs more than the parse of
  // its text. Leaves and subtrees without a marker are stepped over, not into.
  const c = tree.walk();
  for (;;) {
    const id = c.nodeTypeId;
    const flags = flagsOf(k, c, id);
    const p = stack[stack.length - 1];
    let prefix = -1;
    if (p) {
      if (flags & (COMMENT | DECORATOR) || p.flags & (FUNCTION | SCOPE | NAMER)) child(k, p, c, flags, source, lines);
      if (!(flags & (COMMENT | DECORATOR)) && p.runLine >= 0) {
        if (p.run >= 0 && lines.lineOf(c.startIndex) <= p.runLine + 1) prefix = p.run;
        p.run = p.runLine = -1;
      }
    }
    if (!(flags & LEAF)) {
      const start = c.startIndex;
      const end = c.endIndex;
      while (m < markers.length && markers[m]! < start) m++;
      // A function is entered for its name even without a marker (Java's `void run();`).
      if ((flags & FUNCTION || (m < markers.length && markers[m]! < end)) && c.gotoFirstChild()) {
        const frame: Frame = {
          flags,
          start,
          end,
          nameField: k.nameFields[id]!,
          prefix,
          from: start,
          nesting: 0,
          run: -1,
          runLine: -1,
        };
        if (flags & (FUNCTION | SCOPE)) enter(frame, stack);
        frame.scope = flags & (FUNCTION | SCOPE) ? frame : p?.scope;
        if (flags & FUNCTION) found.push(frame);
        stack.push(frame);
        continue;
      }
    }
    while (!c.gotoNextSibling()) {
      if (!c.gotoParent()) return { found, lines };
      stack.pop();
    }
  }
}

interface Span {
  frame: Frame;
  startLine: number;
  endLine: number;
}

/** The named functions' line ranges. */
function spans(found: Frame[], lines: LineIndex): Span[] {
  return found.flatMap((f) =>
    f.name ? [{ frame: f, startLine: lines.lineOf(f.from), endLine: lines.lineOf(f.end) }] : [],
  );
}

const unit = ({ frame, startLine, endLine }: Span, source: string, lines: LineIndex): FunctionUnit => ({
  name: qualifiedName(frame),
  startLine,
  endLine,
  code: lines.text(source, startLine, endLine),
});

/**
 * For each of `changed` (in its order), the unit with the fewest lines that contains it, the first one
 * on a tie. Units are painted over the changed lines widest first, so the work is the changed lines each
 * unit contains: at most the nesting depth per line, plus two per unit; never units × lines.
 */
function innermost<T extends { startLine: number; endLine: number }>(
  units: T[],
  changed: Iterable<number>,
): Map<T, number[]> {
  const sorted = [...new Set(changed)].sort((a, b) => a - b);
  const owner = new Int32Array(sorted.length).fill(-1);
  const firstAtOrAfter = (line: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < line) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const order = units.map((_, i) => i);
  const span = (i: number) => units[i]!.endLine - units[i]!.startLine;
  order.sort((a, b) => span(b) - span(a) || b - a); // the narrowest, then the first, paints last
  for (const i of order) {
    const u = units[i]!;
    for (let j = firstAtOrAfter(u.startLine); j < sorted.length && sorted[j]! <= u.endLine; j++) owner[j] = i;
  }
  const byUnit = new Map<T, number[]>();
  for (const line of changed) {
    const j = firstAtOrAfter(line);
    const i = sorted[j] === line ? owner[j]! : -1;
    if (i < 0) continue;
    const u = units[i]!;
    const ls = byUnit.get(u);
    if (ls) ls.push(line);
    else byUnit.set(u, [line]);
  }
  return byUnit;
}

/** The named functions containing `changed` lines, innermost first wins; each with its changed lines. */
export function mapChangedFunctions(units: FunctionUnit[], changed: Iterable<number>): ChangedFunction[] {
  return [...innermost(units, changed)]
    .map(([u, ls]) => ({ ...u, changedLines: ls.sort((a, b) => a - b) }))
    .sort((a, b) => a.startLine - b.startLine);
}
