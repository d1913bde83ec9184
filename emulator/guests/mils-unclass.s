; UNCLASSIFIED side of examples/mils-two-domain.yaml: publish a reading into the shared ring
; (guest-physical page 4, mapped read-write) and send it up the one-way channel "up" (channel 0).
loop:
  add r3, 1
  store [0x4000], r3          ; the ring is host page 8
  mov r2, r3
  mov r0, 1                   ; send
  mov r1, 0                   ; channel up
  vmcall
  hlt                         ; sleep until the next tick
  jmp loop
