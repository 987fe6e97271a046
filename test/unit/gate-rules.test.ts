// The built-in gate reviewer's rules on functions as the gate finds them (tree-sitter ranges), with shapes
// from well-known projects: what each rule must report and what it must leave alone.
import assert from 'node:assert/strict';
import { findFunctions } from '../../src/code/functions.js';
import { languageOf } from '../../src/code/languages.js';
import { ruleReview } from '../../src/gate/rules.js';
import type { ReviewerName } from '../../src/gate/types.js';

/** The findings of one reviewer on every function of a file, every line counted as changed. */
const review = (reviewer: ReviewerName, path: string, source: string) =>
  findFunctions(source, languageOf(path)!).flatMap((fn) => {
    const lines = Array.from({ length: fn.endLine - fn.startLine + 1 }, (_, i) => fn.startLine + i);
    return ruleReview(reviewer, fn.code, fn.startLine, lines).findings.map((f) => `${fn.name}:${f.line} ${f.message}`);
  });

describe('gate rules: public functions without a doc comment', () => {
  it('a doc comment right above the function counts, above decorators and `export` too', () => {
    const documented: Record<string, string> = {
      // date-fns style
      'src/addDays.ts': `/**
 * Adds the specified number of days to the given date.
 *
 * @param date - The date to be changed
 * @param amount - The amount of days to be added
 */
export function addDays(date: Date | number, amount: number): Date {
  const result = toDate(date);
  result.setDate(result.getDate() + amount);
  return result;
}

/** Converts a string to a URL slug. */
export const slugify = (s: string) => s.toLowerCase().replace(/\\W+/g, '-');
`,
      // a NestJS controller: the comment sits above the decorators
      'src/cats/cats.controller.ts': `@Controller('cats')
export class CatsController {
  /**
   * Creates a cat from the request body.
   */
  @Post()
  @HttpCode(204)
  public async create(@Body() createCatDto: CreateCatDto) {
    await this.catsService.create(createCatDto);
  }
}
`,
      // Guava style Javadoc above an annotated method
      'guava/src/Strings.java': `public final class Strings {
  /**
   * Returns {@code true} if the given string is null or is the empty string.
   */
  @Pure
  public static boolean isNullOrEmpty(String string) {
    return string == null || string.isEmpty();
  }
}
`,
      // serde_json style: doc comment above an attribute
      'src/de.rs': `/// Deserialize an instance of type \`T\` from a string of JSON text.
#[inline]
pub fn from_str<'a, T: Deserialize<'a>>(s: &'a str) -> Result<T> {
    from_trait(read::StrRead::new(s))
}
`,
      'src/fmt/print.go': `package fmt

// Println formats using the default formats for its operands and writes to standard output.
func Println(a ...any) (n int, err error) {
\treturn Fprintln(os.Stdout, a...)
}
`,
      // requests style docstring
      'requests/api.py': `def get(url, params=None, **kwargs):
    r"""Sends a GET request.

    :param url: URL for the new :class:\`Request\` object.
    """
    return request("get", url, params=params, **kwargs)
`,
    };
    for (const [path, source] of Object.entries(documented))
      assert.deepEqual(review('documentation', path, source), [], path);
  });

  it('still reports exported functions whose only comment is not a doc comment or is detached', () => {
    const src = `// adds days
export function addDays(date: Date, amount: number): Date {
  return new Date(date.getTime() + amount * 864e5);
}

/** @license MIT */

export function subDays(date: Date, amount: number): Date {
  return addDays(date, -amount);
}
`;
    assert.deepEqual(review('documentation', 'src/days.ts', src), [
      'addDays:2 Public function without a doc comment',
      'subDays:8 Public function without a doc comment',
    ]);
    const java = `public class Greeter {\n  public String greet(String n) {\n    return "hi " + n;\n  }\n}\n`;
    assert.deepEqual(review('documentation', 'src/Greeter.java', java), [
      'Greeter.greet:2 Public function without a doc comment',
    ]);
  });
});

describe('gate rules: SQL built from strings', () => {
  const sql = (path: string, body: string) =>
    review('security', path, body).filter((f) => f.includes('SQL built from strings'));

  it('leaves hashing, Map.delete and parameterized queries alone', () => {
    const ts = `export function passwordHash(salt: string, password: string) {
  return createHash('sha256').update(salt + password).digest('hex');
}
export function evict(prefix: string, key: string) {
  this.cache.delete(prefix + key);
  emitter.emit('update', count + 1);
  return db.query('SELECT * FROM users WHERE id = $1', [prefix + key]);
}
`;
    assert.deepEqual(sql('src/auth.ts', ts), []);
    const py = `def find(cursor, user_id):\n    cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,))\n    log.info("Selected " + str(cursor.rowcount) + " rows from users")\n`;
    assert.deepEqual(sql('app/db.py', py), []);
  });

  it('reports an SQL statement with a value concatenated, interpolated or formatted into it', () => {
    const ts = `export function q(id: string, userId: string) {
  db.query("SELECT * FROM t WHERE id=" + id);
  return sql.unsafe(\`DELETE FROM sessions WHERE user_id = \${userId}\`);
}
`;
    assert.deepEqual(sql('src/q.ts', ts), ['q:2 SQL built from strings', 'q:3 SQL built from strings']);
    const py = `def rename(cur, name, uid):
    cur.execute("UPDATE users SET name = '%s' WHERE id = %d" % (name, uid))
    cur.execute("SELECT * FROM users WHERE name = '{}'".format(name))
    cur.execute(f"SELECT * FROM users WHERE id = {uid}")
    cur.execute('INSERT INTO logs (msg) VALUES (\\'' + name + '\\')')
`;
    assert.deepEqual(
      sql('app/users.py', py),
      [2, 3, 4, 5].map((l) => `rename:${l} SQL built from strings`),
    );
    const go = `func find(db *sql.DB, id string) {\n\tdb.Query(fmt.Sprintf("SELECT * FROM users WHERE id = %s", id))\n}\n`;
    assert.deepEqual(sql('store/users.go', go), ['find:2 SQL built from strings']);
    const java = `class Users {\n  void find(String name) {\n    stmt.executeQuery("select * from users where name = '" + name + "'");\n  }\n}\n`;
    assert.deepEqual(sql('src/Users.java', java), ['Users.find:3 SQL built from strings']);
  });
});
