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
