/**
 * Checks that relate fields of a system file to each other: references, duplicate names, CPUs and
 * page ranges against the platform, the model's limits on partitions and devices, a partition's
 * `controls` against its privileges.
 */

import {
  type Issue,
  indices,
  isCount,
  isPosition,
  isRecord,
  type Path,
  quote,
  SystemFileErrorCode,
  valueAt,
} from './issues.js';
import { MAX_CPUS, MAX_DEVICES, MAX_NAME_LENGTH, MAX_PAGES, MAX_PARTITIONS } from './limits.js';
import { LEVEL_PATTERN, NAME_PATTERN } from './schema.js';

const Code = SystemFileErrorCode;

// ---------------------------------------------------------------------------------------------
// Cross-field errors: references, duplicates, ranges against the platform

/**
 * Checks that relate fields to each other. Each check looks only at values of the right type, so a
 * field that already has a shape error is not reported again as, say, an unknown reference.
 */
export function crossCheck(raw: unknown, describeAt: (path: Path) => string): Issue[] {
  const issues: Issue[] = [];
  const report = (code: SystemFileErrorCode, path: Path, message: string): void => {
    issues.push({ code, path, message });
  };

  const cpuCount = valueAt(raw, ['platform', 'cpus']);
  const pageCount = valueAt(raw, ['platform', 'pages']);

  /**
   * The distinct well-formed names a list declares, reporting repeats. Undefined when the list or
   * one of its names is unreadable: references into an incomplete list cannot be judged. A
   * malformed name (already reported) is never offered as a valid choice, and a reference to it is
   * not reported again.
   */
  const malformed = new Set<string>();
  const declared = (
    listKey: string,
    nameAt: (i: number) => Path,
    wellFormed: (name: string) => boolean,
    duplicate: (name: string, path: Path, first: Path) => void,
  ): string[] | undefined => {
    const list = valueAt(raw, [listKey]);
    if (!Array.isArray(list)) return undefined;
    const first = new Map<string, Path>();
    let complete = true;
    for (let i = 0; i < list.length; i++) {
      const path = nameAt(i);
      const name = valueAt(raw, path);
      if (typeof name !== 'string') {
        complete = false;
        continue;
      }
      if (!wellFormed(name)) {
        malformed.add(name);
        continue;
      }
      const earlier = first.get(name);
      if (earlier === undefined) first.set(name, path);
      else duplicate(name, path, earlier);
    }
    return complete ? [...first.keys()] : undefined;
  };
  const isName = (name: string): boolean => name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name);
  const isLevel = (name: string): boolean => name.length <= MAX_NAME_LENGTH && LEVEL_PATTERN.test(name);
  const declaredNames = (listKey: string, noun: string): string[] | undefined =>
    declared(
      listKey,
      (i) => [listKey, i, 'name'],
      isName,
      (name, path, first) =>
        report(
          Code.DuplicateName,
          path,
          `duplicate ${noun} name ${quote(name)}; first defined at ${describeAt(first)}`,
        ),
    );

  const levels = declared(
    'levels',
    (i) => ['levels', i],
    isLevel,
    (name, path, first) =>
      report(
        Code.DuplicateLevel,
        path,
        `duplicate level ${quote(name)}; first listed at ${describeAt(first)}`,
      ),
  );
  const partitions = declaredNames('partitions', 'partition');
  declaredNames('devices', 'device');
  declaredNames('channels', 'channel');
  declaredNames('shared', 'shared region');

  const oneOf = (names: readonly string[], noun: string): string =>
    names.length === 0 ? `no ${noun} are defined` : `expected one of: ${names.join(', ')}`;
  const isPartition = (name: unknown): name is string =>
    typeof name === 'string' && !!partitions?.includes(name);

  const checkPartitionRef = (path: Path): void => {
    const name = valueAt(raw, path);
    if (partitions === undefined || typeof name !== 'string' || partitions.includes(name)) return;
    if (malformed.has(name)) return;
    report(
      Code.UnknownReference,
      path,
      `unknown partition ${quote(name)}; ${oneOf(partitions, 'partitions')}`,
    );
  };

  const checkCpu = (path: Path): void => {
    const cpu = valueAt(raw, path);
    if (!isCount(cpuCount, MAX_CPUS) || !isPosition(cpu, MAX_CPUS) || cpu < cpuCount) return;
    const valid =
      cpuCount <= 16
        ? `one of: ${Array.from({ length: cpuCount }, (_, i) => i).join(', ')}`
        : `0 to ${cpuCount - 1}`;
    report(
      Code.CpuOutOfRange,
      path,
      `unknown CPU ${cpu}; platform.cpus is ${cpuCount}, so expected ${valid}`,
    );
  };

  const checkPages = (path: Path): void => {
    const start = valueAt(raw, [...path, 'start']);
    const pages = valueAt(raw, [...path, 'pages']);
    // Values beyond the limits are reported by the schema; the sums of the others are exact.
    if (!isCount(pageCount, MAX_PAGES) || !isPosition(start, MAX_PAGES) || !isCount(pages, MAX_PAGES)) return;
    if (start + pages <= pageCount) return;
    report(
      Code.PagesPastPlatform,
      path,
      `page range { start: ${start}, pages: ${pages} } ends at page ${start + pages - 1}, ` +
        `past the last platform page ${pageCount - 1} (platform.pages is ${pageCount})`,
    );
  };

  /** A partition's `controls`: only with partition-control, partitions of the file, each once, not itself. */
  const checkControls = (i: number): void => {
    const controls = valueAt(raw, ['partitions', i, 'controls']);
    if (!Array.isArray(controls)) return;
    const self = valueAt(raw, ['partitions', i, 'name']);
    const privileges = valueAt(raw, ['partitions', i, 'privileges']);
    // Privileges default to none; a malformed list is reported by the schema.
    if (privileges === undefined || (Array.isArray(privileges) && !privileges.includes('partition-control')))
      report(
        Code.ControlsWithoutPrivilege,
        ['partitions', i, 'controls'],
        `"controls" names the partitions a partition-control holder may reset and query, but ${typeof self === 'string' ? `partition ${quote(self)}` : 'this partition'} does not hold partition-control; add it to "privileges" or remove "controls"`,
      );
    const first = new Map<string, number>();
    for (const j of indices(controls)) {
      const path: Path = ['partitions', i, 'controls', j];
      checkPartitionRef(path);
      const target = controls[j];
      if (typeof target !== 'string') continue;
      if (target === self && isPartition(target))
        report(
          Code.SelfControl,
          path,
          `partition ${quote(target)} names itself in "controls"; a partition never resets itself, and may always query its own status`,
        );
      const earlier = first.get(target);
      if (earlier === undefined) first.set(target, j);
      else
        report(
          Code.DuplicateName,
          path,
          `partition ${quote(target)} is listed twice in "controls"; first listed at ${describeAt(['partitions', i, 'controls', earlier])}`,
        );
    }
  };

  for (const [key, limit] of [
    ['partitions', MAX_PARTITIONS],
    ['devices', MAX_DEVICES],
  ] as const) {
    const count = indices(valueAt(raw, [key])).length;
    if (count > limit)
      report(
        Code.TooManyPartitions,
        [key],
        `${count} ${key}, but at most ${limit} are supported (the model keeps sets of ${key} as 31-bit masks)`,
      );
  }
  const policy = flowPolicy(raw, report);
  for (const i of indices(valueAt(raw, ['partitions']))) {
    const level = valueAt(raw, ['partitions', i, 'level']);
    if (policy === 'flows' && level !== undefined) {
      report(
        Code.UnknownReference,
        ['partitions', i, 'level'],
        `no levels are defined: the system states its policy as "flows", so a partition has no level`,
      );
    } else if (policy === 'levels' && level === undefined && isRecord(valueAt(raw, ['partitions', i]))) {
      report(
        Code.MissingKey,
        ['partitions', i, 'level'],
        `missing required key "level" (the system states its policy as "levels", so every partition has one)`,
      );
    } else if (
      levels !== undefined &&
      typeof level === 'string' &&
      !levels.includes(level) &&
      !malformed.has(level)
    ) {
      report(
        Code.UnknownReference,
        ['partitions', i, 'level'],
        `unknown level ${quote(level)}; ${oneOf(levels, 'levels')}`,
      );
    }
    for (const j of indices(valueAt(raw, ['partitions', i, 'cpus']))) checkCpu(['partitions', i, 'cpus', j]);
    for (const j of indices(valueAt(raw, ['partitions', i, 'memory'])))
      checkPages(['partitions', i, 'memory', j]);
    checkControls(i);
  }

  for (const i of indices(valueAt(raw, ['devices']))) {
    checkPartitionRef(['devices', i, 'owner']);
    for (const j of indices(valueAt(raw, ['devices', i, 'dma']))) checkPages(['devices', i, 'dma', j]);
  }

  for (const i of indices(valueAt(raw, ['channels']))) {
    checkPartitionRef(['channels', i, 'from']);
    checkPartitionRef(['channels', i, 'to']);
    const from = valueAt(raw, ['channels', i, 'from']);
    if (isPartition(from) && from === valueAt(raw, ['channels', i, 'to'])) {
      report(
        Code.SelfChannel,
        ['channels', i, 'to'],
        `channel from partition ${quote(from)} to itself; "from" and "to" must differ`,
      );
    }
  }

  for (const i of indices(valueAt(raw, ['shared']))) {
    checkPages(['shared', i, 'memory']);
    checkPartitionRef(['shared', i, 'writer']);
    const writer = valueAt(raw, ['shared', i, 'writer']);
    for (const j of indices(valueAt(raw, ['shared', i, 'readers']))) {
      checkPartitionRef(['shared', i, 'readers', j]);
      if (isPartition(writer) && valueAt(raw, ['shared', i, 'readers', j]) === writer) {
        report(
          Code.WriterIsReader,
          ['shared', i, 'readers', j],
          `writer ${quote(writer)} is also listed as a reader; the writer already has read-write access`,
        );
      }
    }
  }

  for (const i of indices(valueAt(raw, ['flows'])))
    for (const end of ['from', 'to'] as const) {
      const value = valueAt(raw, ['flows', i, end]);
      if (Array.isArray(value)) for (const j of indices(value)) checkPartitionRef(['flows', i, end, j]);
      else checkPartitionRef(['flows', i, end]);
    }

  for (const i of indices(valueAt(raw, ['schedule', 'windows']))) {
    checkCpu(['schedule', 'windows', i, 'cpu']);
    checkPartitionRef(['schedule', 'windows', i, 'partition']);
  }

  return issues;
}

/**
 * Which policy the file states: `levels` or `flows`, exactly one of them. Reports a file that
 * states both or neither, and then answers undefined so that partitions' levels are not judged.
 */
function flowPolicy(
  raw: unknown,
  report: (code: SystemFileErrorCode, path: Path, message: string) => void,
): 'levels' | 'flows' | undefined {
  if (!isRecord(raw)) return undefined;
  const hasLevels = Object.hasOwn(raw, 'levels');
  const hasFlows = Object.hasOwn(raw, 'flows');
  if (hasLevels && hasFlows) {
    report(
      Code.TwoPolicies,
      ['flows'],
      'both "levels" and "flows" are given; a system states its information-flow policy with exactly one of them',
    );
    return undefined;
  }
  if (!hasLevels && !hasFlows) {
    report(
      Code.MissingKey,
      [],
      'missing required key "levels" or "flows" (the information-flow policy: a level order, or the declared flows)',
    );
    return undefined;
  }
  return hasLevels ? 'levels' : 'flows';
}
