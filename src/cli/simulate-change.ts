// The change a simulated pull or merge request carries in the dev sandboxes (`aofctl simulate`): a README
// edit and a new file with a function the gate's rules find something in (eval), as a forge lists them.
const greeting =
  "export function greet(name: any) {\n  // TODO: localise\n  console.log('greeting', name);\n  return `Hello, ${name}`;\n}\n\nexport function run(cmd: string) {\n  return eval(cmd);\n}";
export const SIMULATED_CHANGE = [
  {
    filename: 'README.md',
    status: 'modified',
    additions: 1,
    deletions: 1,
    changes: 2,
    patch: '@@ -1 +1 @@\n-# Hello-World\n+# Hello, World',
    content: '# Hello, World\n',
  },
  {
    filename: 'src/greeting.ts',
    status: 'added',
    additions: 9,
    deletions: 0,
    changes: 9,
    patch: `@@ -0,0 +1,9 @@\n${greeting
      .split('\n')
      .map((l) => `+${l}`)
      .join('\n')}`,
    content: greeting,
  },
];
