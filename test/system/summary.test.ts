import { describe, expect, test } from 'vitest';
import { parseSystemText } from '../../system/load.js';
import { summarize } from '../../system/summary.js';
import { BASE, H, loaded, patch } from './fixtures.js';

describe('summarize', () => {
  test('the example system', () => {
    expect(
      summarize(loaded(parseSystemText(BASE, 'sys.yaml'))),
    ).toBe(`system mils-two-domain: 2 CPUs, 32 pages
hypervisor image sha256:${H}
levels (lowest first): UNCLASSIFIED < SECRET
partitions (2):
  name     level         kind      cpus  pages     privileges  launch    downgrader
  secret   SECRET        guest-os  0     0-7 (8)   -           measured  no
  unclass  UNCLASSIFIED  rtos      1     8-15 (8)  -           measured  no
devices (1):
  name  owner   irq  iommu     dma
  nic0  secret  11   enforced  2-3 (2)
channels (1):
  name  from     to      capacity
  up    unclass  secret  2
shared regions (1):
  name  pages   writer   readers
  ring  20 (1)  unclass  secret
schedule: major frame 10 ticks
  cpu 0  secret 0-4
  cpu 1  unclass 0-9
audit: capacity 16, on full halt`);
  });

  test('optional settings, empty sections, several windows per CPU and an idle CPU', () => {
    const text = patch(
      ['cpus: 2, pages: 32', 'cpus: 3, pages: 32'],
      [
        'cpus: [1], memory: [{ start: 8, pages: 8 }]',
        'cpus: [0, 1], memory: [{ start: 8, pages: 1 }, { start: 12, pages: 4 }], privileges: [partition-control, audit-read], downgrader: true, launch: unmeasured',
      ],
      ['irq: 11, dma: [{ start: 2, pages: 2 }]', 'irq: 11, iommu: passthrough, dma: []'],
      ['cpu: 1, partition: unclass, start: 0, length: 10', 'cpu: 0, partition: unclass, start: 5, length: 1'],
      ['onFull: halt', 'onFull: overwrite'],
    ).replace(/^channels:\n.*\nshared:\n.*\n/m, '');
    const summary = summarize(loaded(parseSystemText(text, 'sys.yaml')));
    expect(summary).toBe(`system mils-two-domain: 3 CPUs, 32 pages
hypervisor image sha256:${H}
levels (lowest first): UNCLASSIFIED < SECRET
partitions (2):
  name     level         kind      cpus  pages        privileges                    launch      downgrader
  secret   SECRET        guest-os  0     0-7 (8)      -                             measured    no
  unclass  UNCLASSIFIED  rtos      0,1   8,12-15 (5)  partition-control,audit-read  unmeasured  yes
devices (1):
  name  owner   irq  iommu        dma
  nic0  secret  11   passthrough  -
channels: none
shared regions: none
schedule: major frame 10 ticks
  cpu 0  secret 0-4, unclass 5
  cpu 1  idle
  cpu 2  idle
audit: capacity 16, on full overwrite`);
  });
});
