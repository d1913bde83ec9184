/** A small valid system and helpers to break it in one place at a time. */
import { expect } from 'vitest';
import { type LoadResult, parseSystemText, type SystemFileError } from '../../system/load.js';

export const H = '1'.repeat(64);
export const S = '2'.repeat(64);
export const U = '3'.repeat(64);

export const BASE = `system: mils-two-domain
platform: { cpus: 2, pages: 32 }
hypervisor: { image: "sha256:${H}" }
levels: [UNCLASSIFIED, SECRET]
partitions:
  - { name: secret, kind: guest-os, level: SECRET, cpus: [0], memory: [{ start: 0, pages: 8 }], image: "sha256:${S}" }
  - { name: unclass, kind: rtos, level: UNCLASSIFIED, cpus: [1], memory: [{ start: 8, pages: 8 }], image: "sha256:${U}" }
devices:
  - { name: nic0, owner: secret, irq: 11, dma: [{ start: 2, pages: 2 }] }
channels:
  - { name: up, from: unclass, to: secret, capacity: 2 }
shared:
  - { name: ring, memory: { start: 20, pages: 1 }, writer: unclass, readers: [secret] }
schedule:
  majorFrame: 10
  windows:
    - { cpu: 0, partition: secret, start: 0, length: 5 }
    - { cpu: 1, partition: unclass, start: 0, length: 10 }
audit: { capacity: 16, onFull: halt }
`;

/** BASE with each `[from, to]` applied; `from` must occur exactly once so a patch cannot miss. */
export function patch(...edits: readonly (readonly [string, string])[]): string {
  let text = BASE;
  for (const [from, to] of edits) {
    const count = text.split(from).length - 1;
    if (count !== 1) throw new Error(`patch target ${JSON.stringify(from)} occurs ${count} times`);
    text = text.replace(from, () => to);
  }
  return text;
}

/** 1-based line and column of the `nth` occurrence of `needle` in `text`, found without the YAML parser. */
export function at(text: string, needle: string, nth = 1): { line: number; column: number } {
  let offset = -1;
  for (let k = 0; k < nth; k++) {
    offset = text.indexOf(needle, offset + 1);
    if (offset === -1) throw new Error(`${JSON.stringify(needle)} does not occur ${nth} times`);
  }
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** Position of the value in a `key: value` needle, the `nth` time the needle occurs. */
export function atValue(text: string, keyAndValue: string, nth = 1): { line: number; column: number } {
  const { line, column } = at(text, keyAndValue, nth);
  return { line, column: column + keyAndValue.indexOf(': ') + 2 };
}

export function loaded(result: LoadResult) {
  if (!result.ok)
    throw new Error(`expected the system to load, got:\n${result.errors.map((e) => e.message).join('\n')}`);
  return result.config;
}

export function errorsOf(text: string, file = 'sys.yaml'): SystemFileError[] {
  const result = parseSystemText(text, file);
  if (result.ok) throw new Error('expected the system to be rejected, but it loaded');
  return result.errors;
}

/** The one error the text produces. */
export function onlyError(text: string, file = 'sys.yaml'): SystemFileError {
  const errors = errorsOf(text, file);
  expect(errors.map((e) => `${e.code} ${e.path}: ${e.message}`)).toHaveLength(1);
  return errors[0] as SystemFileError;
}
