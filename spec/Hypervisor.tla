----------------------------- MODULE Hypervisor -----------------------------
(***************************************************************************)
(* A Type Zero separation hypervisor configured by one system file: the    *)
(* same state machine as the TypeScript model in model/, with the same     *)
(* variables, the same memory abstraction and one action per model event   *)
(* type.  The static facts of a system (EPT, IOMMU windows, schedule,      *)
(* interrupt lines, channels, privileges) are constants that typezero      *)
(* computes from the system file and writes into a generated MC module     *)
(* (see README.md); nothing here reads the system file itself.             *)
(*                                                                         *)
(* Written in the part of TLA+ that both TLC and tla-checker accept: no    *)
(* INSTANCE, no [] properties, no higher-order operators, no top-level     *)
(* recursive functions, and every action property is an invariant over    *)
(* the history variable `flags`.                                           *)
(***************************************************************************)
EXTENDS Integers, Sequences, FiniteSets

\* Seeded hypervisor bugs switched on, by name (model/step.ts SeededBug).
\* Empty for the real system; the bug models set it in their .cfg.
CONSTANT Bugs

CONSTANTS
    Partitions,     \* partition names, in no particular order
    PartitionAt,    \* [0..N-1 -> Partitions]: file order, the index a hypercall argument names
    Before,         \* [Partitions -> SUBSET Partitions]: partitions earlier in launch (file) order
    MonitorOrder,   \* sequence of the health monitors (partition-control over another partition), file order
    Monitors,       \* partitions holding partition-control
    Controls,       \* [Partitions -> SUBSET Partitions]: whom each one's partition-control reaches
                    \* (reset and status): its `controls` (default all) and itself; {} without it
    AuditReaders,   \* partitions holding audit-read
    Downgraders,    \* partitions trusted to declassify
    Measured,       \* partitions launched with measurement
    MayFlowTo,      \* [Partitions -> SUBSET Partitions]: sources InformationFlow lets reach each one
    EptBreach,      \* partitions whose EPT maps more than MemoryIsolation allows
    Devices,        \* device names
    Owner,          \* [Devices -> Partitions]: the VT-d domain each device is assigned to
    GroupOwners,    \* [Devices -> SUBSET Partitions]: owners of the devices sharing its requester ID
    IrqTargets,     \* [Devices -> SUBSET Partitions]: owners of every device on the same line
    MsiVectors,     \* [Devices -> SUBSET Devices]: whose vectors a device can write as an MSI
                    \* (none under interrupt remapping)
    Peers,          \* [Devices -> SUBSET Devices]: other owners' devices a device reaches
                    \* peer-to-peer, below the IOMMU (behind one bridge, or one root port without ACS)
    Channels,       \* channel names
    ChannelAt,      \* [0..C-1 -> Channels]: file order, the index a hypercall argument names
    ChanFrom,       \* [Channels -> Partitions]
    ChanTo,         \* [Channels -> Partitions]
    ChanCapacity,   \* [Channels -> Nat]
    Cpus,           \* physical CPU numbers
    MajorFrame,     \* ticks in the major frame
    Eligible,       \* [0..MajorFrame-1 -> SUBSET Partitions]: a window covers the tick on some CPU
    PerCpu,         \* [(0..MajorFrame-1) \X Cpus -> SUBSET Partitions]: windows covering a tick on a CPU
    Misplaced,      \* [0..MajorFrame-1 -> SUBSET Partitions]: would run against the schedule rules
    Starting,       \* [0..MajorFrame-1 -> SUBSET Partitions]: a window starts at the tick
    CellIds,        \* 0..K-1: the memory classes that carry a label of their own
    CellInit,       \* [CellIds -> SUBSET Partitions]: label of a fresh page (its listers)
    GuestCandidates,\* [Partitions -> SUBSET (Nat \X Accesses)]: <<gpa, access>> a guest may try
    HypercallCandidates, \* [Partitions -> SUBSET (STRING \X Int \X Int)]: <<op, arg, buffer>> a guest
                    \* may pass; buffer: the guest page of send's or receive's message buffer, else -1
    ExitCandidates, \* [Partitions -> SUBSET Nat]: VM-exit reasons a guest instruction causes
    Ept,            \* [<<p, gpa>> -> [rights: SUBSET Accesses, cell: Int]] for each candidate gpa of p
    DmaCandidates,  \* [Devices -> SUBSET (Nat \X {"read","write"})]: <<page, access>> a device may try
    PageCell,       \* [page -> Int]: the label cell of each candidate page's class, -1 when none
    DmaReach,       \* [Devices -> SUBSET Nat]: candidate pages the IOMMU lets each device reach
    DmaWritable,    \* [Devices -> SUBSET Nat]: candidate pages the device's owner may write
    DmaUnreported,  \* [Devices -> SUBSET Nat]: candidate pages blocked with no VT-d fault record
                    \* (a pass-through device's requests past platform memory)
    AuditCapacity,  \* records the audit log holds
    AuditHalts      \* TRUE for onFull: halt, FALSE for onFull: overwrite

VARIABLES
    hv,             \* the hypervisor's measurement: "pending" | "ok" | "failed"
    hvTampered,     \* the attacker replaced the hypervisor image before it was measured
    tampered,       \* partitions whose image the attacker replaced before measurement
    status,         \* [Partitions -> {"pending", "running", "faulted", "refused"}]
    observed,       \* [Partitions -> SUBSET Partitions]: whose data each partition holds
    pendingIrq,     \* [Partitions -> SUBSET Devices]: interrupts waiting for VM entry
    frame,          \* position in the major frame, shared by every CPU
    cells,          \* [CellIds -> SUBSET Partitions]: whose data each labelled memory class holds
    channels,       \* [Channels -> Seq(SUBSET Partitions)]: labels of the queued messages
    auditCount,     \* records in the audit log
    auditLabel,     \* union of the labels of the records written to the log
    halted,         \* fail-secure halt
    flags           \* history: facts about past steps the action properties need

vars == <<hv, hvTampered, tampered, status, observed, pendingIrq, frame, cells, channels,
          auditCount, auditLabel, halted, flags>>

-----------------------------------------------------------------------------
(* Vocabulary *)

HypervisorImage == "Hypervisor"     \* TamperImage's target for the hypervisor (names are lower case)
Targets == {HypervisorImage} \cup Partitions
Accesses == {"read", "write", "execute"}
Statuses == {"pending", "running", "faulted", "refused"}
FlagNames == {"DmaEscape", "IrqEscape", "Unaudited", "AuditDropped", "HypercallEscape",
              "FaultEscape", "HaltEscape"}

\* Basic VM-exit reasons (Intel SDM, appendix C) the exception handler treats specially.
EmulatedExits == {10, 12, 28, 31}   \* CPUID, HLT, CR access, RDMSR: nothing outside the guest changes
DeniedExits == {30, 32}             \* I/O instruction, WRMSR: #GP injected, audited

-----------------------------------------------------------------------------
(* Derived state *)

Booted == hv = "ok" /\ \A p \in Partitions : status[p] # "pending"
IsLaunched(p) == status[p] \in {"running", "faulted"}

\* Partitions whose vCPUs run now: up, booted, and inside one of their windows.
RunningNow == IF halted \/ ~Booted THEN {} ELSE {p \in Eligible[frame] : status[p] = "running"}

\* The label a partition puts on what it causes: itself if it declassifies, else all it observed.
LabelIn(obs, p) == IF p \in Downgraders THEN {p} ELSE obs[p]
LabelOf(p) == LabelIn(observed, p)

\* The state as a record, so a step can be computed as a value and judged before it is taken.
Cur == [hv |-> hv, hvTampered |-> hvTampered, tampered |-> tampered, status |-> status,
        observed |-> observed, pendingIrq |-> pendingIrq, frame |-> frame, cells |-> cells,
        channels |-> channels, auditCount |-> auditCount, auditLabel |-> auditLabel,
        halted |-> halted, flags |-> flags]

-----------------------------------------------------------------------------
(* System audit: one record per denied or failed operation *)

\* Under halt the record that fills the log is kept and the system halts in the same step;
\* under overwrite a full log drops its oldest record.
Audit(s, label) ==
    IF s.auditCount < AuditCapacity
    THEN [s EXCEPT !.auditCount = @ + 1, !.auditLabel = @ \cup label,
                   !.halted = @ \/ (s.auditCount + 1 = AuditCapacity /\ AuditHalts)]
    ELSE [s EXCEPT !.auditLabel = @ \cup label, !.flags = @ \cup {"AuditDropped"}]

-----------------------------------------------------------------------------
(* The history monitor (model/monitor.ts): judges each step from the outside by comparing the *)
(* states before and after against what the configuration allows.                             *)

SameExceptAudit(st, s) ==
    /\ s.hv = hv /\ s.hvTampered = hvTampered /\ s.tampered = tampered /\ s.frame = frame
    /\ s.status = st /\ s.observed = observed /\ s.pendingIrq = pendingIrq
    /\ s.cells = cells /\ s.channels = channels

SameExceptFlags(s) ==
    /\ SameExceptAudit(status, s)
    /\ s.auditCount = auditCount /\ s.auditLabel = auditLabel /\ s.halted = halted

\* A message buffer the caller may use for op: mapped with the right the hypervisor's copy needs,
\* read to send from it, write to receive into it (model/operands.ts).
BufferAllowed(p, op, b) ==
    /\ <<p, b>> \in DOMAIN Ept
    /\ (IF op = "send" THEN "read" ELSE "write") \in Ept[<<p, b>>].rights

\* The caller holds the privilege op needs and, for partition control, controls the target arg.
Authorised(p, op, arg) ==
    CASE op \in {"partition-reset", "partition-status"} ->
            p \in Monitors /\ arg \in DOMAIN PartitionAt /\ PartitionAt[arg] \in Controls[p]
      [] op = "audit-read" -> p \in AuditReaders
      [] OTHER -> TRUE

\* The partitions the health monitors ms (a sequence) may restart in a Tick into frame fr, added to
\* R (model/monitor.ts restartable): those controlled by a monitor whose window starts there and
\* that is up at its turn. The turns go in file order: a monitor is up at its turn if it was running,
\* or if it was faulted and a monitor up at an earlier turn controls it (and so restarted it).
RECURSIVE Restartable(_, _, _)
Restartable(fr, ms, R) ==
    IF ms = <<>> THEN R
    ELSE Restartable(fr, Tail(ms),
                     UNION {IF /\ Head(ms) \in Starting[fr]
                               /\ \/ status[Head(ms)] = "running"
                                  \/ status[Head(ms)] = "faulted" /\ Head(ms) \in r
                            THEN r \cup (Controls[Head(ms)] \ {Head(ms)}) ELSE r
                            : r \in {R}})

\* A partition went from faulted to running other than by a partition-reset hypercall or the
\* reset of a health monitor that controls it, in the Tick that starts the monitor's window.
RestartedWithoutReset(ev, s) ==
    /\ ~(ev.type = "Hypercall" /\ ev.op = "partition-reset")
    /\ \E p \in Partitions :
          /\ status[p] = "faulted" /\ s.status[p] = "running"
          /\ ~(ev.type = "Tick" /\ p \in Restartable(s.frame, MonitorOrder, {}))

MonitorFlags(s, ev, outcome, audited) ==
    (IF halted /\ ~SameExceptFlags(s) THEN {"HaltEscape"} ELSE {})
    \cup (IF outcome # "ok" /\ ~audited THEN {"Unaudited"} ELSE {})
    \cup (IF ev.type = "Dma" /\ outcome = "ok" /\ ev.page \notin DmaWritable[ev.device]
          THEN {"DmaEscape"} ELSE {})
    \cup (IF ev.type = "PeerDma" /\ outcome = "ok" /\ Owner[ev.peer] # Owner[ev.device]
          THEN {"DmaEscape"} ELSE {})
    \cup (IF ev.type = "DeviceIrq" /\ IrqTargets[ev.device] # {Owner[ev.device]}
          THEN {"IrqEscape"} ELSE {})
    \cup (IF ev.type = "MsiWrite" /\ IrqTargets[ev.vector] # {Owner[ev.device]}
          THEN {"IrqEscape"} ELSE {})
    \cup (IF /\ ev.type = "Hypercall"
             /\ \/ outcome = "refused" /\ ~SameExceptAudit(status, s)
                \/ outcome = "ok" /\ ~Authorised(ev.partition, ev.op, ev.arg)
                \/ outcome = "ok" /\ ev.op \in {"send", "receive"}
                   /\ ~BufferAllowed(ev.partition, ev.op, ev.buffer)
          THEN {"HypercallEscape"} ELSE {})
    \cup (IF \/ outcome = "faulted"
                /\ ~SameExceptAudit([status EXCEPT ![ev.partition] = "faulted"], s)
             \/ RestartedWithoutReset(ev, s)
          THEN {"FaultEscape"} ELSE {})

\* A step to state s as a value: the successor with the history the monitor adds. Every action
\* below computes its successor once as such a value (a set of one, or empty when the action is
\* not enabled) and then takes it with Apply, so no engine evaluates a successor more than once.
\*
\* An operator's argument is an expression, evaluated again at each use of the parameter: TLC
\* keeps no value of it in a state predicate or under ENABLED (as for fairness), and tla-checker
\* substitutes it. A variable bound by \in holds a value, so `t \in {s}` evaluates the state s
\* once here, where MonitorFlags reads it a dozen times; the same binding appears wherever a
\* computed state is read more than once (StepOf, MonitorTurn, TickTo).
Step(s, ev, outcome, audited) ==
    {[state |-> t, flags |-> t.flags \cup MonitorFlags(t, ev, outcome, audited)] : t \in {s}}

\* A hypervisor answer: the state it leads to, whether the operation was carried out, and
\* whether it was audited.
Answer(s, outcome, audited) == [state |-> s, outcome |-> outcome, audited |-> audited]
StepOf(a, ev) == UNION {Step(x.state, ev, x.outcome, x.audited) : x \in {a}}

Apply(r) ==
    /\ hv' = r.state.hv
    /\ hvTampered' = r.state.hvTampered
    /\ tampered' = r.state.tampered
    /\ status' = r.state.status
    /\ observed' = r.state.observed
    /\ pendingIrq' = r.state.pendingIrq
    /\ frame' = r.state.frame
    /\ cells' = r.state.cells
    /\ channels' = r.state.channels
    /\ auditCount' = r.state.auditCount
    /\ auditLabel' = r.state.auditLabel
    /\ halted' = r.state.halted
    /\ flags' = r.flags

-----------------------------------------------------------------------------
(* Shared effects *)

\* The partition stops until a partition-reset; the fault is audited.
Fault(p) == Audit([Cur EXCEPT !.status[p] = "faulted"], LabelOf(p))

\* A read observes the cell's label; a write adds the writer's label to it.
MemAccess(p, c, write) ==
    IF c < 0 THEN Cur
    ELSE IF write THEN [Cur EXCEPT !.cells[c] = @ \cup LabelOf(p)]
    ELSE [Cur EXCEPT !.observed[p] = @ \cup cells[c]]

\* Restart t on behalf of the partition with label `label` in state s: its memory is cleared,
\* its pending interrupts dropped, and it observes the resetter's label. That the memory was
\* cleared now is the resetter's decision about t's state: it carries both labels.
ResetWith(s, t, label) ==
    [s EXCEPT
       !.status[t] = "running",
       !.observed[t] = @ \cup label,
       !.pendingIrq[t] = {},
       !.cells = [c \in CellIds |-> IF t \in CellInit[c]
                                    THEN CellInit[c] \cup label \cup LabelIn(s.observed, t)
                                    ELSE s.cells[c]]]

ResetIn(s, by, t) == ResetWith(s, t, LabelIn(s.observed, by))

\* Monitor m's turn in the Tick that moves to tick fr: when one of its windows starts there and it
\* is up, it resets every other faulted partition it controls, one at a time in file order from index i.
\* The state travels as a set of one, S = {s}, so that each level of the recursion binds it once
\* (see Step); passed as an expression, each level would evaluate the levels before it again at
\* every use, a cost that grows exponentially with the number of partitions.
RECURSIVE MonitorTurn(_, _, _, _)
MonitorTurn(S, m, fr, i) ==
    UNION {IF i \notin DOMAIN PartitionAt \/ m \notin Starting[fr] \/ s.status[m] # "running" THEN {s}
           ELSE MonitorTurn({IF /\ PartitionAt[i] # m /\ PartitionAt[i] \in Controls[m]
                                /\ s.status[PartitionAt[i]] = "faulted"
                             THEN ResetIn(s, m, PartitionAt[i]) ELSE s},
                            m, fr, i + 1)
           : s \in S}

\* The health monitors take their turns in file order (model/step.ts tick): a monitor reset
\* earlier in the same tick acts too. From the set of one state S, the set of one state after.
RECURSIVE MonitorResets(_, _, _)
MonitorResets(S, ms, fr) ==
    IF ms = <<>> THEN S
    ELSE MonitorResets(MonitorTurn(S, Head(ms), fr, 0), Tail(ms), fr)

-----------------------------------------------------------------------------
(* Security monitor: measured launch *)

MeasureStep ==
    IF halted \/ hv # "pending" THEN {}
    ELSE IF hvTampered
    THEN Step([Audit([Cur EXCEPT !.hv = "failed"], {}) EXCEPT !.halted = TRUE],
              [type |-> "MeasureHypervisor"], "refused", TRUE)
    ELSE Step([Cur EXCEPT !.hv = "ok"], [type |-> "MeasureHypervisor"], "ok", FALSE)

MeasureHypervisor == \E r \in MeasureStep : Apply(r)

\* The attacker replaces an image before it is measured.
TamperStep(t) ==
    IF halted THEN {}
    ELSE IF t = HypervisorImage
    THEN IF hv = "pending" /\ ~hvTampered
         THEN Step([Cur EXCEPT !.hvTampered = TRUE], [type |-> "TamperImage"], "ok", FALSE)
         ELSE {}
    ELSE IF hv = "ok" /\ status[t] = "pending" /\ t \notin tampered
         THEN Step([Cur EXCEPT !.tampered = @ \cup {t}], [type |-> "TamperImage"], "ok", FALSE)
         ELSE {}

TamperImage(t) == \E r \in TamperStep(t) : Apply(r)

\* The next partition in file order is measured (unless unmeasured) and launched or refused.
LaunchRuns(p) == p \notin Measured \/ p \notin tampered \/ "launch-ignores-mismatch" \in Bugs

LaunchStep(p) ==
    IF halted \/ hv # "ok" \/ status[p] # "pending" \/ \E q \in Before[p] : status[q] = "pending"
    THEN {}
    ELSE IF LaunchRuns(p)
    THEN Step([Cur EXCEPT !.status[p] = "running"], [type |-> "LaunchPartition"], "ok", FALSE)
    ELSE Step(Audit([Cur EXCEPT !.status[p] = "refused"], LabelOf(p)),
              [type |-> "LaunchPartition"], "refused", TRUE)

LaunchPartition(p) == \E r \in LaunchStep(p) : Apply(r)

-----------------------------------------------------------------------------
(* RTvCPU scheduler and health monitor *)

\* VM entry at tick fr in state r (after the monitors' resets, with statuses st): every entering
\* partition observes the interrupts pending for it, labelled by the state before injection.
Inject(fr, r, st, injected) ==
    [r EXCEPT
       !.frame = fr,
       !.status = st,
       !.observed = [p \in Partitions |->
                       IF p \in injected
                       THEN r.observed[p] \cup UNION {LabelIn(r.observed, Owner[d]) : d \in r.pendingIrq[p]}
                       ELSE r.observed[p]],
       !.pendingIrq = [p \in Partitions |-> IF p \in injected THEN {} ELSE r.pendingIrq[p]]]

TickEnter(fr, r, st) ==
    Inject(fr, r, st, IF halted THEN {}
                      ELSE {p \in Eligible[fr] : st[p] = "running" /\ r.pendingIrq[p] # {}})

TickAfterResets(fr, r) ==
    TickEnter(fr, r, IF "auto-restart" \in Bugs
                     THEN [p \in Partitions |-> IF r.status[p] = "faulted" THEN "running" ELSE r.status[p]]
                     ELSE r.status)

TickTo(fr) ==
    UNION {Step(TickAfterResets(fr, r), [type |-> "Tick"], "ok", FALSE) : r \in MonitorResets({Cur}, MonitorOrder, fr)}

\* One preemption-timer tick on every CPU: health monitors whose window starts now reset the
\* faulted partitions, then every vCPU entering the guest gets its pending interrupts injected.
TickStep ==
    IF ~Booted \/ (halted /\ "tick-after-halt" \notin Bugs) THEN {}
    ELSE TickTo((frame + 1) % MajorFrame)

Tick == \E r \in TickStep : Apply(r)

-----------------------------------------------------------------------------
(* Memory manager: a running guest touches one of its guest-physical pages *)

GuestAccessWith(p, entry, access) ==
    IF access \in entry.rights
    THEN Step(MemAccess(p, entry.cell, access = "write"), [type |-> "GuestAccess", partition |-> p], "ok", FALSE)
    ELSE Step(Fault(p), [type |-> "GuestAccess", partition |-> p], "faulted", TRUE)

GuestAccessStep(p, gpa, access) ==
    IF p \notin RunningNow THEN {} ELSE GuestAccessWith(p, Ept[<<p, gpa>>], access)

GuestAccess(p, gpa, access) == \E r \in GuestAccessStep(p, gpa, access) : Apply(r)

-----------------------------------------------------------------------------
(* IOMMU: a device reads or writes a host page, for its owner *)

\* Once the IOMMU is programmed every device may try: a device finds no context (fault reason 2)
\* when the owner of a device sharing its requester ID, its own included, was refused, a page outside its window faults (5 or 6); both are audited for the owner.
\* A pass-through request past platform memory is blocked with no fault record: nothing audits it.
DmaStep(d, page, access) ==
    LET ev == [type |-> "Dma", device |-> d, page |-> page] IN
    IF ~Booted \/ (halted /\ "dma-after-halt" \notin Bugs) THEN {}
    ELSE IF \E q \in GroupOwners[d] : status[q] = "refused"
    THEN Step(Audit(Cur, LabelOf(Owner[d])), ev, "refused", TRUE)
    ELSE IF page \in DmaReach[d] THEN Step(MemAccess(Owner[d], PageCell[page], access = "write"), ev, "ok", FALSE)
    ELSE IF page \in DmaUnreported[d] THEN Step(Cur, ev, "refused", FALSE)
    ELSE Step(Audit(Cur, LabelOf(Owner[d])), ev, "refused", TRUE)

Dma(d, page, access) == \E r \in DmaStep(d, page, access) : Apply(r)

\* Device d reads or writes the buffer of peer e below the IOMMU: nothing translates, faults or
\* audits it. A buffer holds what its device moves for its owner, so a write gives e's owner the
\* label of d's owner, and a read the other way round. Devices are released at boot and reset at
\* the fail-secure halt, as for DMA.
PeerDmaStep(d, e, access) ==
    IF ~Booted \/ (halted /\ "dma-after-halt" \notin Bugs) THEN {}
    ELSE Step(IF access = "write"
              THEN [Cur EXCEPT !.observed[Owner[e]] = @ \cup LabelOf(Owner[d])]
              ELSE [Cur EXCEPT !.observed[Owner[d]] = @ \cup LabelOf(Owner[e])],
              [type |-> "PeerDma", device |-> d, peer |-> e], "ok", FALSE)

PeerDma(d, e, access) == \E r \in PeerDmaStep(d, e, access) : Apply(r)

-----------------------------------------------------------------------------
(* Interrupt handler: the line reaches every partition owning a device on it *)

\* Targets running now take the vector of device d at once; the others hold it pending (and,
\* with labelPending, observe its label now: a pending vector does not remember who raised it).
IrqTo(d, label, running, labelPending) ==
    [Cur EXCEPT
       !.observed = [q \in Partitions |-> IF q \in IrqTargets[d] /\ (q \in running \/ labelPending)
                                          THEN observed[q] \cup label ELSE observed[q]],
       !.pendingIrq = [q \in Partitions |-> IF q \in IrqTargets[d] /\ q \notin running
                                            THEN pendingIrq[q] \cup {d} ELSE pendingIrq[q]]]

DeviceIrqStep(d) ==
    IF ~Booted \/ halted \/ ~IsLaunched(Owner[d]) THEN {}
    ELSE Step(IrqTo(d, LabelOf(Owner[d]), RunningNow, FALSE), [type |-> "DeviceIrq", device |-> d], "ok", FALSE)

DeviceIrq(d) == \E r \in DeviceIrqStep(d) : Apply(r)

\* Without interrupt remapping device d writes an MSI with the vector of device v, and nothing
\* checks its source: the hypervisor routes it as v's (once it launched v's owner), carrying d's
\* owner's label. A refused owner's device may write too, as it may attempt DMA.
MsiWriteStep(d, v) ==
    IF ~Booted \/ halted \/ ~IsLaunched(Owner[v]) THEN {}
    ELSE Step(IrqTo(v, LabelOf(Owner[d]), RunningNow, TRUE),
              [type |-> "MsiWrite", device |-> d, vector |-> v], "ok", FALSE)

MsiWrite(d, v) == \E r \in MsiWriteStep(d, v) : Apply(r)

-----------------------------------------------------------------------------
(* Hypercall API: VMCALL with an operation and an argument, malformed or not *)

Refused(s, p) ==
    IF "unaudited-refusal" \in Bugs THEN Answer(s, "refused", FALSE)
    ELSE Answer(Audit(s, LabelOf(p)), "refused", TRUE)

Done(s) == Answer(s, "ok", FALSE)

\* The hypervisor copies through the buffer only once it checked the caller's rights there; with
\* the seeded bug it copies through any page the caller's EPT translates (a confused deputy).
BufferUsable(p, op, b) ==
    IF "unchecked-buffer" \in Bugs THEN <<p, b>> \in DOMAIN Ept /\ Ept[<<p, b>>].rights # {}
    ELSE BufferAllowed(p, op, b)

BufferCell(p, b) == IF <<p, b>> \in DOMAIN Ept THEN Ept[<<p, b>>].cell ELSE -1

\* A message is what its buffer holds, sent with the sender's label; a downgrader releases it as
\* its own.
MessageLabel(p, b) ==
    LabelOf(p) \cup (IF p \in Downgraders \/ BufferCell(p, b) < 0 THEN {} ELSE cells[BufferCell(p, b)])

SendOn(p, c, b) ==
    IF ChanFrom[c] # p
    THEN IF "refused-send-enqueues" \in Bugs
         THEN Refused([Cur EXCEPT !.channels[c] = Append(@, LabelOf(p))], p)
         ELSE Refused(Cur, p)
    ELSE IF ~BufferUsable(p, "send", b) THEN Refused(Cur, p)
    \* The sender is told OK even when the message is dropped: back-pressure would leak the
    \* receiver's progress to the sender.
    \* Whether the queue is full depends on the receiver too: the record carries both labels.
    ELSE IF Len(channels[c]) >= ChanCapacity[c]
    THEN Answer(Audit(Cur, LabelOf(p) \cup LabelOf(ChanTo[c])), "dropped", TRUE)
    ELSE Done([Cur EXCEPT !.channels[c] = Append(@, MessageLabel(p, b))])

\* The message lands in the caller's buffer, as if the caller wrote it there.
Received(p, c, b) ==
    LET r == [Cur EXCEPT !.channels[c] = Tail(@), !.observed[p] = @ \cup Head(channels[c])]
    IN IF BufferCell(p, b) < 0 THEN r
       ELSE [r EXCEPT !.cells[BufferCell(p, b)] = @ \cup LabelIn(r.observed, p)]

ReceiveOn(p, c, b) ==
    IF ChanTo[c] # p THEN Refused(Cur, p)
    ELSE IF ~BufferUsable(p, "receive", b) THEN Refused(Cur, p)
    ELSE IF channels[c] = <<>> THEN Done(Cur)
    ELSE Done(Received(p, c, b))

\* Partition control reaches only the partitions the caller controls (none without the privilege).
PartitionReset(p, t) ==
    IF t = p \/ t \notin Controls[p] \/ ~IsLaunched(t) THEN Refused(Cur, p)
    ELSE Done(ResetIn(Cur, p, t))

PartitionStatus(p, t) ==
    IF t \notin Controls[p] /\ "status-without-privilege" \notin Bugs THEN Refused(Cur, p)
    ELSE Done([Cur EXCEPT !.observed[p] = @ \cup observed[t]])

AuditRead(p) ==
    IF p \notin AuditReaders THEN Refused(Cur, p)
    ELSE Done([Cur EXCEPT !.observed[p] = @ \cup auditLabel])

\* What the hypervisor answers to a VMCALL; an argument out of range is refused (EINVAL).
HypercallAnswer(p, op, arg, b) ==
    CASE op = "send" -> IF arg \in DOMAIN ChannelAt THEN SendOn(p, ChannelAt[arg], b) ELSE Refused(Cur, p)
      [] op = "receive" -> IF arg \in DOMAIN ChannelAt THEN ReceiveOn(p, ChannelAt[arg], b) ELSE Refused(Cur, p)
      [] op = "partition-reset" ->
            IF arg \in DOMAIN PartitionAt THEN PartitionReset(p, PartitionAt[arg]) ELSE Refused(Cur, p)
      [] op = "partition-status" ->
            IF arg \in DOMAIN PartitionAt THEN PartitionStatus(p, PartitionAt[arg]) ELSE Refused(Cur, p)
      [] op = "audit-read" -> AuditRead(p)
      [] op = "yield" -> Done(Cur)
      [] OTHER -> Refused(Cur, p)

HypercallStep(p, op, arg, b) ==
    IF p \notin RunningNow THEN {}
    ELSE StepOf(HypercallAnswer(p, op, arg, b),
                [type |-> "Hypercall", partition |-> p, op |-> op, arg |-> arg, buffer |-> b])

Hypercall(p, op, arg, b) == \E r \in HypercallStep(p, op, arg, b) : Apply(r)

-----------------------------------------------------------------------------
(* Exception handler: any other VM exit a guest instruction causes *)

\* The partition is faulted; with the seeded bug the fault also flushes its inbox.
Faulted(p, f) ==
    IF "fault-flushes-inbox" \in Bugs
    THEN [f EXCEPT !.channels = [c \in Channels |-> IF ChanTo[c] = p THEN <<>> ELSE f.channels[c]]]
    ELSE f

VmExitAnswer(p, reason) ==
    CASE reason \in EmulatedExits -> Done(Cur)
      [] reason \in DeniedExits -> Answer(Audit(Cur, LabelOf(p)), "refused", TRUE)
      [] OTHER -> Answer(Faulted(p, Fault(p)), "faulted", TRUE)

VmExitStep(p, reason) ==
    IF p \notin RunningNow THEN {}
    ELSE StepOf(VmExitAnswer(p, reason), [type |-> "VmExit", partition |-> p])

VmExit(p, reason) == \E r \in VmExitStep(p, reason) : Apply(r)

-----------------------------------------------------------------------------
(* The specification *)

Init ==
    /\ hv = "pending"
    /\ hvTampered = FALSE
    /\ tampered = {}
    /\ status = [p \in Partitions |-> "pending"]
    /\ observed = [p \in Partitions |-> {p}]
    /\ pendingIrq = [p \in Partitions |-> {}]
    /\ frame = 0
    /\ cells = [c \in CellIds |-> CellInit[c]]
    /\ channels = [c \in Channels |-> <<>>]
    /\ auditCount = 0
    /\ auditLabel = {}
    /\ halted = FALSE
    /\ flags = {}

\* After the fail-secure halt no event is enabled: the system stutters, which is not a deadlock.
Halted == halted /\ UNCHANGED vars

\* The disjuncts follow model/enabled.ts: the boot phase, then Tick, devices and running guests.
\* Each is the body of the action named in its comment, written out so that tla-checker binds the
\* successor once instead of substituting it into every primed variable.
Next ==
    \/ \E r \in MeasureStep : Apply(r)                                        \* MeasureHypervisor
    \/ \E t \in Targets : \E r \in TamperStep(t) : Apply(r)                   \* TamperImage(t)
    \/ \E p \in Partitions : \E r \in LaunchStep(p) : Apply(r)                \* LaunchPartition(p)
    \/ \E r \in TickStep : Apply(r)                                           \* Tick
    \/ \E d \in Devices : \E r \in DeviceIrqStep(d) : Apply(r)                \* DeviceIrq(d)
    \/ \E d \in Devices : \E v \in MsiVectors[d] :
          \E r \in MsiWriteStep(d, v) : Apply(r)                             \* MsiWrite(d, v)
    \/ \E d \in Devices : \E c \in DmaCandidates[d] :
          \E r \in DmaStep(d, c[1], c[2]) : Apply(r)                          \* Dma(d, page, access)
    \/ \E d \in Devices : \E e \in Peers[d] : \E a \in {"read", "write"} :
          \E r \in PeerDmaStep(d, e, a) : Apply(r)                          \* PeerDma(d, e, access)
    \/ \E p \in RunningNow :
          \/ \E c \in GuestCandidates[p] :
                \E r \in GuestAccessStep(p, c[1], c[2]) : Apply(r)            \* GuestAccess(p, gpa, access)
          \/ \E c \in HypercallCandidates[p] :
                \E r \in HypercallStep(p, c[1], c[2], c[3]) : Apply(r)        \* Hypercall(p, op, arg, buffer)
          \/ \E reason \in ExitCandidates[p] : \E r \in VmExitStep(p, reason) : Apply(r) \* VmExit(p, reason)
    \/ Halted

\* Weak fairness of the timer and of launches is all FaultRecovery needs (proofs/liveness.ts).
Spec == Init /\ [][Next]_vars /\ WF_vars(Tick) /\ WF_vars(\E p \in Partitions : LaunchPartition(p))

-----------------------------------------------------------------------------
(* Types *)

TypeOK ==
    /\ hv \in {"pending", "ok", "failed"}
    /\ hvTampered \in BOOLEAN
    /\ tampered \subseteq Partitions
    /\ DOMAIN status = Partitions /\ \A p \in Partitions : status[p] \in Statuses
    /\ DOMAIN observed = Partitions /\ \A p \in Partitions : observed[p] \subseteq Partitions
    /\ DOMAIN pendingIrq = Partitions /\ \A p \in Partitions : pendingIrq[p] \subseteq Devices
    /\ frame \in 0..(MajorFrame - 1)
    /\ DOMAIN cells = CellIds /\ \A c \in CellIds : cells[c] \subseteq Partitions
    /\ DOMAIN channels = Channels
    /\ \A c \in Channels : \A i \in 1..Len(channels[c]) : channels[c][i] \subseteq Partitions
    /\ auditCount \in 0..AuditCapacity
    /\ auditLabel \subseteq Partitions
    /\ halted \in BOOLEAN
    /\ flags \subseteq FlagNames

-----------------------------------------------------------------------------
(* The property catalog (docs/DESIGN.md section 4); proofs/properties.ts names each twin. *)

\* Through its EPT a launched partition reaches only pages it owns alone, or configured shared
\* regions with the configured access.
MemoryIsolationInv == \A p \in Partitions : IsLaunched(p) => p \notin EptBreach

\* Every DMA a device completes reaches only pages its owner may write (and no other owner's device).
DmaContainmentInv == "DmaEscape" \notin flags

\* Data reaches B from A only if level(A) <= level(B) or A is a downgrader.
InformationFlowInv == \A p \in Partitions : observed[p] \subseteq MayFlowTo[p]

\* No partition runs unless measured and matching, and none before the hypervisor matched.
MeasuredLaunchInv ==
    \A p \in Partitions : IsLaunched(p) => (hv = "ok" /\ p \in Measured /\ p \notin tampered)

\* Every denied or failed operation leaves an audit record, and none is ever dropped.
AuditCompletenessInv == flags \cap {"Unaudited", "AuditDropped"} = {}

\* On every CPU only the window's partition can run, and never against the schedule's rules.
TemporalIsolationInv ==
    \/ halted
    \/ ~Booted
    \/ LET running == RunningNow
       IN /\ Misplaced[frame] \cap running = {}
          /\ \A cpu \in Cpus : Cardinality(PerCpu[<<frame, cpu>>] \cap running) <= 1

\* A device's interrupt reaches only the partition that owns the device.
InterruptIsolationInv == "IrqEscape" \notin flags

\* Privileged hypercalls succeed only with the privilege; refused ones change only the audit log.
HypercallAuthorizationInv == "HypercallEscape" \notin flags

\* A fault changes only the faulting partition and the audit log; only a reset restarts one.
FaultContainmentInv == "FaultEscape" \notin flags

\* After the fail-secure halt nothing changes.
FailSecureInv == "HaltEscape" \notin flags

\* For every health monitor m and partition p it controls: (p faulted and m up) leads to
\* (p not faulted, or m not up, or the system halted). One quantifier over the pairs, so that a
\* holder whose controls name no other partition adds no conjunct (TLC refuses a conjunct TRUE).
MonitoredPairs == {mp \in Monitors \X Partitions : mp[2] \in Controls[mp[1]] \ {mp[1]}}
FaultRecoveryProp ==
    \A mp \in MonitoredPairs :
        (status[mp[2]] = "faulted" /\ status[mp[1]] = "running")
            ~> (status[mp[2]] # "faulted" \/ status[mp[1]] # "running" \/ halted)

-----------------------------------------------------------------------------
(* Baits: each is violated exactly where the step that exercises its property can be taken,  *)
(* so a property cannot hold only because nothing it speaks about ever happens. Every action   *)
(* is \E r \in XStep : Apply(r), so ENABLED (X /\ P') is \E r \in XStep : P(r.state).          *)

\* Every successor of the current state, as step values (the union of the actions' steps).
Successors ==
    MeasureStep
    \cup UNION {TamperStep(t) : t \in Targets}
    \cup UNION {LaunchStep(p) : p \in Partitions}
    \cup TickStep
    \cup UNION {DeviceIrqStep(d) : d \in Devices}
    \cup UNION {UNION {MsiWriteStep(d, v) : v \in MsiVectors[d]} : d \in Devices}
    \cup UNION {UNION {DmaStep(d, c[1], c[2]) : c \in DmaCandidates[d]} : d \in Devices}
    \cup UNION {UNION {PeerDmaStep(d, e, "read") \cup PeerDmaStep(d, e, "write") : e \in Peers[d]} : d \in Devices}
    \cup UNION {UNION {GuestAccessStep(p, c[1], c[2]) : c \in GuestCandidates[p]} : p \in RunningNow}
    \cup UNION {UNION {HypercallStep(p, c[1], c[2], c[3]) : c \in HypercallCandidates[p]} : p \in RunningNow}
    \cup UNION {UNION {VmExitStep(p, x) : x \in ExitCandidates[p]} : p \in RunningNow}

RunningIn(s) ==
    IF s.halted \/ s.hv # "ok" \/ \E p \in Partitions : s.status[p] = "pending" THEN {}
    ELSE {p \in Eligible[s.frame] : s.status[p] = "running"}

\* A guest write completes through its EPT.
BaitMemoryIsolation ==
    ~\E p \in RunningNow : \E c \in GuestCandidates[p] :
        c[2] = "write" /\ "write" \in Ept[<<p, c[1]>>].rights

\* A device DMA completes through the IOMMU.
BaitDmaContainment ==
    ~\E d \in Devices : \E c \in DmaCandidates[d] : c[1] \in DmaReach[d] /\ DmaStep(d, c[1], c[2]) # {}

\* Data of one partition reaches another.
BaitInformationFlow == ~\E r \in Successors : r.state.observed # observed

\* A partition launches after a matching measurement.
BaitMeasuredLaunch == ~\E p \in Measured : \E r \in LaunchStep(p) : r.state.status[p] = "running"

\* An audit record is written (the first record of a run always raises the count).
BaitAuditCompleteness == ~\E r \in Successors : r.state.auditCount # auditCount

\* A tick switches the partition running on some CPU.
BaitTemporalIsolation ==
    ~\E r \in TickStep : \E cpu \in Cpus :
        PerCpu[<<frame, cpu>>] \cap RunningNow # PerCpu[<<r.state.frame, cpu>>] \cap RunningIn(r.state)

\* A device interrupt is injected into its owner.
BaitInterruptIsolation ==
    ~\E d \in Devices : DeviceIrqStep(d) # {} /\ IrqTargets[d] \cap RunningNow # {}

\* The hypercall would be refused with EPERM: a privileged operation without the privilege, or
\* partition control over a partition the caller does not control.
Eperm(p, op, arg) ==
    CASE op = "partition-reset" ->
            arg \in DOMAIN PartitionAt /\ PartitionAt[arg] # p /\ PartitionAt[arg] \notin Controls[p]
      [] op = "partition-status" ->
            arg \in DOMAIN PartitionAt /\ PartitionAt[arg] \notin Controls[p]
            /\ "status-without-privilege" \notin Bugs
      [] op = "audit-read" -> p \notin AuditReaders
      [] OTHER -> FALSE

\* A privileged hypercall is refused for want of the privilege.
BaitHypercallAuthorization ==
    ~\E p \in RunningNow : \E c \in HypercallCandidates[p] : Eperm(p, c[1], c[2])

\* A partition faults (a running guest can always touch a page outside its EPT).
BaitFaultContainment == RunningNow = {}

\* The system halts fail-secure.
BaitFailSecure == ~\E r \in Successors : ~halted /\ r.state.halted

\* A health monitor resets a faulted partition.
BaitFaultRecovery ==
    ~\E r \in Successors : \E p \in Partitions : status[p] = "faulted" /\ r.state.status[p] = "running"

=============================================================================
