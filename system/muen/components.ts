/** Component and library specifications, which subjects reference by name. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ImportFiles } from './types.js';
import {
  childrenNamed,
  expandIncludes,
  fail,
  parseXmlFile,
  resolveConditionals,
  type Variables,
  type XmlElement,
} from './xml.js';

/**
 * A component or library specification: given inline in the policy (already in `components`), or
 * found in the components folder as `<name>.xml` or Muen's `<name>/spec/<name>.xml`. Its own
 * `<config>` values are local to it: its conditionals see them over the system's.
 */
export function componentSpec(
  at: XmlElement,
  name: string,
  files: ImportFiles,
  components: Map<string, XmlElement>,
  variables: Variables,
  note: (e: XmlElement, construct: string, action: string) => void,
): XmlElement {
  const known = components.get(name);
  if (known) return known;
  const dir = files.components ?? join(dirname(files.policy), 'components');
  const candidates = [join(dir, `${name}.xml`), join(dir, name, 'spec', `${name}.xml`)];
  const path = candidates.find((p) => existsSync(p));
  if (!path) fail(at, `component "${name}" not found; looked for ${candidates.join(' and ')}`);
  const spec = parseXmlFile(path);
  // A component's <config> values are its own; its conditionals see them over the system's.
  const local: Variables = new Map(variables);
  for (const c of childrenNamed(spec, 'config'))
    for (const v of c.children)
      if (v.name === 'include')
        note(
          v,
          `configuration include "${v.attrs.href}" of "${name}"`,
          "not read: a component's configuration is internal to it (Muen's build generates these files); a conditional that needs one of its values is an error",
        );
      else if (v.attrs.name !== undefined && v.attrs.value !== undefined)
        local.set(v.attrs.name, v.attrs.value);
  spec.children = spec.children.filter((c) => c.name !== 'config');
  expandIncludes(spec, [path]);
  resolveConditionals(spec, local);
  components.set(name, spec);
  return spec;
}
