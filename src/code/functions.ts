// Finds the functions and methods of a source file with tree-sitter, named as a reader would
// (`Class.method`, `outer.inner`, `Type.method` for Go receivers), and maps changed lines to the
// innermost named function that contains them. Anonymous callbacks belong to their enclosing function.
import Parser from 'tree-sitter';
import type { LanguageSpec } from './languages.js';

type SyntaxNode = Parser.SyntaxNode;

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

const field = (n: SyntaxNode | null | undefined, name: string) => n?.childForFieldName(name)?.text;

/** The name a reader gives this function node, or undefined for an anonymous one. */
function ownName(node: SyntaxNode, lang: LanguageSpec): string | undefined {
  if (lang.name === 'go' && node.type === 'method_declaration') {
    const receiver = node.childForFieldName('receiver')?.descendantsOfType('type_identifier')[0]?.text;
    return receiver ? `${receiver}.${field(node, 'name')}` : field(node, 'name');
  }
  const direct = field(node, 'name');
  if (direct) return direct;
  // An anonymous function takes the name it is assigned to: `const f = () => {}`, `x.y = function() {}`,
  // `{ key: () => {} }`, a class field `handler = () => {}`.
  const p = node.parent;
  if (!p) return undefined;
  if (p.type === 'variable_declarator') return field(p, 'name');
  if (p.type === 'assignment_expression') return field(p, 'left')?.replace(/^(this|module\.exports|exports)\./, '');
  if (p.type === 'pair') return field(p, 'key');
  if (p.type === 'public_field_definition' || p.type === 'field_definition')
    return field(p, 'name') ?? field(p, 'property');
  return undefined;
}

/** The qualifier a scope node gives what it contains. */
function scopeName(node: SyntaxNode, _lang: LanguageSpec): string | undefined {
  if (node.type === 'impl_item') return node.childForFieldName('type')?.text.replace(/<.*$/, '');
  if (node.type === 'object')
    return node.parent?.type === 'variable_declarator' ? field(node.parent, 'name') : undefined;
  return field(node, 'name');
}

/** The range a function covers, with its decorators (Python) or export keyword. */
function outer(node: SyntaxNode): SyntaxNode {
  const p = node.parent;
  if (p && (p.type === 'decorated_definition' || p.type === 'export_statement')) return p;
  if (p?.type === 'variable_declarator' && p.parent?.type === 'lexical_declaration')
    return p.parent.parent?.type === 'export_statement' ? p.parent.parent : p.parent;
  return node;
}

export function findFunctions(source: string, lang: LanguageSpec): FunctionUnit[] {
  // Large sources need a bigger buffer than the binding's default.
  const tree = parserFor(lang).parse(source, undefined, { bufferSize: Math.max(32 * 1024, source.length * 2 + 1024) });
  // Functions and scopes in document order; a stack of the ones still open gives each function its
  // qualifiers without walking up the tree from every node (which costs more than the parse).
  const items = [
    ...tree.rootNode.descendantsOfType(lang.functions).map((n) => ({ n, fn: true, name: ownName(n, lang) })),
    ...(lang.scopes.length ? tree.rootNode.descendantsOfType(lang.scopes) : []).map((n) => ({
      n,
      fn: false,
      name: scopeName(n, lang),
    })),
  ].map((it) => ({ ...it, start: it.n.startIndex, end: it.n.endIndex }));
  items.sort((a, b) => a.start - b.start || b.end - a.end);
  const open: typeof items = [];
  const units: FunctionUnit[] = [];
  const lines = source.split('\n');
  for (const it of items) {
    while (open.length && open[open.length - 1]!.end <= it.start) open.pop();
    if (it.fn && it.name) {
      const qualifiers = open.flatMap((o) => (o.name ? [o.name] : []));
      const range = outer(it.n);
      const startLine = range.startPosition.row + 1;
      const endLine = range.endPosition.row + 1;
      units.push({
        name: [...qualifiers, it.name].join('.'),
        startLine,
        endLine,
        code: lines.slice(startLine - 1, endLine).join('\n'),
      });
    }
    open.push(it);
  }
  return units;
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
