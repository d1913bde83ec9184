/**
 * The commands that reproduce a package's figures, run from the package's folder in a POSIX shell.
 * When the package carries the tool (evidence/tool-copy.ts), the first installs it offline into a
 * new folder beside the package (`<package>.tool`, with its own empty npm cache) and the others run
 * that install, so nothing comes from the network or from a checkout of typezero; the rerun goes
 * beside the package too (`<package>.rerun`), leaving the package's own files as they were. When it
 * does not, the first says which typezero to install by other means, and the others run `typezero`.
 */
import type { NoninterferenceEvidence } from './noninterference.js';
import { MANIFEST } from './out-dir.js';
import { PROOF_DIR } from './proof.js';
import { TOOL_LOCKFILE } from './tool-copy.js';
import type { Bounds, EngineEvidence, ProofEvidence, Reproduction, ToolEvidence } from './types.js';

/** The folder the carried tool is installed into, and the rerun's, beside the package. */
export const TOOL_INSTALL = '$PWD.tool';
export const RERUN_OUT = '$PWD.rerun';

/** `text` as one shell word. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface ReproduceInputs {
  readonly systemPath: string;
  readonly bounds: Bounds;
  readonly engines: readonly EngineEvidence[];
  /** Every package-relative path of the package's collected files. */
  readonly paths: readonly string[];
  readonly requirementsPath: string | null;
  /** `--config-item` as given; null when the default was used. */
  readonly configurationItem: string | null;
  readonly tool: ToolEvidence;
  /** The unbounded proof: run with its time per property, or not. */
  readonly proof: ProofEvidence;
  /** The self-composition: run, or skipped (absent from the inputs of packages made before it). */
  readonly noninterference?: NoninterferenceEvidence;
}

/** How the tool gets installed, and the command that runs it afterwards. */
function toolSetup(tool: ToolEvidence): { install: Reproduction; typezero: string } {
  const copy = tool.copy;
  if (copy?.status === 'carried' && copy.tarball) {
    const deps = copy.dependencies.length ? ' ./tool/deps/*.tgz' : '';
    const lockfile = copy.lockfile ? ` && cp ${TOOL_LOCKFILE} "${TOOL_INSTALL}/node_modules/typezero/"` : '';
    return {
      install: {
        what: `the tool this package was made with, typezero ${tool.version} as carried in tool/, installed offline into a new folder beside the package with an empty npm cache (needs only Node and npm)${copy.lockfile ? ', its lockfile beside it' : ''}`,
        command: `npm install --offline --ignore-scripts --no-audit --no-fund --prefix "${TOOL_INSTALL}" --cache "${TOOL_INSTALL}/npm-cache"${deps} ./${copy.tarball.path}${lockfile}`,
      },
      typezero: `"${TOOL_INSTALL}/node_modules/.bin/typezero"`,
    };
  }
  const built = tool.gitCommit ? ` built from commit ${tool.gitCommit}` : '';
  const where = tool.repository?.url ? ` of ${tool.repository.url}` : '';
  return {
    install: {
      what: `the tool: this package does not carry it (${copy?.reason ?? 'made before the tool was carried'}); install typezero ${tool.version}${built}${where} with typezero on PATH, and check its version`,
      command: 'typezero --version',
    },
    typezero: 'typezero',
  };
}

export function reproductions(inputs: ReproduceInputs): Reproduction[] {
  const { systemPath, bounds, tool, proof } = inputs;
  const proveSeconds = Math.round((proof.timeoutMs ?? 0) / 1000);
  const { install, typezero } = toolSetup(tool);
  const options = [
    `--max-states ${bounds.maxStates}`,
    `--seeds ${bounds.conformanceSeeds}`,
    `--steps ${bounds.conformanceSteps}`,
    ...(inputs.configurationItem !== null ? [`--config-item ${shellWord(inputs.configurationItem)}`] : []),
    ...(tool.copy?.status === 'not-carried' ? ['--no-tool-copy'] : []),
    proof.status === 'ran' ? `--prove-timeout ${proveSeconds}` : '--no-prove',
    ...(inputs.noninterference?.status === 'not-run' ? ['--no-noninterference'] : []),
    ...(inputs.requirementsPath ? [`--requirements ${inputs.requirementsPath}`] : []),
  ];
  const out: Reproduction[] = [
    install,
    {
      what: 'the whole package, written beside this one; its evidence.json is identical apart from the fields the schema marks "x-timing" or "x-environment"',
      command: `${typezero} evidence ${systemPath} --out "${RERUN_OUT}" ${options.join(' ')}`,
    },
    {
      what: 'that no file of this package changed since it was written',
      command: `sha256sum -c ${MANIFEST}`,
    },
    {
      what: 'the same against both manifests (and the signature, with --key PUBFILE)',
      command: `${typezero} evidence verify .`,
    },
  ];
  for (const e of inputs.engines) {
    if (e.status === 'not-run') continue;
    if (e.engine === 'prove') {
      out.push({
        what: 'the prove verdicts and counterexamples, and the inductive invariants with the TLA+ model that defines them as IndInv',
        command: `${typezero} prove ${systemPath} --json --timeout ${proveSeconds} --out "$PWD.proof-rerun"`,
      });
      continue;
    }
    out.push({
      what: `the ${e.engine} verdicts, state count and counterexamples`,
      command: `${typezero} check ${systemPath} --engine ${e.engine} --json --max-states ${bounds.maxStates}`,
    });
  }
  const ni = inputs.noninterference;
  if (ni && ni.status !== 'not-run')
    out.push({
      what: 'the noninterference results per observer, with each diverging pair of runs',
      command: `${typezero} check ${systemPath} --noninterference --json --max-states ${ni.maxStates}`,
    });
  if (proof.model)
    out.push({
      what: "TLC checking the proof's inductive invariants (IndInv) in every reachable state, from the proof/ folder of this package: the proof and the enumeration meet",
      command: `cd ${PROOF_DIR} && java -XX:+UseParallelGC -cp "$TLA2TOOLS_JAR" tlc2.TLC -config ${proof.model.config.slice(PROOF_DIR.length + 1)} ${proof.model.module.slice(PROOF_DIR.length + 1)}`,
    });
  const mc = inputs.paths.find((f) => /^spec\/MC.*\.cfg$/.test(f));
  if (mc) {
    const base = mc.slice('spec/'.length, -'.cfg'.length);
    out.push({
      what: 'TLC on the TLA+ model, by hand, from the spec/ folder of this package (it stops at the first violated invariant; typezero reruns without it until none is left)',
      command: `cd spec && java -XX:+UseParallelGC -cp "$TLA2TOOLS_JAR" tlc2.TLC -lncheck final -config ${base}.cfg ${base}.tla`,
    });
  }
  return out;
}
