/**
 * A check report with its root causes: each violated property gets `causes` (docs/DESIGN.md section
 * 5), derived from the counterexample the engine found and located in the system file.
 */
import type { Layout } from '../model/layout.js';
import type { CheckReport, PropertyReport } from '../proofs/check.js';
import type { Verdict } from '../proofs/explorer.js';
import type { PropertyName } from '../proofs/properties.js';
import type { SourcePositions } from '../system/load.js';
import { blame, type Cause, locate } from './causes.js';

/** The causes of one violation; none when the engine gave no counterexample the model replays. */
export function causesOf(
  layout: Layout,
  name: PropertyName,
  verdict: Verdict | undefined,
  positions: SourcePositions,
): Cause[] {
  return verdict?.status === 'violated' ? locate(blame(layout, name, verdict.trace), positions) : [];
}

/** `report` with `causes` on every violated property, placed before its trace. */
export function withCauses<R extends CheckReport>(
  report: R,
  layout: Layout,
  verdicts: ReadonlyMap<PropertyName, Verdict>,
  positions: SourcePositions,
): R {
  const properties = report.properties.map((p): PropertyReport => {
    if (p.status !== 'violated') return p;
    const { trace, causes: _old, ...rest } = p;
    const causes = causesOf(layout, p.name, verdicts.get(p.name), positions);
    return trace === undefined ? { ...rest, causes } : { ...rest, causes, trace };
  });
  return { ...report, properties };
}
