/** Shared test helpers: load systems, boot them, drive the model. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Event } from '../model/events.js';
import { buildLayout, type Layout } from '../model/layout.js';
import { init, type State } from '../model/state.js';
import { type ModelOptions, type StepResult, step } from '../model/step.js';
import type { PartitionIdx, SystemConfig } from '../system/config.js';
import { formatSystemFileError, loadSystemFile, parseSystemText } from '../system/load.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function example(name: string): SystemConfig {
  const loaded = loadSystemFile(`${ROOT}examples/${name}.yaml`);
  if (!loaded.ok) throw new Error(loaded.errors.map(formatSystemFileError).join('\n'));
  return loaded.config;
}

export function exampleText(name: string): string {
  return readFileSync(`${ROOT}examples/${name}.yaml`, 'utf8');
}

export function fromYaml(text: string): SystemConfig {
  const loaded = parseSystemText(text, 'test.yaml');
  if (!loaded.ok) throw new Error(loaded.errors.map(formatSystemFileError).join('\n'));
  return loaded.config;
}

export interface Driver {
  readonly layout: Layout;
  readonly state: State;
  readonly last: StepResult | null;
  /** Applies the events in order and returns a driver at the resulting state. */
  run(...events: Event[]): Driver;
  partition(name: string): PartitionIdx;
}

export function driver(config: SystemConfig, options: ModelOptions = {}, state?: State): Driver {
  const layout = buildLayout(config);
  const make = (s: State, last: StepResult | null): Driver => ({
    layout,
    state: s,
    last,
    run(...events) {
      let at: State = s;
      let result: StepResult | null = last;
      for (const e of events) {
        result = step(layout, at, e, options);
        at = result.state;
      }
      return make(at, result);
    },
    partition(name) {
      const p = config.partitions.find((x) => x.name === name);
      if (!p) throw new Error(`no partition ${name}`);
      return p.index;
    },
  });
  return make(state ?? init(layout), null);
}

/** Measures the hypervisor and launches every partition in order. */
export function booted(config: SystemConfig, options: ModelOptions = {}): Driver {
  const d = driver(config, options);
  return d.run(
    { type: 'MeasureHypervisor' },
    ...config.partitions.map((p): Event => ({ type: 'LaunchPartition', partition: p.index })),
  );
}

export const pid = (i: number) => i as PartitionIdx;
