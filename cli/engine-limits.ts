/**
 * Refusals, before any work, of a system an engine cannot represent although the system file's
 * limits allow it: one line naming the file and the engine's limit, exit code 2.
 */
import { emulatorCapacityOf } from '../emulator/machine.js';
import { modelCapacityProblem } from '../model/capacity.js';
import type { SystemConfig } from '../system/config.js';
import { specCapacityProblem } from '../tla/capacity.js';
import { InputError } from './usage.js';

/** `config`, unless the model (which every engine builds on) cannot represent it. */
export function refuseBeyondModel(config: SystemConfig, file: string): SystemConfig {
  const problem = modelCapacityProblem(config);
  if (problem) throw new InputError(`${file}: cannot check this system: ${problem}`);
  return config;
}

/** `config`, unless the TLA+ model cannot list it (`spec`). */
export function refuseBeyondSpec(config: SystemConfig, file: string): SystemConfig {
  const problem = specCapacityProblem(config);
  if (problem) throw new InputError(`${file}: cannot write this system as TLA+: ${problem}`);
  return config;
}

/** `config`, unless the emulator's byte memory cannot hold it (guest images not counted yet). */
export function refuseBeyondEmulator(config: SystemConfig, file: string): SystemConfig {
  const problem = emulatorCapacityOf(config);
  if (problem) throw new InputError(`${file}: cannot simulate this system: ${problem}`);
  return config;
}
