/**
 * Reading a system file from disk: only a regular file, at most `MAX_FILE_BYTES`, decoded as UTF-8
 * (or as UTF-16 when it starts with a UTF-16 byte-order mark). A device such as /dev/zero, a pipe or
 * a directory is refused without being opened, so reading can neither hang nor exhaust memory.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

/** A system file of the largest size the limits allow is well under this. */
export const MAX_FILE_BYTES = 1024 * 1024;

export type ReadResult = { ok: true; text: string; bytes: Uint8Array } | { ok: false; reason: string };

function kindOf(stat: import('node:fs').Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isFIFO()) return 'a pipe';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

const sizeLimit = `${MAX_FILE_BYTES / 1024 / 1024} MiB`;

/** Reads a system file, or another file read the same way (`what` names it in the reasons). */
export function readSystemFile(path: string, what = 'a system file'): ReadResult {
  let fd: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return { ok: false, reason: `it is ${kindOf(stat)}, not a regular file` };
    if (stat.size > MAX_FILE_BYTES)
      return {
        ok: false,
        reason: `it holds ${stat.size.toLocaleString('en-US')} bytes; ${what} is at most ${sizeLimit}`,
      };
    fd = openSync(path, 'r');
  } catch (e) {
    return { ok: false, reason: errnoReason(e) };
  }
  try {
    // The file may have grown since it was measured: read one byte past the limit to notice.
    if (!fstatSync(fd).isFile()) return { ok: false, reason: 'it is not a regular file' };
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n)
      n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_FILE_BYTES)
      return { ok: false, reason: `it holds more than ${sizeLimit}; ${what} is at most ${sizeLimit}` };
    const bytes = new Uint8Array(buffer.subarray(0, length));
    const decoded = decode(bytes, what);
    return 'reason' in decoded
      ? { ok: false, reason: decoded.reason }
      : { ok: true, text: decoded.text, bytes };
  } catch (e) {
    return { ok: false, reason: errnoReason(e) };
  } finally {
    closeSync(fd);
  }
}

function errnoReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory, not a regular file',
    ENOTDIR: 'a part of the path is not a directory',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'the name is too long',
  };
  return err.code && reasons[err.code] ? reasons[err.code]! : err.message;
}

/** UTF-8 (a leading byte-order mark dropped), or UTF-16 with its byte-order mark. */
export function decode(bytes: Uint8Array, what = 'a system file'): { text: string } | { reason: string } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)) };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)) };
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const alternating = bytes.length >= 4 && (bytes[1] === 0 || bytes[0] === 0) && bytes[2 + (nul % 2)] === 0;
    return {
      reason: alternating
        ? 'it looks like UTF-16 text without a byte-order mark; save it as UTF-8'
        : `it holds a NUL byte at offset ${nul}, so it is not text; ${what} is YAML or JSON in UTF-8`,
    };
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  return { text: text.startsWith('\uFEFF') ? text.slice(1) : text };
}
