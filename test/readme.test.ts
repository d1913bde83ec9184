import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffOf } from '../cli/repair.js';
import { repair } from '../diagnosis/repair/search.js';
import { EXAMPLES } from './cli/cli.js';
import { exampleText, ROOT } from './helpers.js';

const readme = readFileSync(`${ROOT}README.md`, 'utf8');

describe('README', () => {
  it('lists every example with the verdicts its file predicts', () => {
    const rows = new Map(
      [...readme.matchAll(/^\| `([a-z0-9-]+)\.yaml` \| [^|]+ \| ([^|]+) \|$/gm)].map((m) => [
        m[1]!,
        m[2]!.trim(),
      ]),
    );
    expect([...rows.keys()].sort()).toEqual(EXAMPLES);
    for (const name of EXAMPLES) {
      const predicted = exampleText(name)
        .match(/^# expect-violated: (.*)$/m)![1]!
        .trim();
      const listed = rows.get(name)!;
      expect(listed === 'all hold' ? 'none' : listed.split(', ').join(' ')).toBe(predicted);
    }
  });

  it('shows the diff typezero repair gives for dma-window-overlap', () => {
    const shown = readme.match(/```diff\n\$ typezero repair (\S+)[^\n]*\n[\s\S]*?\n(--- [\s\S]*?)```/);
    expect(shown).not.toBeNull();
    const file = shown![1]!;
    const result = repair(readFileSync(`${ROOT}${file}`, 'utf8'), file);
    if (result.status !== 'repaired') throw new Error(`repair of ${file}: ${result.status}`);
    expect(shown![2]).toBe(diffOf(file, result.original.text, result.repaired.text));
    for (const edit of result.edits) expect(readme).toContain(edit.description);
  });
});
