// Finds the functions and methods of a source file with tree-sitter, named as a reader would
// (`Class.method`, `outer.inner`, `Type.method` for Go receivers, `namespace.fn`), and maps changed lines
// to the innermost named function that contains them. Anonymous callbacks belong to their enclosing
// function. A function's range includes what belongs to it: decorators, `export`, `const f =`, and the
// doc comment right above it.
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

export function parseSource(source: string, lang: LanguageSpec): Parser.Tree {
  // Large sources need a bigger buffer than the binding's default.
  return parserFor(lang).parse(source, undefined, { bufferSize: Math.max(32 * 1024, source.length * 2 + 1024) });
}

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
  /** Functions: the names of the scopes and functions around it, each followed by a dot. */
  qualifier: string;
  /** Among its children, the run of decorators and doc comments waiting for what they belong to. */
  run: number;
  /** The last line the next child may start on to belong to the run (-1: no run). */
  runLine: number;
}

/** `'test basic server'` → `test basic server`; `['a b']` → `a b`; `this.x` → `x`; `Stack<T>` → `Stack`. */
function tidy(field: string, text: string): string {
  if (field === 'left') return text.replace(/^(this|module\.exports|exports)\./, '');
  if (field === 'type') return text.replace(/<[\s\S]*$/, '');
  const inner = /^\[\s*([\s\S]*?)\s*\]$/.exec(text)?.[1] ?? text; // a computed key
  const quoted = /^(['"`])([\s\S]*)\1$/.exec(inner);
  return quoted && !(quoted[1] === '`' && quoted[2]!.includes('${')) ? quoted[2]! : text;
}

/** A function or scope enters the walk: its name from what assigns it, its qualifier, its range. */
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
  if (!(frame.flags & FUNCTION)) return;
  frame.from = outer.prefix >= 0 ? outer.prefix : outer.start;
  for (const f of stack) if (f.flags & (FUNCTION | SCOPE) && f.name) frame.qualifier += f.name + '.';
}

/** A child of a frame: it may name the frame or, as a decorator or doc comment, join the run. */
function child(k: Kinds, p: Frame, c: Parser.TreeCursor, flags: number, source: string, lines: LineIndex) {
  if (p.flags & (FUNCTION | SCOPE | NAMER)) {
    const field = fieldOf(k, c);
    if (field === p.nameField) {
      const name = tidy(field, source.slice(c.startIndex, c.endIndex));
      p.name = p.receiver ? `${p.receiver}.${name}` : name;
    } else if (field === 'receiver')
      p.receiver = /^\(\s*(?:\w+\s+)?\*?\s*(\w+)/.exec(source.slice(c.startIndex, c.endIndex))?.[1];
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

export function findFunctions(source: string, lang: LanguageSpec): FunctionUnit[] {
  const tree = parseSource(source, lang);
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
          qualifier: '',
          run: -1,
          runLine: -1,
        };
        if (flags & (FUNCTION | SCOPE)) enter(frame, stack);
        if (flags & FUNCTION) found.push(frame);
        stack.push(frame);
        continue;
      }
    }
    while (!c.gotoNextSibling()) {
      if (!c.gotoParent()) return units(found, source, lines);
      stack.pop();
    }
  }
}

function units(found: Frame[], source: string, lines: LineIndex): FunctionUnit[] {
  return found.flatMap((f) => {
    if (!f.name) return [];
    const startLine = lines.lineOf(f.from);
    const endLine = lines.lineOf(f.end);
    return [{ name: f.qualifier + f.name, startLine, endLine, code: lines.text(source, startLine, endLine) }];
  });
}

/** The named functions containing `changed` lines, innermost first wins; each with its changed lines. */
export function mapChangedFunctions(units: FunctionUnit[], changed: Iterable<number>): ChangedFunction[] {
  const byUnit = new Map<FunctionUnit, number[]>();
  for (const line of changed) {
    let best: FunctionUnit | undefined;
    for (const u of units) {
      if (
        u.startLine <= line &&
        line <= u.endLine &&
        (!best || u.endLine - u.startLine < best.endLine - best.startLine)
      )
        best = u;
    }
    if (best) byUnit.set(best, [...(byUnit.get(best) ?? []), line]);
  }
  return [...byUnit]
    .map(([u, ls]) => ({ ...u, changedLines: ls.sort((a, b) => a - b) }))
    .sort((a, b) => a.startLine - b.startLine);
}
