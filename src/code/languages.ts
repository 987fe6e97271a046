// The languages the gate parses, by file extension, with the tree-sitter node types that are functions
// and the ones that name a scope (classes, impls...) for qualified names such as `Class.method`.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface LanguageSpec {
  name: string;
  grammar: () => unknown;
  /** Node types that are functions or methods. */
  functions: string[];
  /** Node types that give nested functions a qualifier. */
  scopes: string[];
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

const ts = () => require('tree-sitter-typescript') as { typescript: unknown; tsx: unknown };

export const LANGUAGES: Record<string, LanguageSpec> = {
  typescript: { name: 'typescript', grammar: () => ts().typescript, functions: jsFunctions, scopes: jsScopes },
  tsx: { name: 'tsx', grammar: () => ts().tsx, functions: jsFunctions, scopes: jsScopes },
  javascript: {
    name: 'javascript',
    grammar: () => require('tree-sitter-javascript'),
    functions: jsFunctions,
    scopes: jsScopes,
  },
  python: {
    name: 'python',
    grammar: () => require('tree-sitter-python'),
    functions: ['function_definition'],
    scopes: ['class_definition'],
  },
  go: {
    name: 'go',
    grammar: () => require('tree-sitter-go'),
    functions: ['function_declaration', 'method_declaration', 'func_literal'],
    scopes: [],
  },
  java: {
    name: 'java',
    grammar: () => require('tree-sitter-java'),
    functions: ['method_declaration', 'constructor_declaration', 'lambda_expression'],
    scopes: ['class_declaration', 'interface_declaration', 'enum_declaration', 'record_declaration'],
  },
  rust: {
    name: 'rust',
    grammar: () => require('tree-sitter-rust'),
    functions: ['function_item', 'closure_expression'],
    scopes: ['impl_item', 'trait_item', 'mod_item'],
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
