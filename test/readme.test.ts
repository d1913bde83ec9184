import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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
});
