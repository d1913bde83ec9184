/**
 * The PCIe fabric between the devices and the IOMMU, as it routes a device's memory request. Each
 * device decodes one page of memory-mapped registers and buffer (its BAR) in the MMIO window below
 * 4 GiB, above all memory. A request for a peer's BAR never reaches the IOMMU when something below
 * the root complex routes it first:
 *   - a PCIe-to-PCI bridge: devices on its conventional secondary bus (one `iommuGroup`) claim each
 *     other's requests on the bus; a conventional bus has no access control services;
 *   - a switch below one root port (`rootPort`) with ACS off: the switch forwards a request between
 *     its downstream ports by address. With ACS on it redirects every peer request upstream, to the
 *     IOMMU, which translates it like any other DMA (a BAR is no page of any window, so it faults).
 * Anything else goes upstream. The fabric reads only the system file; it is hardware, not the
 * hypervisor, and knows nothing of owners.
 *
 * The hypervisor holds the devices until boot completes (bus mastering off in the root ports,
 * switch ports and bridges, their secondary buses in reset) and holds them again at the fail-secure
 * halt: no request of theirs goes anywhere, up to the IOMMU or to a peer, outside that time. So
 * the IOMMU never sees a request while its root entries are absent (fault reason 1).
 */
import type { SystemConfig } from '../system/config.js';
import { PAGE_SIZE } from './memory.js';

/** The MMIO window holding the devices' BARs: one page per device, below the interrupt range. */
export const BAR_BASE = 0xe000_0000;

export function barAddress(device: number): number {
  return BAR_BASE + device * PAGE_SIZE;
}

export class Fabric {
  /** Between boot and the fail-secure halt: the hypervisor has released the devices. */
  released = false;

  constructor(private readonly config: SystemConfig) {}

  /**
   * The device whose BAR `address` lies in, when the fabric routes device `d`'s request for it below
   * the IOMMU (whether or not the devices are released); null when the request goes upstream.
   */
  peerAt(d: number, address: number): number | null {
    const offset = address - BAR_BASE;
    if (offset < 0 || offset >= this.config.devices.length * PAGE_SIZE) return null;
    const peer = Math.floor(offset / PAGE_SIZE);
    return peer !== d && this.routesBelow(d, peer) ? peer : null;
  }

  private routesBelow(d: number, e: number): boolean {
    const a = this.config.devices[d]!;
    const b = this.config.devices[e]!;
    if (a.iommuGroup !== null && a.iommuGroup === b.iommuGroup) return true;
    return this.config.platform.acs === 'off' && a.rootPort !== null && a.rootPort === b.rootPort;
  }
}
