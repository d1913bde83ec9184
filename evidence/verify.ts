/**
 * `typezero evidence verify DIR`: every file of a package checked against the package's two
 * manifests, SHA256SUMS and the in-toto statement (evidence/attest.ts), and the statement's
 * signature against a public key when one is given. The manifests cover each other (SHA256SUMS lists
 * the statement; the statement lists every other file), so a changed byte is pinned on the file
 * that holds it: a file that disagrees with both manifests changed; a manifest that disagrees with
 * a file the other manifest vouches for changed itself. With a verified signature the statement
 * alone decides.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import {
  envelopeText,
  keyId,
  type Opened,
  openEnvelope,
  PREDICATE_TYPE,
  predicateOf,
  publicKey,
  SIGNER_KEY,
  STATEMENT,
  STATEMENT_TYPE,
  type Statement,
  signedBy,
} from './attest.js';
import { MANIFEST } from './out-dir.js';

/** DIR is not something verify can check (exit 2); the message is one sentence. */
export class NotAPackageError extends Error {}

export interface Problem {
  readonly path: string;
  /** What is wrong with it, in words: "changed", "missing", "not listed in the package", ... */
  readonly what: string;
}

export type SignatureStatus =
  /** Signed, and a signature verifies with the key given. */
  | 'verified'
  /** Signed, but no key was given to check it with. */
  | 'not-checked'
  /** No signature in the statement (or no statement, in a package written before statements). */
  | 'unsigned'
  /** A key was given and no signature verifies with it. */
  | 'failed';

export interface VerifyResult {
  readonly ok: boolean;
  /** Files checked against the manifests. */
  readonly files: number;
  readonly problems: readonly Problem[];
  readonly signature: SignatureStatus;
  /** Ids of the keys the statement is signed with. */
  readonly keyIds: readonly string[];
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

function listFiles(dir: string): { files: string[]; odd: string[] } {
  const files: string[] = [];
  const odd: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const rel = join(entry.parentPath, entry.name)
      .slice(dir.length + 1)
      .split(sep)
      .join('/');
    if (entry.isDirectory()) continue;
    (entry.isFile() ? files : odd).push(rel);
  }
  return { files: files.sort(), odd: odd.sort() };
}

/** SHA256SUMS as a map, and whether every line was well formed. */
function readSums(text: string): { sums: Map<string, string>; wellFormed: boolean } {
  const sums = new Map<string, string>();
  let wellFormed = text.endsWith('\n');
  for (const line of text.split('\n').slice(0, -1)) {
    const m = /^([0-9a-f]{64}) {2}([^\n]+)$/.exec(line);
    if (!m || sums.has(m[2]!)) wellFormed = false;
    else sums.set(m[2]!, m[1]!);
  }
  return { sums, wellFormed };
}

/**
 * Why the statement is not as typezero wrote it, or null: typezero writes the envelope and its
 * payload in one exact form, and the predicate repeats what evidence.json says of the package, so
 * any changed byte of the statement shows without another manifest to compare it with.
 */
function brokenStatement(
  dir: string,
  text: string,
  opened: Extract<Opened, { ok: true }>,
  evidenceIntact: boolean,
): string | null {
  if (envelopeText(opened.envelope) !== text) return 'it is not in the form typezero writes';
  const canonicalSig = (sig: unknown) =>
    typeof sig === 'string' &&
    Buffer.from(sig, 'base64').length === 64 &&
    Buffer.from(sig, 'base64').toString('base64') === sig;
  if (!opened.envelope.signatures.every((x) => /^[0-9a-f]{64}$/.test(String(x.keyid)) && canonicalSig(x.sig)))
    return 'a signature is not an Ed25519 signature in the form typezero writes';
  const st = opened.statement;
  // The statement typezero would write with these subjects and this predicate, byte for byte.
  const fields = Object.keys(predicateOf({}));
  const rebuilt: Statement = {
    _type: STATEMENT_TYPE,
    subject: st.subject.map((x) => ({ name: x.name, digest: { sha256: x.digest.sha256 } })),
    predicateType: PREDICATE_TYPE,
    predicate: Object.fromEntries(
      fields.map((k) => [k, (st.predicate as Record<string, unknown> | null)?.[k]]),
    ),
  };
  if (JSON.stringify(rebuilt) !== opened.payload.toString('utf8'))
    return 'its payload is not in the form typezero writes';
  if (!evidenceIntact) return null; // evidence.json changed: reported on its own
  let evidence: unknown;
  try {
    evidence = JSON.parse(readFileSync(join(dir, 'evidence.json'), 'utf8'));
  } catch {
    return null; // evidence.json is not JSON: reported on its own
  }
  const expected = predicateOf(evidence as Parameters<typeof predicateOf>[0]);
  return JSON.stringify(st.predicate) === JSON.stringify(expected)
    ? null
    : 'its predicate disagrees with evidence.json';
}

/** Where one file stands against the two manifests. */
type Finding = 'ok' | 'file' | 'sums' | 'statement';

/**
 * Which of the file, SHA256SUMS or the statement changed, from the file's digest (`a`) and the
 * digests SHA256SUMS (`s`) and the statement (`t`) list for it; undefined where absent or unlisted.
 * The odd one out changed; a file both manifests disagree with changed itself. A statement whose
 * signature verified is right by definition.
 */
function judge(
  a: string | undefined,
  s: string | undefined,
  t: string | undefined,
  trusted: boolean,
): Finding {
  if (a === s && a === t) return 'ok';
  if (trusted) return a === t ? 'sums' : 'file';
  if (a === t) return 'sums';
  if (a === s) return 'statement';
  return 'file';
}

export function verifyPackage(dir: string, key?: KeyObject): VerifyResult {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(dir);
  } catch {
    throw new NotAPackageError(`${dir} does not exist`);
  }
  if (!stat.isDirectory()) throw new NotAPackageError(`${dir} is not a folder`);
  const { files, odd } = listFiles(dir);
  if (!files.includes(MANIFEST))
    throw new NotAPackageError(`${dir} is not an evidence package: it has no ${MANIFEST}`);

  const problems: Problem[] = odd.map((path) => ({ path, what: 'not a plain file' }));
  const actual = new Map(files.map((f) => [f, sha256(readFileSync(join(dir, f)))]));
  const { sums, wellFormed } = readSums(readFileSync(join(dir, MANIFEST), 'utf8'));
  let sumsChanged = !wellFormed;
  let statementChanged: string | null = null;

  // The statement: its subjects, and whether a signature by the given key vouches for them.
  let subjects: Map<string, string> | null = null;
  let signature: SignatureStatus = key ? 'failed' : 'unsigned';
  let keyIds: string[] = [];
  if (files.includes(STATEMENT)) {
    const text = readFileSync(join(dir, STATEMENT), 'utf8');
    const opened = openEnvelope(text);
    if (!opened.ok) statementChanged = opened.reason;
    else {
      // evidence.json is compared with the predicate only while SHA256SUMS vouches for it.
      const evidenceIntact = actual.get('evidence.json') === sums.get('evidence.json');
      statementChanged = brokenStatement(dir, text, opened, evidenceIntact);
      subjects = new Map(opened.statement.subject.map((x) => [x.name, x.digest.sha256]));
      keyIds = opened.envelope.signatures.map((x) => String(x.keyid));
      if (key) signature = signedBy(opened, key) ? 'verified' : 'failed';
      else if (keyIds.length) {
        signature = 'not-checked';
        // The key the package carries, while both manifests vouch for it, pins a changed signature
        // on the statement; it says nothing of who signed (that takes --key).
        const carried = actual.get(SIGNER_KEY);
        if (carried && carried === sums.get(SIGNER_KEY) && carried === subjects.get(SIGNER_KEY)) {
          let own: KeyObject | null = null;
          try {
            own = publicKey(readFileSync(join(dir, SIGNER_KEY), 'utf8'), SIGNER_KEY);
          } catch {
            // Not a key: reported as a changed file below, when the manifests say so.
          }
          if (own && !signedBy(opened, own))
            statementChanged ??= `its signature does not verify with the key in ${SIGNER_KEY}`;
        }
      }
    }
  }
  const trusted = signature === 'verified' && statementChanged === null;

  const names = new Set([...files, ...sums.keys(), ...(subjects?.keys() ?? [])]);
  names.delete(MANIFEST);
  names.delete(STATEMENT);
  for (const path of [...names].sort()) {
    const a = actual.get(path);
    const s = sums.get(path);
    // A package written before statements has SHA256SUMS alone.
    const finding = subjects ? judge(a, s, subjects.get(path), trusted) : a === s ? 'ok' : 'file';
    if (finding === 'sums') sumsChanged = true;
    else if (finding === 'statement') statementChanged ??= 'it disagrees with the files and SHA256SUMS';
    else if (finding === 'file')
      problems.push({
        path,
        what:
          a === undefined
            ? 'missing'
            : s === undefined && subjects?.get(path) === undefined
              ? 'not listed in the package: added after it was written'
              : 'changed',
      });
  }
  // The statement is listed by SHA256SUMS alone, and checked for itself above: a statement that
  // is as typezero wrote it and agrees with the files, but not with SHA256SUMS, means SHA256SUMS changed.
  const a = actual.get(STATEMENT);
  if (a === undefined && sums.has(STATEMENT)) problems.push({ path: STATEMENT, what: 'missing' });
  else if (
    a !== undefined &&
    a !== sums.get(STATEMENT) &&
    (trusted || (statementChanged === null && signature !== 'failed'))
  )
    sumsChanged = true;

  if (sumsChanged)
    problems.push({ path: MANIFEST, what: 'changed: it disagrees with the files and the statement' });
  if (statementChanged !== null) problems.push({ path: STATEMENT, what: `changed: ${statementChanged}` });
  else if (signature === 'failed')
    problems.push({
      path: STATEMENT,
      what: !keyIds.length
        ? 'the package is not signed'
        : subjects
          ? `no signature verifies with the key given (id ${keyId(key!)}): the statement changed, or another key signed it`
          : 'the package is not signed',
    });
  problems.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return { ok: problems.length === 0, files: files.length, problems, signature, keyIds };
}
