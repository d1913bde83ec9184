/**
 * Refusals, before any work, of a system an engine cannot represent although the system file's
 * limits allow it: one line naming the file and the engine's limit, exit code 2.
 */
import { emulatorCapacityProblem } from '../emulator/capacity.js';
import { hypervisorPages } from '../emulator/machine.js';
import { modelCapacityProblem } from '../model/capacity.js';
import { buildLayout } from '../model/layout.js';
import type { SystemConfig } from '../system/config.js';
import { InputError } from './usage.js';

/** `config`, unless the model (which every engine builds on) cannot represent it. */
export function refuseBeyondModel(config: SystemConfig, file: string): SystemConfig {
  const problem = modelCapacityProblem(config);
  if (problem) throw new InputError(`${file}: cannot check this system: ${problem}`);
  return config;
}

/** `config`, unless the emulator's byte memory cannot hold it (guest images not counted yet). */
export function refuseBeyondEmulator(config: SystemConfig, file: string): SystemConfig {
  const layout = buildLayout(config);
  const vcpus = config.partitions.map(
    (p) =>
      new Set(config.schedule.windows.filter((w) => w.partition === p.index).map((w) => w.cpu)).size || 1,
  );
  const problem = emulatorCapacityProblem(
    config,
    hypervisorPages(
      config,
      layout,
      [],
      vcpus.reduce((a, b) => a + b, 0),
    ),
  );
  if (problem) throw new InputError(`${file}: cannot simulate this system: ${problem}`);
  return config;
}
