/**
 * Reading a Muen source policy: XML into a tree whose every element knows the file and line it came
 * from, with Muen's `include`s spliced in (paths relative to the including file), `config` values
 * substituted for `$name` attributes, `expressions` evaluated and `if` conditionals resolved. What
 * is left is the policy the Muen toolchain would go on to validate, in a shape `policy.ts` reads.
 *
 * Errors (malformed XML, a missing include, an undefined variable, an unknown expression operator)
 * are `MuenError`s naming the file, line and element; the CLI prints them and exits 2.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SaxesParser } from 'saxes';

export interface XmlElement {
  readonly name: string;
  readonly attrs: Record<string, string>;
  children: XmlElement[];
  readonly file: string;
  readonly line: number;
}

export class MuenError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

export function where(e: { file: string; line: number }): string {
  return `${e.file}:${e.line}`;
}

export function fail(e: XmlElement, message: string): never {
  throw new MuenError(e.file, e.line, `<${e.name}>: ${message}`);
}

/** Policy files are text of modest size; a larger file is refused rather than read. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Parses one XML file into its root element. */
export function parseXmlFile(path: string): XmlElement {
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new Error('not a regular file');
    if (stat.size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new MuenError(path, undefined, `cannot read the file: ${(e as Error).message}`);
  }
  return parseXmlText(text, path);
}

export function parseXmlText(text: string, file: string): XmlElement {
  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let error: MuenError | undefined;
  parser.on('error', (e) => {
    error ??= new MuenError(file, parser.line, `malformed XML: ${e.message.replace(/^[^:]*:\d+:\d+: /, '')}`);
  });
  parser.on('opentag', (tag) => {
    const element: XmlElement = {
      name: tag.name,
      attrs: { ...(tag.attributes as Record<string, string>) },
      children: [],
      file,
      line: parser.line,
    };
    const parent = stack.at(-1);
    if (parent) parent.children.push(element);
    else root = element;
    if (!tag.isSelfClosing) stack.push(element);
  });
  parser.on('closetag', (tag) => {
    if (!tag.isSelfClosing) stack.pop();
  });
  parser.write(text.startsWith('\uFEFF') ? text.slice(1) : text).close();
  if (error) throw error;
  if (!root) throw new MuenError(file, 1, 'malformed XML: no root element');
  return root;
}

/**
 * Replaces every `<include href="..."/>` by the file it names, read relative to the including file.
 * An included file whose root is `<include>` contributes its children; any other root is inserted
 * as one element. A file that includes itself, directly or not, is an error.
 */
export function expandIncludes(element: XmlElement, chain: readonly string[] = [element.file]): XmlElement {
  const children: XmlElement[] = [];
  for (const child of element.children) {
    if (child.name !== 'include') {
      children.push(expandIncludes(child, chain));
      continue;
    }
    const href = child.attrs.href;
    if (href === undefined) fail(child, 'missing attribute "href"');
    const path = resolve(dirname(child.file), href);
    if (chain.includes(path)) fail(child, `"${href}" includes itself (through ${chain.join(' -> ')})`);
    let included: XmlElement;
    try {
      included = parseXmlFile(path);
    } catch (e) {
      if (e instanceof MuenError && e.line === undefined)
        fail(child, `cannot include "${href}" (${path}): ${e.message}`);
      throw e;
    }
    const expanded = expandIncludes(included, [...chain, path]);
    if (expanded.name === 'include') children.push(...expanded.children);
    else children.push(expanded);
  }
  element.children = children;
  return element;
}

/** The values of `config` variables and evaluated `expressions`: booleans, integers or strings. */
export type Variables = Map<string, string>;

/** Reads `<config>` children (`boolean`, `integer`, `string`) into `into`; a repeat is an error. */
export function readConfig(config: XmlElement | undefined, into: Variables): void {
  for (const v of config?.children ?? []) {
    if (!['boolean', 'integer', 'string'].includes(v.name)) continue;
    const { name, value } = v.attrs;
    if (name === undefined || value === undefined) fail(v, 'needs the attributes "name" and "value"');
    if (into.has(name)) fail(v, `config variable "${name}" is defined twice`);
    into.set(name, value);
  }
}

/** Evaluates each `<expression>` in order; one may use the ones before it. */
export function evaluateExpressions(expressions: readonly XmlElement[], into: Variables): void {
  for (const expression of expressions) {
    const name = expression.attrs.name;
    if (name === undefined) fail(expression, 'missing attribute "name"');
    const [term] = expression.children;
    if (!term) fail(expression, 'holds no term');
    into.set(name, String(evaluate(term, into)));
  }
}

function evaluate(term: XmlElement, variables: Variables): boolean | string {
  const args = () => term.children.map((c) => evaluate(c, variables));
  const bool = (v: boolean | string): boolean => {
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    return fail(term, `expected a boolean, got "${v}"`);
  };
  switch (term.name) {
    case 'and':
      return args().every(bool);
    case 'or':
      return args().some(bool);
    case 'not': {
      const [only] = args();
      if (only === undefined) fail(term, 'needs one term');
      return !bool(only);
    }
    case 'boolean':
      return bool(term.attrs.value ?? '');
    case 'string':
    case 'integer':
      return term.attrs.value ?? fail(term, 'missing attribute "value"');
    case 'variable':
      return lookup(term, term.attrs.name ?? '', variables);
    case 'eq':
    case 'gt':
    case 'lt': {
      const [a, b] = args();
      if (a === undefined || b === undefined) fail(term, 'needs two terms');
      if (term.name === 'eq') return String(a) === String(b);
      const x = parseMuenNumber(String(a), term);
      const y = parseMuenNumber(String(b), term);
      return term.name === 'gt' ? x > y : x < y;
    }
    default:
      return fail(term, 'an expression operator this import does not know');
  }
}

function lookup(at: XmlElement, name: string, variables: Variables): string {
  const value = variables.get(name);
  if (value === undefined) fail(at, `undefined config variable or expression "${name}"`);
  return value;
}

/**
 * Resolves `<if variable="v" value="x">` (keeping its children where v equals x, dropping them
 * otherwise) and substitutes `$name` attribute values, everywhere below `element`.
 */
export function resolveConditionals(element: XmlElement, variables: Variables): void {
  for (const [key, value] of Object.entries(element.attrs))
    if (value.startsWith('$')) element.attrs[key] = lookup(element, value.slice(1), variables);
  const children: XmlElement[] = [];
  for (const child of element.children) {
    if (child.name === 'if') {
      const { variable, value } = child.attrs;
      if (variable === undefined || value === undefined)
        fail(child, 'needs the attributes "variable" and "value"');
      if (lookup(child, variable, variables) !== value) continue;
      resolveConditionals(child, variables);
      children.push(...child.children);
      continue;
    }
    resolveConditionals(child, variables);
    children.push(child);
  }
  element.children = children;
}

/** A number in Muen's notation: decimal, or Ada-style based `16#0010_0000#`, underscores allowed. */
export function parseMuenNumber(text: string, at: XmlElement): bigint {
  const t = text.replaceAll('_', '');
  const based = /^(\d+)#([0-9a-fA-F]+)#$/.exec(t);
  if (based) {
    const base = Number(based[1]);
    if (base === 16) return BigInt(`0x${based[2]}`);
    if (base === 2) return BigInt(`0b${based[2]}`);
    if (base === 8) return BigInt(`0o${based[2]}`);
    if (base === 10) return BigInt(based[2]!);
  } else if (/^\d+$/.test(t)) return BigInt(t);
  return fail(at, `malformed number "${text}"`);
}

export function child(e: XmlElement, name: string): XmlElement | undefined {
  return e.children.find((c) => c.name === name);
}

export function childrenNamed(e: XmlElement | undefined, name: string): XmlElement[] {
  return e?.children.filter((c) => c.name === name) ?? [];
}

export function attr(e: XmlElement, name: string): string {
  const value = e.attrs[name];
  if (value === undefined) fail(e, `missing attribute "${name}"`);
  return value;
}
