/**
 * Entry of the integration suites inside the real extension host (loaded by VS Code through the
 * `extensionTestsPath` payload). Bundled with esbuild into out/test/integration/index.js; mocha
 * (ESM) is loaded from node_modules. Each result is also appended as a JSON line to the file named
 * by VAEREC_TEST_RESULTS, so the runner outside the editor can print it.
 */
import * as fs from 'node:fs';

export interface TestResult {
  title: string;
  state: 'passed' | 'failed';
  ms?: number;
  error?: string;
}

function record(result: TestResult): void {
  const file = process.env.VAEREC_TEST_RESULTS;
  if (file) fs.appendFileSync(file, JSON.stringify(result) + '\n');
}

export async function run(): Promise<void> {
  const { default: Mocha } = await import('mocha');
  const mocha = new Mocha({ ui: 'tdd', timeout: 120_000, color: false, reporter: 'dot' });
  // Suites use the tdd globals (suite/test/suiteSetup); they are defined before the suites load.
  mocha.suite.emit('pre-require', globalThis, 'integration', mocha);
  await import('./extension.test');
  await import('./training.test');
  await new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
    runner.on('pass', (t) => record({ title: t.fullTitle(), state: 'passed', ms: t.duration }));
    runner.on('fail', (t, err: Error) => record({ title: t.fullTitle(), state: 'failed', error: err.stack ?? String(err) }));
  });
}
