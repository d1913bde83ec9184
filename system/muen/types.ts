/**
 * The facts `policy.ts` reads from a Muen source policy, each with the file and line it came from,
 * and the notes of the import report: one per construct the model cannot express.
 */
export interface Loc {
  readonly file: string;
  readonly line: number;
}

export interface Note {
  readonly at: Loc;
  readonly construct: string;
  /** What the import did with it, and why that is or is not safe. */
  readonly action: string;
}

export interface Region {
  readonly name: string;
  readonly kind: 'memory' | 'channel' | 'component';
  readonly at: Loc;
  /** For a channel: the event mode that notifies its readers, if any. */
  readonly hasEvent?: string;
}

export interface Mapping {
  readonly subject: string;
  readonly region: string;
  readonly writable: boolean;
  readonly at: Loc;
}

export interface DeviceAssignment {
  readonly subject: string;
  /** Hardware device names (a platform class names several). */
  readonly devices: readonly string[];
  readonly at: Loc;
}

export interface Domain {
  readonly name: string;
  readonly at: Loc;
  readonly regions: readonly { region: string; writable: boolean; at: Loc }[];
  readonly subjects: readonly { subject: string; at: Loc }[];
  readonly devices: readonly { devices: readonly string[]; at: Loc }[];
}

export interface EventEnd {
  readonly subject: string;
  readonly event: string;
  readonly at: Loc;
  /** For a target: `reset`, `inject_interrupt`, or undefined for a plain switch or notification. */
  readonly action?: string;
}

export interface HardwareDevice {
  readonly name: string;
  readonly at: Loc;
  readonly irqs: readonly number[];
  readonly msi: boolean;
}

export interface MinorFrame {
  readonly partition: string;
  readonly ticks: number;
  readonly at: Loc;
}

export interface Subject {
  readonly name: string;
  readonly profile: string;
  readonly at: Loc;
}

export interface MuenPolicy {
  readonly name: string;
  readonly cpus: number;
  readonly subjects: readonly Subject[];
  readonly regions: ReadonlyMap<string, Region>;
  readonly mappings: readonly Mapping[];
  readonly devices: readonly DeviceAssignment[];
  readonly hardware: ReadonlyMap<string, HardwareDevice>;
  readonly domains: readonly Domain[];
  readonly sources: readonly EventEnd[];
  readonly targets: readonly EventEnd[];
  /** Scheduling partition -> the subjects of its groups. */
  readonly schedulingPartitions: ReadonlyMap<string, { subjects: readonly string[]; at: Loc }>;
  /** The first major frame: per CPU, its minor frames in order. */
  readonly majorFrame: readonly (readonly MinorFrame[])[];
  readonly notes: Note[];
}

export interface ImportFiles {
  readonly policy: string;
  /** The hardware file, then any further ones merged into it (as Muen's build adds common_hardware.xml). */
  readonly hardware: readonly string[];
  readonly platform: string;
  /** Where component specifications are looked up; default: `components/` beside the policy. */
  readonly components?: string;
}
