/**
 * The evidence package's data: what evidence.json holds, field for field as
 * evidence/evidence.schema.json documents it, and what report.html is rendered from. Every list is
 * in a fixed order (catalog order for properties, catalogue order for requirements, engine order
 * for engines) so that two runs on the same inputs write the same bytes apart from timing fields.
 */
import type { EmulatorMutant } from '../emulator/machine.js';
import type { SeededBug } from '../model/step.js';
import type { ItfTrace } from '../proofs/itf.js';
import type { PropertyName } from '../proofs/properties.js';
import type { ProofMethod } from '../proofs/prove.js';
import type { Assumption } from './assumptions.js';
import type { DocumentControl } from './document.js';
import type { NiAgreement, NoninterferenceEvidence } from './noninterference.js';
import type { RequirementId } from './requirements.js';
import type { SeededRuns } from './runs.js';
import type { NotCovered, Scope } from './scope.js';

export const EVIDENCE_FORMAT = 'typezero-evidence';
export const EVIDENCE_FORMAT_VERSION = 1;

/** In the order evidence.json lists them; `prove`, the latest, last (it runs right after the explorer). */
export const ENGINE_NAMES = ['explorer', 'tla-checker', 'tlc', 'prove'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export type PropertyStatus = 'holds' | 'violated' | 'unknown';

/** `pass`: every property holds on every engine run and conformance passed (exit 0); `fail`: a
 * property is violated or unknown (exit 1); `error`: an engine failed, engines disagree, a
 * conformance check failed, or noninterference failed or disagrees with InformationFlow, so the
 * verdicts cannot be trusted (exit 2). */
export type OverallStatus = 'pass' | 'fail' | 'error';

export interface Verdict {
  readonly status: OverallStatus;
  readonly exitCode: 0 | 1 | 2;
  /** One sentence, the first thing the report says. */
  readonly headline: string;
  /** Each reason the status is not `pass`, in words. */
  readonly findings: readonly string[];
}

export interface FileDigest {
  readonly path: string;
  readonly sha256: string;
}

export interface PageRun {
  readonly start: number;
  readonly pages: number;
  /** Partitions whose `memory` lists these pages. */
  readonly owners: readonly string[];
  readonly shared: readonly string[];
  /** Devices whose DMA window covers these pages. */
  readonly dmaWindows: readonly string[];
}

export interface Baseline {
  readonly platform: { readonly cpus: number; readonly pages: number };
  /** Empty when the system states its policy as declared flows. */
  readonly levels: readonly string[];
  /** The declared flows (groups expanded), when the system states its policy as flows. */
  readonly flows?: readonly { readonly from: string; readonly to: string }[];
  readonly digests: readonly { readonly component: string; readonly digest: string }[];
  readonly partitions: readonly {
    readonly name: string;
    readonly kind: string;
    readonly level?: string;
    readonly cpus: readonly number[];
    readonly memory: readonly { readonly start: number; readonly pages: number }[];
    readonly launch: string;
    readonly privileges: readonly string[];
    /** The partitions its partition-control reaches, when the file names them (absent: every partition). */
    readonly controls?: readonly string[];
    readonly downgrader: boolean;
  }[];
  readonly devices: readonly {
    readonly name: string;
    readonly owner: string;
    readonly irq: number;
    readonly iommu: string;
    readonly dma: readonly { readonly start: number; readonly pages: number }[];
  }[];
  readonly channels: readonly {
    readonly name: string;
    readonly from: string;
    readonly to: string;
    readonly capacity: number;
  }[];
  readonly shared: readonly {
    readonly name: string;
    readonly start: number;
    readonly pages: number;
    readonly writer: string;
    readonly readers: readonly string[];
  }[];
  readonly schedule: {
    readonly majorFrame: number;
    readonly windows: readonly {
      readonly cpu: number;
      readonly partition: string;
      readonly start: number;
      readonly length: number;
    }[];
  };
  readonly audit: { readonly capacity: number; readonly onFull: string };
  /** Every platform page in runs of pages with the same owners, shared regions and DMA windows. */
  readonly memoryMap: readonly PageRun[];
}

export interface SystemEvidence {
  readonly name: string;
  /** The system file's name, also its path inside the package (`system/<file>`). */
  readonly file: string;
  readonly sha256: string;
  /** `typezero validate`'s account of the system. */
  readonly summary: string;
  readonly baseline: Baseline;
}

export interface ToolEvidence {
  readonly name: 'typezero';
  readonly version: string;
  /**
   * The commit typezero was built from: of the git checkout it runs from, or as recorded in the
   * tool tarball it was installed from (evidence/tool.ts SOURCE_RECORD); null when neither is known.
   */
  readonly gitCommit: string | null;
  /** Whether the checkout differed from that commit, untracked files included. */
  readonly gitDirty: boolean | null;
  /** Where typezero's sources are published (absent from packages made before it was recorded). */
  readonly repository?: RepositoryEvidence;
  /** The tool itself, carried in the package to reproduce it offline (absent from older packages). */
  readonly copy?: ToolCopyEvidence;
  readonly node: string;
  readonly platform: string;
  readonly tlaChecker: string | null;
  readonly tlc: TlcEvidence | null;
  /** The TLA+ sources the spec engines checked. */
  readonly specFiles: readonly FileDigest[];
}

export interface RepositoryEvidence {
  /** The URL; null when none is known. */
  readonly url: string | null;
  /** package.json's `repository`, else the checkout's git remote, else none. */
  readonly source: 'package.json' | 'git-remote' | 'none';
}

/** A tarball the package carries, with the package it holds. */
export interface CarriedTarball extends FileDigest {
  readonly name: string;
  readonly version: string;
}

/**
 * The exact tool in the package (tool/): typezero as an npm tarball, the lockfile it was built with
 * and its runtime packages as tarballs, so the package reproduces with no network and no checkout.
 */
export interface ToolCopyEvidence {
  readonly status: 'carried' | 'not-carried';
  /** Why the tool is not carried; null when it is. */
  readonly reason: string | null;
  readonly tarball: CarriedTarball | null;
  readonly lockfile: FileDigest | null;
  /** The runtime packages, one tarball each, sorted by name. */
  readonly dependencies: readonly CarriedTarball[];
}

/** The TLC that ran: the jar, its digest, TLC's own version line and the exact command. */
export interface TlcEvidence {
  /** File name of the jar. */
  readonly jar: string;
  readonly sha256: string;
  /** TLC's version line (`2.19 of 08 August 2024 (rev: 5a47802)`); null when TLC printed none. */
  readonly version: string | null;
  /** The last TLC command, run in the folder of the generated model; null when TLC never started. */
  readonly command: readonly string[] | null;
}

export interface Bounds {
  /** Distinct-state bound given to every engine. */
  readonly maxStates: number;
  /** Emulator-vs-model campaign: seeded runs and steps per run. */
  readonly conformanceSeeds: number;
  readonly conformanceSteps: number;
  /** Model-vs-spec trace validation: seeded random walks of the model and the steps of each. */
  readonly specWalks: number;
  readonly specWalkSteps: number;
}

export type EngineStatus = 'completed' | 'bounded' | 'not-run' | 'failed';

export interface EngineVerdict {
  readonly property: PropertyName;
  readonly status: PropertyStatus | 'not-checked';
  /** Package path of the counterexample, when violated. */
  readonly trace: string | null;
  /** Whether the engine reached the property's bait; null when it did not settle baits. */
  readonly bait: boolean | null;
}

export interface EngineEvidence {
  readonly engine: EngineName;
  /** completed: exhaustive search finished; bounded: stopped at `maxStates`; not-run: unavailable
   * here (see `reason`); failed: the engine could not check the system (see `reason`). */
  readonly status: EngineStatus;
  readonly reason: string | null;
  readonly maxStates: number;
  readonly distinctStates: number | null;
  readonly depth: number | null;
  readonly durationMs: number | null;
  readonly verdicts: readonly EngineVerdict[];
  /** Set when `distinctStates` counts the label-sliced graph (the explorer's, as `check` runs it). */
  readonly reduction?: 'label-slicing';
}

export interface Counterexample {
  readonly engine: EngineName;
  /** Package path of the ITF file. */
  readonly file: string;
  /** Number of steps after the initial state. */
  readonly steps: number;
  /** For a liveness counterexample: the state index the last step loops back to. */
  readonly loop: number | null;
  /** What is wrong in the last state, in the system file's words. */
  readonly explanation: string | null;
  /**
   * The fields of the system file the trace relied on (diagnosis/causes.ts), where they are in it
   * and why; empty when the model could not follow the trace or no field of the file is to blame.
   */
  readonly causes: readonly CauseEvidence[];
  readonly itf: ItfTrace;
}

/** A root cause of a counterexample: a field of the system file, where it is, and why. */
export interface CauseEvidence {
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly explanation: string;
}

export interface PropertyEvidence {
  readonly name: PropertyName;
  readonly kind: 'invariant' | 'liveness';
  readonly summary: string;
  /** The TLA+ definition in spec/Hypervisor.tla and its reachability bait. */
  readonly tla: { readonly module: string; readonly definition: string; readonly bait: string };
  /** Where the TypeScript predicate lives, in the typezero sources. */
  readonly predicate: { readonly file: string; readonly symbol: string };
  readonly requirements: readonly RequirementId[];
  /** Whether the explorer reached the bait step, so the property did not hold vacuously. */
  readonly bait: {
    readonly description: string;
    readonly reached: boolean | null;
    /** In words: what exercised the property, or why it holds trivially here. */
    readonly note: string | null;
  };
  /** Agreed verdict of the engines that ran; `disagreement` when they differ. */
  readonly status: PropertyStatus | 'disagreement';
  /**
   * True when the property holds only vacuously here (not applicable: nothing it speaks about can
   * happen on this system), false when it holds and was exercised, null when it does not hold or
   * nobody settled it. The status stays `holds`; requirement families resting on it are
   * `not-demonstrated`.
   */
  readonly vacuous: boolean | null;
  /** Why the property is vacuous here, when it is. */
  readonly vacuityReason: string | null;
  readonly counterexamples: readonly Counterexample[];
}

export interface RequirementEvidence {
  readonly id: RequirementId;
  readonly family: string;
  readonly statement: string;
  readonly references: readonly string[];
  readonly properties: readonly { readonly property: PropertyName; readonly rationale: string }[];
  /**
   * `not-met` when a mapped property is violated; `unknown` when one is unknown or disputed;
   * `not-demonstrated` when every mapped property holds but one only vacuously; else `met`.
   */
  readonly status: RequirementStatus;
  /** Why the family is not met, or not demonstrated, in words; null when met. */
  readonly reason: string | null;
  /** The Common Criteria Part 2 elements the family traces to, each with the property that speaks to it and what part it covers. */
  readonly sfrs?: readonly SfrEvidence[];
  /** The separation-kernel protection profile's functional areas the family serves. */
  readonly skpp?: readonly { readonly area: string; readonly covers: string }[];
  /** Checks besides the catalog properties that speak to the family's elements, with their results. */
  readonly checks?: readonly CheckCitation[];
}

/** The two-run noninterference check, cited for an element, with its result on this system. */
export interface CheckCitation {
  readonly check: 'noninterference';
  readonly element: string;
  readonly covers: string;
  readonly status: NoninterferenceEvidence['status'];
  readonly agreement: NiAgreement;
}

export interface SfrEvidence {
  /** The element, e.g. `FDP_IFF.1.2`. */
  readonly element: string;
  readonly component: string;
  /** What the element requires, paraphrased. */
  readonly requires: string;
  readonly property: PropertyName;
  readonly covers: string;
}

export type RequirementStatus = 'met' | 'not-met' | 'unknown' | 'not-demonstrated';

/** The integrator's own requirements (--requirements FILE), each mapped to catalog properties. */
export interface IntegratorEvidence {
  /** The file's name as given, without directories. */
  readonly file: string;
  /** Where the package holds it (`requirements/<file>`). */
  readonly path: string;
  readonly sha256: string;
  /** In file order. */
  readonly requirements: readonly {
    readonly id: string;
    readonly title: string | null;
    readonly properties: readonly PropertyName[];
    /** As for a requirement family: from the properties it rests on. */
    readonly status: RequirementStatus;
    readonly reason: string | null;
  }[];
}

export interface CoverageItem {
  readonly key: string;
  readonly name: string;
  readonly count: number;
}

export interface CoverageTable {
  /** Members of the universe exercised at least once. */
  readonly hit: number;
  readonly total: number;
  readonly items: readonly CoverageItem[];
}

export type CheckStatus = 'passed' | 'failed' | 'not-run';

export interface ModelVsSpecEvidence {
  readonly status: CheckStatus;
  readonly reason: string | null;
  /** The seeded random walks of the model replayed in the spec, one record each. */
  readonly walks: SeededRuns;
  readonly checks: readonly {
    readonly name: string;
    readonly status: CheckStatus;
    readonly detail: string;
  }[];
  readonly durationMs: number | null;
}

export interface EmulatorVsModelEvidence {
  readonly status: CheckStatus;
  readonly reason: string | null;
  readonly runs: number;
  /** Of `runs`: runs that performed the model's shortest path to a kind of step the seeded runs
   * missed. */
  readonly directedRuns: number;
  readonly stepsChecked: number;
  readonly guestInstructions: number;
  readonly failures: readonly string[];
  readonly coverage: {
    readonly events: CoverageTable;
    /** Event kinds and hypercalls the model itself takes on this system, keyed as in the tables. */
    readonly modelReaches: { readonly events: readonly string[]; readonly hypercalls: readonly string[] };
    readonly vmExits: CoverageTable;
    readonly hypercalls: CoverageTable;
    readonly vtdFaults: CoverageTable;
  };
  /** The seeded random runs, one record each (seed, steps, why it ended), and figures from those. */
  readonly seededRuns: SeededRuns;
  /** Each counterexample performed on the emulator by guest code, refining the model at each step. */
  readonly counterexamples: readonly {
    readonly property: PropertyName;
    readonly status: 'realised' | 'failed';
    readonly detail: string;
  }[];
  readonly durationMs: number | null;
}

export type AbstractionReduction = 'none' | 'label-slicing';

/** One search in the abstraction test: of the class model or of the page-by-page model. */
export interface AbstractionSearch {
  /** Whether the search covered every reachable state within the bound. */
  readonly complete: boolean;
  readonly distinctStates: number;
  readonly depth: number;
  /** Per property, in catalog order: its verdict and whether its bait was reached. */
  readonly verdicts: readonly {
    readonly property: PropertyName;
    readonly status: PropertyStatus;
    readonly bait: boolean;
  }[];
  readonly durationMs: number;
}

/** The class model against the page-by-page model, both searched with one reduction setting. */
export interface AbstractionComparison {
  readonly reduction: AbstractionReduction;
  /** passed: both finished with the same verdicts and baits; not-run: a search stopped at the bound. */
  readonly status: CheckStatus;
  readonly reason: string | null;
  readonly classModel: AbstractionSearch;
  /** Null when the class model did not finish, so the page model was not searched. */
  readonly pageModel: AbstractionSearch | null;
  /** Every verdict, bait or size that differs, in words. */
  readonly differences: readonly string[];
}

/** The page-class abstraction tested on the packaged system when the package was made. */
export interface AbstractionEvidence {
  readonly status: CheckStatus;
  readonly reason: string | null;
  /** The distinct-state bound of every search (the package's). */
  readonly maxStates: number;
  /** Host pages, the classes they fall into, and the labelled cells of either model. */
  readonly layout: {
    readonly pages: number;
    readonly classes: number;
    readonly classCells: number;
    readonly pageCells: number;
  };
  /** Label-sliced, then over whole states. */
  readonly comparisons: readonly AbstractionComparison[];
  readonly durationMs: number | null;
}

/** One package typezero ran with: where it sits, the version pinned and the version found there. */
export interface DependencyRecord {
  readonly name: string;
  /** Its place under the typezero package (`node_modules/…`), as the lockfile names it. */
  readonly path: string;
  /** The version the lockfile pins; null when read from the installed packages. */
  readonly locked: string | null;
  /** The version installed there; null when nothing is installed there. */
  readonly installed: string | null;
  /** The lockfile's integrity digest of the package tarball. */
  readonly integrity: string | null;
  /** A dependency typezero's package.json names itself, not one of theirs. */
  readonly direct: boolean;
}

export interface DependencyEvidence {
  /** Where the list comes from: typezero's lockfile, or (an installed typezero has none) its installed packages. */
  readonly source: 'package-lock.json' | 'installed';
  readonly lockfileSha256: string | null;
  /** Every runtime package (development-only ones left out), by path. */
  readonly packages: readonly DependencyRecord[];
}

export interface EnvironmentEvidence {
  /** Operating system name and release. */
  readonly os: string;
  readonly platform: string;
  readonly cpu: { readonly model: string; readonly count: number };
  readonly node: string;
  /** What `java -version` printed first; null when no Java was found. */
  readonly java: string | null;
  /** TLC's version line, when TLC ran. */
  readonly tlc: string | null;
}

/** A seeded bug on one system: killed by the properties that hold without it and are violated with it. */
export interface BugAttempt {
  readonly system: string;
  /** Whether `system` is the packaged system (else the example the bug was made for). */
  readonly packaged: boolean;
  /** bounded: not killed before the search stopped at the bound. */
  readonly status: 'killed' | 'survived' | 'bounded' | 'not-run';
  readonly killedBy: readonly PropertyName[];
  readonly distinctStates: number | null;
  readonly reason: string | null;
}

export interface SeededBugKills {
  /** Distinct states each search could take. */
  readonly maxStates: number;
  readonly killed: number;
  readonly total: number;
  readonly bugs: readonly {
    readonly bug: SeededBug;
    readonly kind: 'hypervisor' | 'label';
    readonly description: string;
    /** The example the bug was made for, where it is shipped with typezero. */
    readonly madeFor: string | null;
    readonly status: 'killed' | 'survived' | 'bounded';
    readonly attempts: readonly BugAttempt[];
    readonly note: string | null;
  }[];
}

export interface MutantKills {
  /** The campaign per mutant: seeded runs of at most `steps` steps, after the EPT-misconfiguration run. */
  readonly seeds: number;
  readonly steps: number;
  readonly killed: number;
  readonly total: number;
  /** Why no mutant was run (the emulator cannot hold the system); absent when they were. */
  readonly reason?: string;
  readonly mutants: readonly {
    readonly mutant: EmulatorMutant;
    readonly description: string;
    readonly status: 'killed' | 'survived';
    /** Runs made, up to the one that killed it. */
    readonly runs: number;
    /** The run that killed it, in words. */
    readonly by: string | null;
    /** The refinement failure, in words. */
    readonly failure: string | null;
  }[];
}

/** Tool-qualification data (DO-330 style): what ran, on what, and whether it finds known bugs. */
export interface QualificationEvidence {
  readonly dependencies: DependencyEvidence;
  readonly environment: EnvironmentEvidence;
  readonly seededBugs: SeededBugKills;
  readonly mutants: MutantKills;
  /** The tool's own test results: not carried unless a record of the build's run exists. */
  readonly testSuite: { readonly status: 'not-carried'; readonly reason: string };
  /** The JSON Schema of evidence.json, inside the package. */
  readonly schema: { readonly path: string; readonly id: string; readonly sha256: string };
  readonly durationMs: number | null;
}

/** One property in the unbounded proof: how `prove` decided it, and the invariant that proves it. */
export interface ProofPropertyEvidence {
  readonly property: PropertyName;
  readonly status: PropertyStatus;
  readonly method: ProofMethod;
  /** Why the property is unknown to the proof. */
  readonly reason: string | null;
  /** Solver time for this property. */
  readonly durationMs: number;
  /** Package path of the counterexample, when violated. */
  readonly trace: string | null;
  /** With `k-induction`: the k of the proof. */
  readonly k?: number;
  /** With `shared-trace`: the property whose trace this one's is a prefix of. */
  readonly from?: PropertyName;
  /** With `shared-trace`: bounded model checking found no shorter trace within this many steps. */
  readonly shortestWithin?: number;
  /** Z3 resource units the property took (absent from packages made before they were counted). */
  readonly rlimit?: number;
  /** With `holds` by an invariant (methods `induction` and `inductive-invariant`). */
  readonly invariant: {
    /** Its TLA+ definition in the package's proof model: `IndInv_<Property>`. */
    readonly tla: string;
    /** Z3's `define-fun Inv`, over the state variables `variables` in order. */
    readonly smt: string;
    /** What each parameter of `Inv` stands for, e.g. `observed[unclass][secret]`. */
    readonly variables: readonly string[];
    /** The invariant in the system file's terms, one statement a line. */
    readonly text: readonly string[];
    /** Whether it held in every reachable state of the explorer's whole-state search. */
    readonly enumeration: CheckStatus;
  } | null;
}

/** The proof and the enumeration meet: each `IndInv_<Property>` evaluated in every reachable state. */
export interface ProofEnumerationEvidence {
  /** passed: true in every state; failed: false in a reachable state (the proof is wrong); not-run: see reason. */
  readonly status: CheckStatus;
  readonly reason: string | null;
  /** The explorer's whole-state search the states came from, when it finished. */
  readonly states: number | null;
  /** Each invariant false in a reachable state, and the state, in words. */
  readonly failures: readonly string[];
}

/** `typezero prove` in the package: Z3 on the symbolic relation, every property, no bound on the states. */
export interface ProofEvidence {
  /** ran: prove decided what it could (its verdicts are the prove engine's); not-run or failed: see reason. */
  readonly status: 'ran' | 'not-run' | 'failed';
  readonly reason: string | null;
  /** Z3's version (`Z3 4.16.0.0`). */
  readonly solver: string | null;
  /** The solver's time per property (--prove-timeout). */
  readonly timeoutMs: number | null;
  /** The budget it stands for, in Z3 resource units (absent from packages made before it was). */
  readonly rlimit?: number | null;
  /** The TLA+ model with the invariants as `IndInv_<Property>` and `IndInv`, for TLC or tla-checker. */
  readonly model: { readonly module: string; readonly config: string } | null;
  /** In catalog order; empty when prove did not run. */
  readonly properties: readonly ProofPropertyEvidence[];
  readonly enumeration: ProofEnumerationEvidence;
  readonly durationMs: number | null;
}

export interface Reproduction {
  readonly what: string;
  readonly command: string;
}

export interface Evidence {
  readonly format: typeof EVIDENCE_FORMAT;
  readonly formatVersion: typeof EVIDENCE_FORMAT_VERSION;
  /** Package id, producer, date and configuration item: the report's document-control block. */
  readonly document: DocumentControl;
  readonly verdict: Verdict;
  /** What the verdict is about: this configuration, over typezero's model, and what it is not. */
  readonly scope: Scope;
  readonly system: SystemEvidence;
  readonly tool: ToolEvidence;
  readonly bounds: Bounds;
  readonly engines: readonly EngineEvidence[];
  readonly properties: readonly PropertyEvidence[];
  readonly requirements: readonly RequirementEvidence[];
  readonly conformance: {
    readonly modelVsSpec: ModelVsSpecEvidence;
    readonly emulatorVsModel: EmulatorVsModelEvidence;
    /** The page-class abstraction tested on this system (absent from packages made before it was). */
    readonly abstraction?: AbstractionEvidence;
  };
  readonly assumptions: readonly Assumption[];
  /** The integrator's requirements, when the package was made with --requirements. */
  readonly integratorRequirements?: IntegratorEvidence;
  /** Tool qualification (absent from packages made before it was recorded). */
  readonly qualification?: QualificationEvidence;
  /** The unbounded proof (absent from packages made before prove ran in them). */
  readonly proof?: ProofEvidence;
  /** Noninterference by self-composition (absent from packages made before it ran in them). */
  readonly noninterference?: NoninterferenceEvidence;
  /** Separation-kernel requirements outside the model, which no verdict here covers. */
  readonly notCovered: readonly NotCovered[];
  /** Every file of the package except evidence.json, report.html and SHA256SUMS. */
  readonly files: readonly FileDigest[];
  readonly reproduce: readonly Reproduction[];
  /** Wall time of the whole collection. */
  readonly durationMs: number;
}
