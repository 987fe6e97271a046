// What a node type means to the function walk, as bit flags looked up by the cursor's numeric type id:
// reading a number from the cursor is cheap, while a type name is a new string per node.
import type Parser from 'tree-sitter';
import type { LanguageSpec } from './languages.js';

export const FUNCTION = 1;
export const SCOPE = 2;
/** Gives its value a name: `const f = `, `x.y = `, `key: `, a class field. */
export const NAMER = 4;
/** Leaves a function its name: `(...)`, `... as T`, `... satisfies T`, `...!`, `<T>...`. */
export const WRAPPER = 8;
/** Holds a function with what belongs to it: `export`, `const`, Python decorators, `x.y = ...;`. */
export const HOLDER = 16;
export const COMMENT = 32;
export const DECORATOR = 64;
/** No node inside can be a function (tokens, identifiers, comments): not walked into. */
export const LEAF = 128;

const NAMERS = ['variable_declarator', 'assignment_expression', 'pair', 'public_field_definition', 'field_definition'];
const WRAPPERS = [
  'parenthesized_expression',
  'as_expression',
  'satisfies_expression',
  'non_null_expression',
  'type_assertion',
];
const HOLDERS = [
  'export_statement',
  'lexical_declaration',
  'variable_declaration',
  'decorated_definition',
  'expression_statement',
];
const COMMENTS = ['comment', 'line_comment', 'block_comment'];

interface NodeInfo {
  type: string;
  named: boolean;
  fields?: Record<string, unknown>;
  children?: unknown;
  subtypes?: unknown;
}

/** Per language: flags by node type id and field names by field id, filled as the walk meets them. */
export interface Kinds {
  spec: LanguageSpec;
  flags: number[];
  /** The field that names a node of this type: `name`, or `left` of an assignment, `key` of a pair... */
  nameFields: string[];
  fields: string[];
  /** Named types that can have children, from the grammar's node-types.json (undefined: not shipped). */
  parents?: Set<string>;
}

const kinds = new Map<string, Kinds>();

export function kindsFor(spec: LanguageSpec): Kinds {
  let k = kinds.get(spec.name);
  if (!k) {
    const info = (spec.grammar() as { nodeTypeInfo?: NodeInfo[] }).nodeTypeInfo;
    const parents = info
      ?.filter((i) => i.named && (i.children || i.subtypes || Object.keys(i.fields ?? {}).length))
      .map((i) => i.type);
    k = { spec, flags: [], nameFields: [], fields: [], ...(parents ? { parents: new Set(parents) } : {}) };
    kinds.set(spec.name, k);
  }
  return k;
}

function classify(k: Kinds, type: string, named: boolean): number {
  const { spec } = k;
  if (!named) return LEAF;
  let f = 0;
  if (spec.functions.includes(type)) f |= FUNCTION;
  if (spec.scopes.includes(type)) f |= SCOPE;
  if (NAMERS.includes(type)) f |= NAMER;
  if (WRAPPERS.includes(type)) f |= WRAPPER;
  if (HOLDERS.includes(type)) f |= HOLDER;
  if (spec.decorators.includes(type)) f |= DECORATOR;
  if (COMMENTS.includes(type)) f |= COMMENT | LEAF;
  if (k.parents && type !== 'ERROR' && !k.parents.has(type)) f |= LEAF; // ERROR nodes hold broken code
  return f;
}

const NAME_FIELDS: Record<string, string> = {
  assignment_expression: 'left',
  pair: 'key',
  field_definition: 'property',
  impl_item: 'type',
};

/** The flags of the cursor's node type, by its numeric id. */
export function flagsOf(k: Kinds, c: Parser.TreeCursor, id: number): number {
  let f = k.flags[id];
  if (f === undefined) {
    const type = c.nodeType;
    f = k.flags[id] = classify(k, type, c.nodeIsNamed);
    k.nameFields[id] = NAME_FIELDS[type] ?? 'name';
  }
  return f;
}

/** The cursor's field name ('' for none). */
export function fieldOf(k: Kinds, c: Parser.TreeCursor): string {
  const id = c.currentFieldId;
  return id ? (k.fields[id] ??= c.currentFieldName) : '';
}
