/**
 * The package's statement of what it holds: an in-toto Statement (v1) whose subjects are the files
 * of the package with their SHA-256 digests, wrapped in a DSSE envelope and, when a key is given,
 * signed with Ed25519 by Node's crypto. The envelope travels in the package as STATEMENT; the
 * SHA256SUMS manifest lists it beside every other file, so each of the two manifests covers the
 * other: a changed byte anywhere is found, and named, by `typezero evidence verify`.
 *
 * https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md
 * https://github.com/secure-systems-lab/dsse/blob/master/envelope.md
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

export const STATEMENT = 'statement.dsse.json';
/** The signer's public key, in a signed package: a subject of the statement like any other file. */
export const SIGNER_KEY = 'signer.pub.pem';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** The predicate: this package's identity and verdict, as evidence.json states them. */
export const PREDICATE_TYPE = 'urn:typezero:evidence-package:v1';

export interface Subject {
  readonly name: string;
  readonly digest: { readonly sha256: string };
}

export interface Statement {
  readonly _type: typeof STATEMENT_TYPE;
  readonly subject: readonly Subject[];
  readonly predicateType: typeof PREDICATE_TYPE;
  readonly predicate: Readonly<Record<string, unknown>>;
}

export interface Envelope {
  readonly payloadType: string;
  /** The statement's JSON, base64. */
  readonly payload: string;
  readonly signatures: readonly { readonly keyid: string; readonly sig: string }[];
}

/** A key file that cannot be used; the message names the file and what is wrong. */
export class KeyError extends Error {}

/** DSSE's pre-authentication encoding: what is signed, so that the payload type is bound too. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'utf8'),
    type,
    Buffer.from(` ${payload.length} `, 'utf8'),
    payload,
  ]);
}

/** SHA-256 of the public key's DER (SubjectPublicKeyInfo): the key's id in the envelope. */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

function readKey(text: string, file: string, kind: 'private' | 'public'): KeyObject {
  let key: KeyObject;
  try {
    key = kind === 'private' ? createPrivateKey(text) : createPublicKey(text);
  } catch (e) {
    throw new KeyError(
      `${file}: not a PEM ${kind} key (${e instanceof Error ? e.message : String(e)}); make one with: openssl genpkey -algorithm ed25519 -out key.pem`,
    );
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new KeyError(`${file}: an ${key.asymmetricKeyType ?? 'unknown'} key; an Ed25519 key is needed`);
  return key;
}

/** A key file's text: a regular file of at most 64 KiB. */
function keyText(file: string): string {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new KeyError(`${file}: not a regular file`);
    if (stat.size > 65_536) throw new KeyError(`${file}: ${stat.size} bytes, too large for a key file`);
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof KeyError) throw e;
    throw new KeyError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** The Ed25519 private key in a PEM file (PKCS#8, as `openssl genpkey -algorithm ed25519` writes). */
export function privateKeyFile(file: string): KeyObject {
  return readKey(keyText(file), file, 'private');
}

/** An Ed25519 public key from PEM text. */
export function publicKey(text: string, file: string): KeyObject {
  return readKey(text, file, 'public');
}

/** The Ed25519 public key in a PEM file (SPKI, as `openssl pkey -pubout` writes). */
export function publicKeyFile(file: string): KeyObject {
  return readKey(keyText(file), file, 'public');
}

/** What the statement says of the package beyond its files: as evidence.json says it. */
export interface EvidenceHead {
  readonly document?: { readonly id?: string; readonly configurationItem?: string };
  readonly system?: { readonly name?: string; readonly sha256?: string };
  readonly verdict?: { readonly status?: string };
}

export function predicateOf(evidence: EvidenceHead): Record<string, unknown> {
  return {
    packageId: evidence.document?.id ?? null,
    configurationItem: evidence.document?.configurationItem ?? null,
    system: evidence.system?.name ?? null,
    systemSha256: evidence.system?.sha256 ?? null,
    verdict: evidence.verdict?.status ?? null,
  };
}

/** The statement over `files` (package path to content), sorted by path. */
export function statementOf(
  files: ReadonlyMap<string, string | Uint8Array>,
  evidence: EvidenceHead,
): Statement {
  return {
    _type: STATEMENT_TYPE,
    subject: [...files.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, content]) => ({
        name,
        digest: { sha256: createHash('sha256').update(content).digest('hex') },
      })),
    predicateType: PREDICATE_TYPE,
    predicate: predicateOf(evidence),
  };
}

/** The envelope as typezero writes it, byte for byte. */
export function envelopeText(envelope: Envelope): string {
  return `${JSON.stringify(
    {
      payloadType: envelope.payloadType,
      payload: envelope.payload,
      signatures: envelope.signatures.map((x) => ({ keyid: x?.keyid, sig: x?.sig })),
    },
    null,
    2,
  )}\n`;
}

/** The envelope for `statement`, signed with `key` when one is given, with no signature otherwise. */
export function envelopeOf(statement: Statement, key?: KeyObject): string {
  const payload = Buffer.from(JSON.stringify(statement), 'utf8');
  const signatures = key
    ? [{ keyid: keyId(key), sig: sign(null, pae(PAYLOAD_TYPE, payload), key).toString('base64') }]
    : [];
  return envelopeText({ payloadType: PAYLOAD_TYPE, payload: payload.toString('base64'), signatures });
}

export type Opened =
  | {
      readonly ok: true;
      readonly statement: Statement;
      readonly envelope: Envelope;
      readonly payload: Buffer;
    }
  | { readonly ok: false; readonly reason: string };

/** The envelope's statement, or why the text is not an envelope of an in-toto statement. */
export function openEnvelope(text: string): Opened {
  let envelope: Envelope;
  let statement: Statement;
  let payload: Buffer;
  try {
    envelope = JSON.parse(text) as Envelope;
    if (envelope.payloadType !== PAYLOAD_TYPE)
      return { ok: false, reason: 'its payload type is not in-toto' };
    if (typeof envelope.payload !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(envelope.payload))
      return { ok: false, reason: 'its payload is not base64' };
    if (!Array.isArray(envelope.signatures)) return { ok: false, reason: 'it has no list of signatures' };
    payload = Buffer.from(envelope.payload, 'base64');
    if (payload.toString('base64') !== envelope.payload)
      return { ok: false, reason: 'its payload is not base64' };
    statement = JSON.parse(payload.toString('utf8')) as Statement;
  } catch {
    return { ok: false, reason: 'it is not JSON' };
  }
  if (
    statement._type !== STATEMENT_TYPE ||
    !Array.isArray(statement.subject) ||
    !statement.subject.every(
      (s) => typeof s?.name === 'string' && /^[0-9a-f]{64}$/.test(String(s?.digest?.sha256)),
    )
  )
    return { ok: false, reason: 'its payload is not an in-toto statement with SHA-256 subjects' };
  return { ok: true, statement, envelope, payload };
}

/** The public half of `key`, as PEM. */
export function publicPem(key: KeyObject): string {
  return String(createPublicKey(key).export({ type: 'spki', format: 'pem' }));
}

/** Whether some signature of the envelope is `key`'s over the payload. */
export function signedBy(opened: Extract<Opened, { ok: true }>, key: KeyObject): boolean {
  const id = keyId(key);
  const message = pae(opened.envelope.payloadType, opened.payload);
  return opened.envelope.signatures.some(
    (s) =>
      s.keyid === id && typeof s.sig === 'string' && verify(null, message, key, Buffer.from(s.sig, 'base64')),
  );
}
