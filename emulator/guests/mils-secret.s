; SECRET side of examples/mils-two-domain.yaml: read the ring (read-only), drain the channel into a
; message buffer in its own memory, and have the NIC write the result into its DMA buffer (host
; pages 2-3, inside its IOMMU window).
loop:
  load r4, [0x4000]
  hypercall receive, 0, 0x100 ; the hypervisor writes the message there (and returns it in r1)
  store [0x2000], r1          ; keep the last message in the NIC's buffer page
  dma 0, read, 0x2000         ; the NIC picks it up through the IOMMU
  hlt
  jmp loop
