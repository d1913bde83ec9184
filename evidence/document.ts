/**
 * The package as a controlled document: an id, who produced it, when, and the configuration item it
 * is evidence for. The report shows this block on screen and in the footer of every printed page.
 *
 * The id is derived from what the package is about (the system file's digest, the tool that ran
 * and the bounds), so a rerun on the same inputs is the same document; the date is when it was
 * made: SOURCE_DATE_EPOCH (seconds) when set, as reproducible builds use it, otherwise now.
 */
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';

export interface DocumentControl {
  readonly id: string;
  readonly title: string;
  /** Who produced the package: `--producer`, or the login name of the user who ran typezero. */
  readonly producer: string;
  /** When the package was made, ISO 8601 in UTC, to the second. */
  readonly date: string;
  /** The configuration item the package is evidence for: `--config-item`, or system@digest. */
  readonly configurationItem: string;
}

export interface DocumentInputs {
  readonly system: { readonly name: string; readonly sha256: string };
  readonly tool: { readonly version: string; readonly gitCommit: string | null };
  readonly bounds: object;
  readonly producer?: string;
  readonly configurationItem?: string;
  /** Replaces the clock, for tests. */
  readonly now?: Date;
}

/** The date a package carries: SOURCE_DATE_EPOCH when set and valid, otherwise `now`. */
export function packageDate(env: NodeJS.ProcessEnv, now: Date): string {
  const epoch = env.SOURCE_DATE_EPOCH;
  const when = epoch !== undefined && /^\d{1,12}$/.test(epoch) ? new Date(Number(epoch) * 1000) : now;
  return when.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function defaultProducer(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

export function documentControl(
  inputs: DocumentInputs,
  env: NodeJS.ProcessEnv = process.env,
): DocumentControl {
  const identity = JSON.stringify([
    inputs.system.sha256,
    inputs.tool.version,
    inputs.tool.gitCommit,
    inputs.bounds,
    inputs.configurationItem ?? null,
  ]);
  const digest = createHash('sha256').update(identity).digest('hex').slice(0, 12).toUpperCase();
  return {
    id: `TZE-${inputs.system.name}-${digest}`,
    title: `Evidence package: ${inputs.system.name}`,
    producer: inputs.producer ?? defaultProducer(),
    date: packageDate(env, inputs.now ?? new Date()),
    configurationItem:
      inputs.configurationItem ?? `${inputs.system.name}@sha256:${inputs.system.sha256.slice(0, 16)}`,
  };
}
