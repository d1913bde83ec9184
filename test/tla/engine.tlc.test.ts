/**
 * The TLC engine for real: runs wherever tla2tools.jar and Java are present (TLA2TOOLS_JAR, or
 * `typezero tools install`), and is skipped with the reason printed everywhere else.
 */
import { describe, expect, it } from 'vitest';
import { runExplorer } from '../../proofs/check.js';
import { tlcEngine } from '../../tla/tlc/engine.js';
import { findTools } from '../../tla/tlc/java.js';
import { example } from '../helpers.js';

const tools = findTools();
const reason = tools.ok ? '' : tools.reason;
if (!tools.ok) console.log(`TLC tests skipped: ${reason}`);

describe.skipIf(!tools.ok)(`TLC engine (${tools.ok ? `jar ${tools.jar}` : `skipped: ${reason}`})`, () => {
  const engine = tlcEngine();

  it.each(['mils-two-domain', 'write-down-channel', 'orphan-monitor', 'shared-irq'])(
    '%s: the same verdicts and distinct states as the explorer, and traces the model replays',
    async (name) => {
      const config = example(name);
      const run = await engine.check(config, `examples/${name}.yaml`);
      const explorer = runExplorer(config, `examples/${name}.yaml`, {});
      expect(run.disagreements).toEqual([]);
      expect(run.report.properties.map((p) => [p.name, p.status])).toEqual(
        explorer.report.properties.map((p) => [p.name, p.status]),
      );
      expect(run.report.stats.distinctStates).toBe(explorer.report.stats.distinctStates);
      expect(run.report.stats.depth).toBe(explorer.report.stats.depth);
    },
  );

  it('a bug model fails with its property', async () => {
    const run = await engine.check(example('mils-two-domain'), 'mils', { bugs: ['auto-restart'] });
    expect(run.report.properties.find((p) => p.name === 'FaultContainment')?.status).toBe('violated');
  });
});
