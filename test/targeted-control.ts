/** A small system whose health monitor controls one partition of two: the tests of `partitions[].controls` share it. */
const D = (c: string) => `sha256:${c.repeat(64)}`;
/**
 * A low health monitor that controls `low` only (or, without `controls`, every partition). It runs
 * on its own CPU for the whole frame, so it can read a partition's status while that one is faulted.
 */
export const TARGETED = (controls = ', controls: [low]') => `
system: targeted
platform: { cpus: 2, pages: 8 }
hypervisor: { image: "${D('a')}" }
levels: [LOW, HIGH]
partitions:
  - { name: high, kind: guest-os, level: HIGH, cpus: [0], memory: [{ start: 0, pages: 2 }], image: "${D('b')}" }
  - { name: low, kind: rtos, level: LOW, cpus: [0], memory: [{ start: 2, pages: 2 }], image: "${D('c')}" }
  - { name: mon, kind: bare-metal, level: LOW, cpus: [1], memory: [{ start: 4, pages: 1 }], image: "${D('d')}",
      privileges: [partition-control]${controls} }
schedule:
  majorFrame: 2
  windows:
    - { cpu: 0, partition: high, start: 0, length: 1 }
    - { cpu: 0, partition: low, start: 1, length: 1 }
    - { cpu: 1, partition: mon, start: 0, length: 2 }
audit: { capacity: 3, onFull: halt }
`;

/**
 * Nested health monitors: `supervisor` controls `monitor`, which controls `app`, and both monitors'
 * windows start at tick 0 (on two CPUs). With `supervisorFirst` false the monitor comes first in
 * file order, so at a tick that starts both windows it takes its turn before the supervisor has
 * restarted it.
 */
export const NESTED = (supervisorFirst = true) => {
  const supervisor = `  - { name: supervisor, kind: bare-metal, level: LOW, cpus: [0], memory: [{ start: 0, pages: 2 }], image: "${D('b')}",
      privileges: [partition-control], controls: [monitor] }`;
  const monitor = `  - { name: monitor, kind: bare-metal, level: LOW, cpus: [1], memory: [{ start: 2, pages: 2 }], image: "${D('c')}",
      privileges: [partition-control], controls: [app] }`;
  return `
system: nested
platform: { cpus: 2, pages: 8 }
hypervisor: { image: "${D('a')}" }
levels: [LOW]
partitions:
${supervisorFirst ? `${supervisor}\n${monitor}` : `${monitor}\n${supervisor}`}
  - { name: app, kind: rtos, level: LOW, cpus: [0], memory: [{ start: 4, pages: 2 }], image: "${D('d')}" }
schedule:
  majorFrame: 2
  windows:
    - { cpu: 0, partition: supervisor, start: 0, length: 1 }
    - { cpu: 0, partition: app, start: 1, length: 1 }
    - { cpu: 1, partition: monitor, start: 0, length: 2 }
audit: { capacity: 4, onFull: halt }
`;
};
