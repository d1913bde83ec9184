; UNCLASSIFIED side of examples/mils-two-domain.yaml: publish a reading into the shared ring
; (guest-physical page 4, mapped read-write) and send it up the one-way channel "up" (channel 0)
; from a message buffer in its own memory.
loop:
  add r3, 1
  store [0x4000], r3          ; the ring is host page 8
  store [0x100], r3           ; the message buffer, in its own memory
  hypercall send, 0, 0x100    ; the hypervisor reads the message from there
  hlt                         ; sleep until the next tick
  jmp loop
