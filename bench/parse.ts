// npm run bench:parse
// Throughput of tree-sitter over source (MB/s, per language): the parse alone beside parse + function
// extraction on the same input, and the time to map a 10,000-line diff to the functions it touches, as
// the gate's extractChangedFunctions activity does.
import { cpus } from 'node:os';
import { changedLines } from '../src/code/diff.js';
import { findFunctions, mapChangedFunctions, parseSource } from '../src/code/functions.js';
import { languageOf } from '../src/code/languages.js';
import { tsFunctions } from '../test/harness/synthetic-pr.js';

const samples: Record<string, (i: number) => string> = {
  'a.ts': (i) =>
    `export class C${i} {\n  method${i}(x: number): number {\n    const y = x * ${i};\n    return y + this.other(y);\n  }\n  other(v: number) { return v; }\n}\n`,
  'a.py': (i) =>
    `class C${i}:\n    def method${i}(self, x):\n        y = x * ${i}\n        return y + self.other(y)\n\n    def other(self, v):\n        return v\n\n`,
  'a.go': (i) => `func (c *C${i}) Method${i}(x int) int {\n\ty := x * ${i}\n\treturn y + c.other(y)\n}\n\n`,
  'A.java': (i) =>
    `class C${i} {\n  int method${i}(int x) {\n    int y = x * ${i};\n    return y + other(y);\n  }\n  int other(int v) { return v; }\n}\n`,
  'a.rs': (i) =>
    `impl C${i} {\n    fn method${i}(&self, x: i64) -> i64 {\n        let y = x * ${i};\n        y + self.other(y)\n    }\n}\n`,
};

const line = (k: string, v: string) => console.log(`${k.padEnd(44)} ${v}`);
console.log(`\nbench:parse — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`);
const mbps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
for (const [file, gen] of Object.entries(samples)) {
  const lang = languageOf(file)!;
  let source = '';
  for (let i = 0; source.length < 2 * 1024 * 1024; i++) source += gen(i);
  findFunctions(source.slice(0, 10_000), lang); // load the grammar
  // Alternate the two, and compare each extraction with the parse just before it, so that a noisy
  // neighbour on a shared machine slows both sides of a ratio alike.
  const parse: number[] = [];
  const extract: number[] = [];
  const ratios: number[] = [];
  let n = 0;
  for (let r = 0; r < 7; r++) {
    let t0 = performance.now();
    parseSource(source, lang);
    parse.push(performance.now() - t0);
    t0 = performance.now();
    n = findFunctions(source, lang).length;
    extract.push(performance.now() - t0);
    ratios.push(parse[r]! / extract[r]!);
  }
  line(
    `${lang.name}: parse | parse + find functions`,
    `${mbps(source.length, median(parse)).toFixed(1)} | ${mbps(source.length, median(extract)).toFixed(1)} MB/s, ` +
      `extraction at ${median(ratios).toFixed(2)}x the parse (${n} functions in ${(source.length / 1024 / 1024).toFixed(1)} MB; medians of 7)`,
  );
}

// A 10,000-line diff: a TypeScript file of 2,000 functions added whole.
const lang = languageOf('big.ts')!;
const source = tsFunctions(2000);
const lines = source.split('\n');
const patch = `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => '+' + l).join('\n')}`;
const times: number[] = [];
let mapped = 0;
for (let r = 0; r < 7; r++) {
  const t0 = performance.now();
  mapped = mapChangedFunctions(findFunctions(source, lang), changedLines(patch).lines).length;
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
line(`map a ${lines.length}-line diff to functions`, `${times[3]!.toFixed(0)} ms median of 7 (${mapped} functions)`);
