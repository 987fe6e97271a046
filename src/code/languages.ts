// The languages the gate parses, by file extension, with the tree-sitter node types that are functions,
// the ones that name a scope (classes, impls, namespaces...) for qualified names such as `Class.method`,
// and what precedes a function as part of it (decorators, doc comments).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface LanguageSpec {
  name: string;
  grammar: () => unknown;
  /** Node types that are functions or methods. */
  functions: string[];
  /** Node types that give nested functions a qualifier. */
  scopes: string[];
  /** Text found in every node that has a function inside: a subtree with none of it is not walked into. */
  markers: string[];
  /** Sibling node types before a declaration that belong to it (TypeScript decorators, Rust attributes). */
  decorators: string[];
  /** The comments right above a function that document it; Python's docstrings are inside the body. */
  docComment?: RegExp;
}

const jsFunctions = [
  'function_declaration',
  'generator_function_declaration',
  'method_definition',
  'function_expression',
  'arrow_function',
  'generator_function',
];
const jsScopes = ['class_declaration', 'class', 'abstract_class_declaration', 'interface_declaration', 'object'];
// `namespace util {}`, `namespace a.b {}`, `module M {}`, `declare module 'm' {}`
const tsScopes = [...jsScopes, 'internal_module', 'module'];
// Methods sit in braces; every other function has a body in braces or an arrow.
const js = { functions: jsFunctions, markers: ['{', '=>'], decorators: ['decorator'], docComment: /\/\*\*(?!\/)/y };

const ts = () => require('tree-sitter-typescript') as { typescript: unknown; tsx: unknown };

export const LANGUAGES: Record<string, LanguageSpec> = {
  typescript: { name: 'typescript', grammar: () => ts().typescript, scopes: tsScopes, ...js },
  tsx: { name: 'tsx', grammar: () => ts().tsx, scopes: tsScopes, ...js },
  javascript: { name: 'javascript', grammar: () => require('tree-sitter-javascript'), scopes: jsScopes, ...js },
  python: {
    name: 'python',
    grammar: () => require('tree-sitter-python'),
    functions: ['function_definition'],
    scopes: ['class_definition'],
    markers: ['def'],
    decorators: [], // inside decorated_definition
  },
  go: {
    name: 'go',
    grammar: () => require('tree-sitter-go'),
    functions: ['function_declaration', 'method_declaration', 'func_literal'],
    scopes: [],
    markers: ['func'],
    decorators: [],
    docComment: /\/[/*]/y, // Go documents with the plain comments right above a declaration
  },
  java: {
    name: 'java',
    grammar: () => require('tree-sitter-java'),
    functions: ['method_declaration', 'constructor_declaration', 'lambda_expression'],
    scopes: ['class_declaration', 'interface_declaration', 'enum_declaration', 'record_declaration'],
    // Methods sit in class bodies (braces), even the ones without a body; lambdas have an arrow.
    markers: ['{', '->'],
    decorators: [], // annotations are inside the method's modifiers
    docComment: /\/\*\*(?!\/)/y,
  },
  rust: {
    name: 'rust',
    grammar: () => require('tree-sitter-rust'),
    functions: ['function_item', 'closure_expression'],
    scopes: ['impl_item', 'trait_item', 'mod_item'],
    markers: ['fn', '|'],
    decorators: ['attribute_item'],
    docComment: /\/\/\/(?!\/)|\/\*\*(?!\/)/y,
  },
};

const BY_EXTENSION: Record<string, string> = {
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'tsx',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascript',
  py: 'python',
  go: 'go',
  java: 'java',
  rs: 'rust',
};

export function languageOf(path: string): LanguageSpec | undefined {
  if (path.endsWith('.d.ts')) return undefined; // declarations have no function bodies
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  const name = ext ? BY_EXTENSION[ext] : undefined;
  return name ? LANGUAGES[name] : undefined;
}
