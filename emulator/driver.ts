/**
 * Seeded runs of the machine: at each step the driver picks what happens next (the attacker, the
 * boot sequence, the timer, a device, or a vCPU) with fixed weights, so a run is a function of the
 * system, the programs and the seed. Refinement checking, when asked for, runs online.
 */
import { type DeviceIdx, type PartitionIdx, pagesOf, type SystemConfig } from '../system/config.js';
import { type Action, Machine, type MachineOptions, type StepRecord } from './machine.js';
import { PAGE_SIZE } from './memory.js';
import { Rng } from './rng.js';

export interface DriverWeights {
  /** Per attacker action while images can still be changed (0 for an honest environment). */
  readonly attacker: number;
  readonly tick: number;
  readonly vcpu: number;
  readonly dmaStimulus: number;
  readonly irq: number;
  /** Boot events out of turn, and any event after a halt (they must be ignored). */
  readonly stray: number;
  /** Probability that a device-initiated DMA aims outside its IOMMU window. */
  readonly faultRate: number;
}

export const DEFAULT_WEIGHTS: DriverWeights = {
  attacker: 0.15,
  tick: 3,
  vcpu: 12,
  dmaStimulus: 1,
  irq: 1,
  stray: 0.1,
  faultRate: 0.15,
};

/** The driver's next action, or null when nothing at all can happen. */
export function chooseAction(m: Machine, rng: Rng, w: DriverWeights = DEFAULT_WEIGHTS): Action {
  const config = m.config;
  const nParts = config.partitions.length;
  const options: { weight: number; action: () => Action }[] = [];
  const add = (weight: number, action: () => Action) => {
    if (weight > 0) options.push({ weight, action });
  };
  const randomPartition = () => rng.below(nParts) as PartitionIdx;
  if (!m.halted && !m.booted) {
    if (m.hvStatus === 'pending') {
      add(6, () => ({ kind: 'measure' }));
      add(w.attacker, () => ({ kind: 'tamper', partition: null }));
    } else add(6, () => ({ kind: 'launch', partition: nextPending(m) }));
    add(w.attacker * 2, () => ({ kind: 'tamper', partition: randomPartition() }));
  }
  if (m.booted && !m.halted) {
    add(w.tick, () => ({ kind: 'tick' }));
    const runnable = m.runnableVcpus();
    if (runnable.length) add(w.vcpu, () => ({ kind: 'run', vcpu: rng.pick(runnable).id }));
  }
  if (config.devices.length) {
    add(w.dmaStimulus, () => {
      const d = rng.below(config.devices.length);
      const window = config.devices[d]!.dma.flatMap((r) => pagesOf(r));
      const page =
        rng.chance(w.faultRate) || !window.length ? rng.below(config.platform.pages + 2) : rng.pick(window);
      return {
        kind: 'dma',
        device: d as DeviceIdx,
        address: page * PAGE_SIZE + rng.below(PAGE_SIZE / 8) * 8,
        access: rng.chance(0.5) ? 'read' : 'write',
      };
    });
    add(w.irq, () => ({ kind: 'irq', device: rng.below(config.devices.length) as DeviceIdx }));
    // Two different devices, the first acting on the second.
    const twoDevices = (): [DeviceIdx, DeviceIdx] => {
      const n = config.devices.length;
      const device = rng.below(n);
      return [device as DeviceIdx, ((device + 1 + rng.below(n - 1)) % n) as DeviceIdx];
    };
    if (config.devices.length > 1) {
      // A device's DMA at another device's BAR: peer-to-peer where the fabric routes it so, else
      // upstream to the IOMMU, which refuses it.
      add(w.dmaStimulus / 2, () => {
        const [device, peer] = twoDevices();
        return { kind: 'peer', device, peer, access: rng.chance(0.5) ? 'read' : 'write' };
      });
      // A device writing another's vector as an MSI: refused by source-id validation unless
      // interrupt remapping is off.
      add(w.irq, () => {
        const [device, vector] = twoDevices();
        return { kind: 'msi', device, vector };
      });
    }
  }
  const strays: (() => Action)[] = [
    () => ({ kind: 'measure' }),
    () => ({ kind: 'launch', partition: randomPartition() }),
    () => ({ kind: 'tick' }),
    () => ({ kind: 'tamper', partition: rng.chance(0.3) ? null : randomPartition() }),
  ];
  add(m.halted ? 1 : w.stray, () => rng.pick(strays)());
  const i = rng.weighted(options.map((o) => o.weight));
  return options[i]!.action();
}

function nextPending(m: Machine): PartitionIdx {
  for (let p = 0; p < m.config.partitions.length; p++)
    if (m.status(p) === 'pending') return p as PartitionIdx;
  return 0 as PartitionIdx;
}

export interface RunOptions extends MachineOptions {
  readonly seed: number;
  readonly steps: number;
  readonly weights?: DriverWeights;
  /** Called once the machine is built, before any step. */
  readonly onStart?: (m: Machine) => void;
  /** Called after every step; return false to stop. */
  readonly onStep?: (record: StepRecord, m: Machine) => boolean | undefined;
  /** Stop this many steps after a halt (the machine only stutters then). */
  readonly afterHalt?: number;
}

/** Runs the machine for up to `steps` steps; returns it. */
export function runMachine(config: SystemConfig, options: RunOptions): Machine {
  const m = new Machine(config, options);
  const rng = new Rng(options.seed);
  options.onStart?.(m);
  let haltedFor = 0;
  for (let i = 0; i < options.steps; i++) {
    const record = m.perform(chooseAction(m, rng, options.weights));
    if (!record) continue;
    if (options.onStep && options.onStep(record, m) === false) break;
    if (m.halted && ++haltedFor > (options.afterHalt ?? 20)) break;
  }
  return m;
}
