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

// Shapes found in well-known projects, written out small: each of these was misnamed or misplaced before.
describe('function names and ranges on real code', () => {
  it('string keys lose their quotes: mocha exports-style suites, ESLint rule visitors, Vue watchers', () => {
    // mocha's "exports" interface (as express and connect wrote their tests)
    const suite = `module.exports = {
  before: function () {
    this.server = app.listen(0);
  },
  'test basic server': function (done) {
    request(this.server).get('/').expect(200, done);
  },
  Array: {
    '#indexOf()': {
      'should return -1 when not present': function () {
        assert.equal([1, 2, 3].indexOf(4), -1);
      },
    },
  },
};
`;
    assert.deepEqual(names('test/server.js', suite), [
      'before:2-4',
      'test basic server:5-7',
      'Array.#indexOf().should return -1 when not present:10-12',
    ]);
    assert.deepEqual(changedIn('test/server.js', suite, '@@ -6 +6 @@\n-x\n+    request(this.server).get("/");'), [
      'test basic server@6',
    ]);
    // An ESLint rule: selector strings as method names, plain and computed
    const rule = `module.exports = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    return {
      'CallExpression:exit'(node) {
        if (node.callee.name === 'require') context.report({ node, messageId: 'noRequire' });
      },
      ['Program:exit']() {
        flush(context);
      },
      [SELECTOR](node) {},
    };
  },
};
`;
    assert.deepEqual(names('lib/rules/no-require.js', rule), [
      'create:3-13',
      'create.CallExpression:exit:5-7',
      'create.Program:exit:8-10',
      'create.[SELECTOR]:11-11',
    ]);
    const watcher = `export default defineComponent({\n  watch: {\n    '$route.params.id'(id: string) {\n      this.load(id);\n    },\n  },\n});\n`;
    assert.deepEqual(names('src/Post.vue.ts', watcher), ['watch.$route.params.id:3-5']);
  });

  it('a function in parentheses, `as` or `satisfies` keeps the name it is assigned to, and its changes', () => {
    // SvelteKit's load functions and Express handlers are written this way
    const src = `export const load = (async ({ params, fetch }) => {
  const res = await fetch(\`/api/posts/\${params.slug}\`);
  return { post: await res.json() };
}) satisfies PageServerLoad;

export function createRouter(db: Db) {
  const getUser = (async (req, res) => {
    res.json(await db.users.find(req.params.id));
  }) as RequestHandler;
  const main = (async () => {
    await db.connect();
  });
  return Router().get('/users/:id', getUser);
}
`;
    assert.deepEqual(names('src/routes/+page.server.ts', src), [
      'load:1-4',
      'createRouter:6-14',
      'createRouter.getUser:7-9',
      'createRouter.main:10-12',
    ]);
    assert.deepEqual(
      changedIn(
        'src/routes/+page.server.ts',
        src,
        '@@ -2 +2 @@\n-x\n+  const res = await fetch(x);\n@@ -8 +8 @@\n-x\n+    res.json(x);\n@@ -13 +13 @@\n-x\n+  return x;',
      ),
      ['load@2', 'createRouter@13', 'createRouter.getUser@8'],
    );
    const js = `Router.prototype.handle = (function handle(req, res, out) {\n  next();\n});\nexports.compile = (function (template) {\n  return parse(template);\n});\n`;
    assert.deepEqual(names('lib/router.js', js), ['handle:1-3', 'compile:4-6']);
  });

  it('TypeScript namespaces qualify names: util.assertIs, nested and `module` namespaces', () => {
    // zod's helpers namespace, TypeScript's own `namespace ts.server`, the handbook's `module Validation`
    const src = `export namespace util {
  export const assertEqual = <A, B>(_: AssertEqual<A, B>): void => {};
  export function assertIs<T>(_arg: T): void {}
  export function assertNever(_x: never): never {
    throw new Error();
  }
}
namespace ts.server {
  export function createInstallTypingsRequest(project: Project) {
    return { kind: 'discover', projectName: project.getProjectName() };
  }
}
module Validation {
  export class LettersOnlyValidator {
    isAcceptable(s: string) {
      return /^[A-Za-z]+$/.test(s);
    }
  }
}
`;
    assert.deepEqual(names('src/helpers/util.ts', src), [
      'util.assertEqual:2-2',
      'util.assertIs:3-3',
      'util.assertNever:4-6',
      'ts.server.createInstallTypingsRequest:9-11',
      'Validation.LettersOnlyValidator.isAcceptable:15-17',
    ]);
  });

  it('a method starts at its decorators: a change to a decorator alone maps to the method (NestJS, Angular, Rust)', () => {
    const nest = `@Controller('cats')
export class CatsController {
  constructor(private readonly catsService: CatsService) {}

  @Post()
  @Roles(['admin'])
  async create(@Body() createCatDto: CreateCatDto) {
    await this.catsService.create(createCatDto);
  }

  @Get(':id')
  findOne(@Param('id', ParseIntPipe) id: number) {
    return this.catsService.findOne(id);
  }
}
`;
    assert.deepEqual(names('src/cats/cats.controller.ts', nest), [
      'CatsController.constructor:3-3',
      'CatsController.create:5-9',
      'CatsController.findOne:11-14',
    ]);
    assert.deepEqual(
      changedIn('src/cats/cats.controller.ts', nest, "@@ -6 +6 @@\n-  @Roles(['user'])\n+  @Roles(['admin'])"),
      ['CatsController.create@6'],
    );
    const angular = `@Component({ selector: 'app-root', templateUrl: './app.component.html' })
export class AppComponent {
  @HostListener('window:resize', ['$event'])
  onResize(event: UIEvent) {
    this.width = (event.target as Window).innerWidth;
  }
}
`;
    assert.deepEqual(changedIn('src/app/app.component.ts', angular, '@@ -3 +3 @@\n-x\n+  @HostListener()'), [
      'AppComponent.onResize@3',
    ]);
    const rocket = `#[get("/hello/<name>")]\nfn hello(name: &str) -> String {\n    format!("Hello, {}!", name)\n}\n\n#[tokio::main]\nasync fn main() {\n    serve().await;\n}\n`;
    assert.deepEqual(names('src/main.rs', rocket), ['hello:1-4', 'main:6-9']);
  });

  it('the doc comment right above a function is part of it; a detached one is not', () => {
    const ts = `/**
 * Adds the specified number of days to the given date.
 */
export function addDays(date: Date, amount: number): Date {
  return new Date(date.getTime() + amount * 864e5);
}

/** @license MIT */

export function subDays(date: Date, amount: number): Date {
  return addDays(date, -amount);
}
`;
    assert.deepEqual(names('src/addDays.ts', ts), ['addDays:1-6', 'subDays:10-12']);
    assert.deepEqual(changedIn('src/addDays.ts', ts, '@@ -2 +2 @@\n-x\n+ * Adds days.'), ['addDays@2']);
    const go = `package fmt\n\n// Println formats using the default formats for its operands and writes to standard output.\n// Spaces are always added between operands and a newline is appended.\nfunc Println(a ...any) (n int, err error) {\n\treturn Fprintln(os.Stdout, a...)\n}\n`;
    assert.deepEqual(names('src/fmt/print.go', go), ['Println:3-7']);
    const java = `public final class Strings {\n  /** Returns {@code true} if the given string is null or is the empty string. */\n  @Pure\n  public static boolean isNullOrEmpty(String string) {\n    return string == null || string.isEmpty();\n  }\n}\n`;
    assert.deepEqual(names('guava/src/Strings.java', java), ['Strings.isNullOrEmpty:2-6']);
  });
});
