// Mocha's spec reporter plus one plain closing line, "N passed, N failed", that CI reads.
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const s = runner.stats;
      process.stdout.write(`\ntests: ${s.passes} passed, ${s.failures} failed\n`);
    });
  }
}

module.exports = SummaryReporter;
