/** Recorded TLC outputs and -dumpTrace files, written by hand from TLC's documented formats. */
import { readFileSync } from 'node:fs';

export function tlcFixture(name: string): string {
  return readFileSync(new URL(`./fixtures/tlc/${name}`, import.meta.url), 'utf8');
}
