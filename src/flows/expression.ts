// The small expression language of flow conditions: literals, names (`approval.output`, `metadata.x`,
// `event.action`), comparisons, `&&`, `||`, `!` and parentheses. Evaluated by a tiny parser, never by
// eval: expressions come from YAML and their values from users.

type Token = { t: 'num' | 'str' | 'name' | 'op'; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d+)?)|'([^']*)'|"([^"]*)"|([A-Za-z_][\w.-]*)|(==|!=|>=|<=|&&|\|\||[<>!()]))/y;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < src.length) {
    re.lastIndex = pos;
    m = re.exec(src);
    if (!m) {
      if (/^\s*$/.test(src.slice(pos))) break;
      throw new Error(`unexpected "${src.slice(pos).trim().slice(0, 10)}" at ${pos + 1}`);
    }
    pos = re.lastIndex;
    if (m[1] !== undefined) out.push({ t: 'num', v: m[1] });
    else if (m[2] !== undefined || m[3] !== undefined) out.push({ t: 'str', v: m[2] ?? m[3]! });
    else if (m[4] !== undefined) out.push({ t: 'name', v: m[4] });
    else out.push({ t: 'op', v: m[5]! });
  }
  return out;
}

export type Scope = (name: string) => unknown;

/** Parses once; the result evaluates against any scope. Throws with the position on a syntax error. */
/** `${a.b}` inside an expression is the same as `a.b`. */
const unwrap = (src: string) => src.replace(/\$\{\s*([\w.-]+)\s*\}/g, '$1');

export function compile(src: string): (scope: Scope) => unknown {
  const tokens = tokenize(unwrap(src));
  let i = 0;
  const peek = () => tokens[i];
  const take = (v?: string) => {
    const tok = tokens[i];
    if (!tok || (v !== undefined && tok.v !== v)) throw new Error(`expected ${v ?? 'a value'} in "${src}"`);
    i++;
    return tok;
  };
  type Node = (s: Scope) => unknown;
  const primary = (): Node => {
    const tok = take();
    if (tok.t === 'op' && tok.v === '(') {
      const e = or();
      take(')');
      return e;
    }
    if (tok.t === 'op' && tok.v === '!') {
      const e = primary();
      return (s) => !e(s);
    }
    if (tok.t === 'num') return () => Number(tok.v);
    if (tok.t === 'str') return () => tok.v;
    if (tok.t === 'name') {
      if (tok.v === 'true' || tok.v === 'false') return () => tok.v === 'true';
      if (tok.v === 'null') return () => null;
      return (s) => s(tok.v);
    }
    throw new Error(`unexpected "${tok.v}" in "${src}"`);
  };
  const comparison = (): Node => {
    const left = primary();
    const op = peek();
    if (op?.t === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(op.v)) {
      i++;
      const right = primary();
      return (s) => {
        const [a, b] = [left(s), right(s)];
        switch (op.v) {
          case '==':
            return String(a) === String(b);
          case '!=':
            return String(a) !== String(b);
          case '<':
            return Number(a) < Number(b);
          case '>':
            return Number(a) > Number(b);
          case '<=':
            return Number(a) <= Number(b);
          default:
            return Number(a) >= Number(b);
        }
      };
    }
    return left;
  };
  const and = (): Node => {
    let e = comparison();
    while (peek()?.v === '&&') {
      i++;
      const [l, r] = [e, comparison()];
      e = (s) => Boolean(l(s)) && Boolean(r(s));
    }
    return e;
  };
  const or = (): Node => {
    let e = and();
    while (peek()?.v === '||') {
      i++;
      const [l, r] = [e, and()];
      e = (s) => Boolean(l(s)) || Boolean(r(s));
    }
    return e;
  };
  const root = or();
  if (i < tokens.length) throw new Error(`unexpected "${tokens[i]!.v}" in "${src}"`);
  return root;
}

/** Names an expression reads, for validation (e.g. `approval.output` → node `approval`). */
export function namesIn(src: string): string[] {
  return tokenize(unwrap(src))
    .filter((t) => t.t === 'name' && !['true', 'false', 'null'].includes(t.v))
    .map((t) => t.v);
}

const TEMPLATE = /\$\{\s*([\w.-]+)\s*\}|\{\{\s*metadata\.(\w+)\s*\}\}/g;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** The names a flow template reads (`${deploy.output}` → deploy.output, `{{ metadata.x }}` → metadata.x). */
export function templateNames(text: string): string[] {
  return [...text.matchAll(TEMPLATE)].map((m) => m[1] ?? `metadata.${m[2]}`).filter((n) => !ENV_NAME.test(n));
}

/**
 * `${node.output}`, `${event.x}` and `{{ metadata.x }}` in text, in one pass (a substituted value is never
 * read as a template again), each value passed through `encode`. `${UPPER_CASE}` names an environment
 * variable, resolved by the worker in http nodes only: it is left as it is.
 */
export function renderFlowTemplate(text: string, scope: Scope, encode: (value: string) => string = (v) => v): string {
  return text.replace(TEMPLATE, (whole, name: string | undefined, meta: string | undefined) => {
    if (name !== undefined && ENV_NAME.test(name)) return whole;
    return encode(String(scope(name ?? `metadata.${meta}`) ?? ''));
  });
}
