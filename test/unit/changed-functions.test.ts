// Diff-to-function mapping per language, on real-looking code.
import assert from 'node:assert/strict';
import { changedLines } from '../../src/code/diff.js';
import { findFunctions, mapChangedFunctions } from '../../src/code/functions.js';
import { languageOf } from '../../src/code/languages.js';

const names = (path: string, source: string) =>
  findFunctions(source, languageOf(path)!).map((f) => `${f.name}:${f.startLine}-${f.endLine}`);
const changedIn = (path: string, source: string, patch: string) =>
  mapChangedFunctions(findFunctions(source, languageOf(path)!), changedLines(patch).lines).map(
    (f) => `${f.name}@${f.changedLines.join(',')}`,
  );

describe('changed lines from a patch', () => {
  it('counts added lines in head numbering, across hunks', () => {
    const c = changedLines('@@ -1,3 +1,4 @@\n a\n+b\n c\n d\n@@ -10,2 +11,3 @@ fn x() {\n x\n+y\n+z\n');
    assert.deepEqual([...c.lines], [2, 12, 13]);
    assert.equal(c.added, 3);
  });

  it('a deletions-only hunk marks the deletion point', () => {
    const c = changedLines('@@ -5,4 +5,2 @@ def f():\n     a = 1\n-    b = 2\n-    c = 3\n     return a\n');
    assert.deepEqual([...c.lines], [6]);
    assert.equal(c.deleted, 2);
  });

  it('ignores "no newline" markers and text before the first hunk', () => {
    assert.deepEqual(
      [
        ...changedLines(
          'diff --git a/x b/x\n+++ b/x\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file',
        ).lines,
      ],
      [1],
    );
  });
});

describe('functions by language', () => {
  it('TypeScript: classes, methods, arrow functions assigned to names, nested functions, object methods', () => {
    const src = `export class UserService {
  constructor(private db: Db) {}
  async find(id: string): Promise<User> {
    return this.db.get(id);
  }
  handler = (e: Event) => {
    this.find(e.id);
  };
}
export const parse = (s: string) => {
  function inner(x: string) {
    return x.trim();
  }
  return [1, 2].map((n) => inner(s) + n);
};
const api = {
  get(path: string) { return fetch(path); },
};
export default function main() {}
`;
    assert.deepEqual(names('src/a.ts', src), [
      'UserService.constructor:2-2',
      'UserService.find:3-5',
      'UserService.handler:6-8',
      'parse:10-15',
      'parse.inner:11-13',
      'api.get:17-17',
      'main:19-19',
    ]);
    assert.deepEqual(
      changedIn(
        'src/a.ts',
        src,
        '@@ -4 +4 @@\n-    return x;\n+    return this.db.get(id);\n@@ -12 +12,2 @@\n+    return x.trim();\n+',
      ),
      ['UserService.find@4', 'parse.inner@12,13'],
    );
    // The anonymous callback on line 14 belongs to parse.
    assert.deepEqual(changedIn('src/a.ts', src, '@@ -14 +14 @@\n-x\n+  return [1, 2].map((n) => inner(s) + n);'), [
      'parse@14',
    ]);
  });

  it('TSX components', () => {
    const src = `export function Button({ label }: Props) {\n  const onClick = () => alert(label);\n  return <button onClick={onClick}>{label}</button>;\n}\n`;
    assert.deepEqual(names('ui/Button.tsx', src), ['Button:1-4', 'Button.onClick:2-2']);
  });

  it('JavaScript: function expressions assigned to exports and prototype members', () => {
    const src = `module.exports.load = function (path) {\n  return read(path);\n};\nFoo.prototype.bar = function () {};\nfunction* gen() { yield 1; }\n`;
    assert.deepEqual(names('lib/x.js', src), ['load:1-3', 'Foo.prototype.bar:4-4', 'gen:5-5']);
  });

  it('Python: decorators, methods, nested functions', () => {
    const src = `import functools

class Cache:
    @functools.lru_cache
    def get(self, key):
        def miss():
            return None
        return self.data.get(key) or miss()

@app.route("/")
def index():
    return "ok"
`;
    assert.deepEqual(names('app/cache.py', src), ['Cache.get:4-8', 'Cache.get.miss:6-7', 'index:10-12']);
    // A changed decorator line belongs to the function it decorates.
    assert.deepEqual(changedIn('app/cache.py', src, '@@ -10 +10 @@\n-@app.get("/")\n+@app.route("/")'), ['index@10']);
  });

  it('Go: functions and methods with their receiver type', () => {
    const src = `package main\n\nfunc (s *Server) Start() error {\n\treturn nil\n}\n\nfunc main() {\n\tgo func() {}()\n}\n`;
    assert.deepEqual(names('cmd/main.go', src), ['Server.Start:3-5', 'main:7-9']);
  });

  it('Java: methods and constructors in classes', () => {
    const src = `public class Greeter {\n  public Greeter() {}\n  public String greet(String n) {\n    return "hi " + n;\n  }\n  interface Inner { void run(); }\n}\n`;
    assert.deepEqual(names('src/Greeter.java', src), [
      'Greeter.Greeter:2-2',
      'Greeter.greet:3-5',
      'Greeter.Inner.run:6-6',
    ]);
  });

  it('Rust: functions, impl methods and trait impls', () => {
    const src = `struct Stack<T> { v: Vec<T> }\nimpl<T> Stack<T> {\n    pub fn push(&mut self, x: T) {\n        self.v.push(x);\n    }\n}\nimpl Display for Stack<u8> {\n    fn fmt(&self, f: &mut Formatter) -> Result { Ok(()) }\n}\nfn main() {}\n`;
    assert.deepEqual(names('src/lib.rs', src), ['Stack.push:3-5', 'Stack.fmt:8-8', 'main:10-10']);
  });

  it('other files are not parsed', () => {
    assert.equal(languageOf('README.md'), undefined);
    assert.equal(languageOf('types/index.d.ts'), undefined);
    assert.equal(languageOf('Main.kt'), undefined);
  });
});
