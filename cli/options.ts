/** Option parsers shared by the commands. */
import { InvalidArgumentError } from 'commander';

/** A parser for whole-number options of at least `min`, rejecting anything else by name. */
export function wholeNumber(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected a whole number >= ${min}, got "${value}"`);
    return n;
  };
}

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** A size such as `4g`, `512M`, `1.5GiB` or `1073741824` (binary units), in bytes. */
export function byteSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(value.trim());
  const bytes = m ? Number(m[1]) * UNITS[m[2]!.toLowerCase()]! : Number.NaN;
  if (!Number.isFinite(bytes) || bytes < 2 ** 20)
    throw new InvalidArgumentError(`expected a size of at least 1m such as 512m or 4g, got "${value}"`);
  return Math.floor(bytes);
}

/** A size in bytes as people write it: `4.0 GiB`. */
export function formatBytes(bytes: number): string {
  const unit = (['TiB', 'GiB', 'MiB', 'KiB'] as const).find((_, i) => bytes >= 2 ** (40 - 10 * i));
  if (!unit) return `${bytes} B`;
  const scale = 2 ** (40 - 10 * ['TiB', 'GiB', 'MiB', 'KiB'].indexOf(unit));
  return `${(bytes / scale).toFixed(1)} ${unit}`;
}
