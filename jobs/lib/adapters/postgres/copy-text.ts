/**
 * Reading PostgreSQL `COPY … TO STDOUT` output in the default text format
 * (source: PostgreSQL docs, "COPY", File Formats → Text Format): one row per
 * line ending in `\n`, fields separated by a tab, NULL written `\N`, and a
 * backslash escaping a backslash, `\b \f \n \r \t \v`, or any other character
 * as itself (COPY TO never writes the octal or hex forms). Values are the
 * types' text output, with DateStyle ISO.
 *
 * {@link CopyJsonLines} turns the stream straight into raw-zone JSON lines,
 * byte by byte, without building a string or an object per value (JSON text
 * identical to `JSON.stringify` of the row object the COPY fields stand for).
 */
import { TerminalError } from '../../core/errors';
import type { RawLinePage } from '../../core/ports';

/**
 * How a column's text becomes a raw value: `int` a JSON number written as the
 * digits, `float` a JSON number (null when not finite, as JSON.stringify
 * does), `bool` true/false, `timestamp` ISO text with exactly three fraction
 * digits (`2022-11-03T14:20:52.180`, more digits truncated like
 * `to_char(…, 'MS')`), and `text` the value as a string (numerics, dates,
 * enums, text and any other type).
 */
export type CopyValueKind = 'int' | 'float' | 'bool' | 'timestamp' | 'text';

/** A column of a COPY row: its name and how its text becomes a raw value. */
export interface CopyColumn {
  name: string;
  kind: CopyValueKind;
}

/** How one COPY stream becomes raw-zone pages ({@link CopyJsonLines}). */
export interface CopyLayout {
  /** The table's columns in COPY order. */
  columns: CopyColumn[];
  /** Positions of the primary key's columns. */
  keyIndexes: number[];
  /** Position of `last_updated`. */
  lastUpdatedIndex: number;
  /** Most rows per page. */
  pageRows: number;
}

const TIMESTAMP_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/;

/**
 * A timestamp's ISO text output (`2022-11-03 14:20:52.18`) in the raw zone's
 * form `2022-11-03T14:20:52.180`: `T` separator and exactly three fraction
 * digits (more are truncated). Text that is not such a timestamp (`infinity`,
 * a BC date) is returned unchanged.
 */
export function isoMillis(text: string): string {
  if (text.length === 23 && text.charCodeAt(10) === 32 && text.charCodeAt(19) === 46)
    return `${text.slice(0, 10)}T${text.slice(11)}`;
  const m = TIMESTAMP_TEXT.exec(text);
  if (!m) return text;
  return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}`;
}

/** COPY's text-format escapes of the characters it escapes (module comment). */
const COPY_TEXT_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};
const COPY_TEXT_SPECIAL = /[\\\b\f\n\r\t\v]/g;

/**
 * A value as `COPY … TO STDOUT` (text format) writes it: backslash, backspace,
 * form feed, newline, carriage return, tab and vertical tab as `\\`, `\b`,
 * `\f`, `\n`, `\r`, `\t`, `\v`; every other character as itself. For lines
 * made without COPY (PGlite) that must read like COPY's.
 */
export function copyTextEscape(value: string): string {
  return value.replace(COPY_TEXT_SPECIAL, (c) => COPY_TEXT_ESCAPES[c]);
}

// Bytes.
const TAB = 0x09;
const NL = 0x0a;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const SPACE = 0x20;
const DOT = 0x2e;
const ZERO = 0x30;
const HEX = '0123456789abcdef';
/** JSON's short escapes for control bytes (as JSON.stringify writes them); other control bytes become \u00XX. */
const JSON_SHORT: Record<number, number> = { 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72 };
/** The byte a COPY escape `\<x>` stands for. */
const COPY_ESCAPE: Record<number, number> = { 98: 0x08, 102: 0x0c, 110: 0x0a, 114: 0x0d, 116: 0x09, 118: 0x0b };
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
/** Bytes a raw-zone page aims at before it is handed on. */
const PAGE_BYTES = 1 << 20;

/**
 * Turns COPY text (as it streams, in chunks of any size) into raw-zone JSON
 * line pages (ports.ts RawLinePage): `{"<col>":<value>,…}\n` per row, values
 * as the COPY fields stand for them and JSON text exactly as `JSON.stringify`
 * writes it, plus each row's `last_updated` and key text. A page holds at most
 * `pageRows` rows and about 1 MB of JSON.
 *
 * Work is done on the bytes: the column names are encoded once, numbers and
 * plain text are copied, and only escapes are rewritten, so a row costs no
 * string or object besides its stamp and key.
 */
export class CopyJsonLines {
  private readonly prefixes: Buffer[];
  private readonly kinds: CopyValueKind[];
  private readonly isKey: boolean[];
  /** Bytes one row adds besides 6× its input (names, braces, quotes, the T and padding of stamps). */
  private readonly overhead: number;
  private out: Buffer;
  private pos = 0;
  private starts: number[] = [];
  private stamps: string[] = [];
  private keys: string[] = [];
  private carry: Buffer | null = null;
  private readonly keyStart: number[];
  private readonly keyEnd: number[];

  private readonly columns: CopyColumn[];
  private readonly keyIndexes: number[];
  private readonly lastUpdatedIndex: number;
  private readonly pageRows: number;

  /** @param layout the stream's columns, key and stamp positions, and rows per page */
  constructor(layout: CopyLayout) {
    const { columns, keyIndexes } = layout;
    this.columns = columns;
    this.keyIndexes = keyIndexes;
    this.lastUpdatedIndex = layout.lastUpdatedIndex;
    this.pageRows = layout.pageRows;
    this.prefixes = columns.map((c, i) => Buffer.from(`${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`));
    this.kinds = columns.map((c) => c.kind);
    this.isKey = columns.map((_, i) => keyIndexes.includes(i));
    this.overhead = this.prefixes.reduce((n, p) => n + p.length, 0) + 16 * columns.length + 8;
    this.keyStart = columns.map(() => 0);
    this.keyEnd = columns.map(() => 0);
    this.out = Buffer.allocUnsafe(PAGE_BYTES * 2);
  }

  /**
   * Feeds one chunk of COPY output; returns the pages it completed (often none).
   * @throws TerminalError when a row has the wrong number of fields.
   */
  push(chunk: Buffer): RawLinePage[] {
    const pages: RawLinePage[] = [];
    let buf = chunk;
    if (this.carry) {
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return pages;
      }
      this.rows(Buffer.concat([this.carry, chunk.subarray(0, nl + 1)]), pages);
      this.carry = null;
      buf = chunk.subarray(nl + 1);
    }
    const last = buf.lastIndexOf(NL);
    if (last === -1) {
      if (buf.length) this.carry = Buffer.from(buf);
      return pages;
    }
    this.rows(buf.subarray(0, last + 1), pages);
    if (last + 1 < buf.length) this.carry = Buffer.from(buf.subarray(last + 1));
    return pages;
  }

  /**
   * Ends the stream; returns the last page, if any rows are left.
   * @throws TerminalError when the stream ended inside a row.
   */
  end(): RawLinePage[] {
    if (this.carry?.length) throw new TerminalError('COPY output ended inside a row');
    return this.starts.length ? [this.take()] : [];
  }

  /** Hands on the page built so far and starts a new buffer. */
  private take(): RawLinePage {
    const page: RawLinePage = {
      text: this.out.subarray(0, this.pos),
      starts: this.starts,
      lastUpdated: this.stamps,
      keys: this.keys,
    };
    this.out = Buffer.allocUnsafe(this.out.length);
    this.pos = 0;
    this.starts = [];
    this.stamps = [];
    this.keys = [];
    return page;
  }

  /** Renders every row of `buf` (whole lines only). */
  private rows(buf: Buffer, pages: RawLinePage[]): void {
    let at = 0;
    while (at < buf.length) {
      at = this.row(buf, at);
      if (this.starts.length >= this.pageRows || this.pos >= PAGE_BYTES) pages.push(this.take());
    }
  }

  /** Makes room for `bytes` more bytes of output after `pos` (rare: only for very long values). */
  private reserve(pos: number, bytes: number): Buffer {
    if (pos + bytes <= this.out.length) return this.out;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.out.length, pos + bytes));
    this.out.copy(bigger, 0, 0, pos);
    this.out = bigger;
    return bigger;
  }

  /** Renders the row starting at `from` (whole line); returns where the next row starts. */
  private row(buf: Buffer, from: number): number {
    const columns = this.columns.length;
    const kinds = this.kinds;
    const prefixes = this.prefixes;
    const lineStart = this.pos;
    let out = this.reserve(this.pos, this.overhead);
    let pos = this.pos;
    let at = from;
    let stamp = '';
    for (let c = 0; c < columns; c++) {
      const prefix = prefixes[c];
      const prefixLength = prefix.length;
      out.set(prefix, pos);
      pos += prefixLength;
      // The field is buf[at, end): up to the next tab, or the newline that ends the row.
      let end = at;
      let b = buf[end];
      while (b !== TAB && b !== NL && end < buf.length) b = buf[++end];
      if (end >= buf.length) throw new TerminalError('COPY output ended inside a row');
      if ((c === columns - 1) !== (b === NL)) throw new TerminalError(`COPY row does not have ${columns} fields`);
      const length = end - at;
      if (length * 6 + 32 > out.length - pos) out = this.reserve(pos, length * 6 + 32 + this.overhead);
      const valueStart = pos;
      if (length === 2 && buf[at] === BACKSLASH && buf[at + 1] === 0x4e /* N */) {
        out[pos++] = 0x6e; // n
        out[pos++] = 0x75; // u
        out[pos++] = 0x6c; // l
        out[pos++] = 0x6c; // l
      } else {
        switch (kinds[c]) {
          case 'int':
            for (let i = at; i < end; i++) out[pos++] = buf[i];
            break;
          case 'bool': {
            const word = buf[at] === 0x74 /* t */ ? TRUE : FALSE;
            for (let i = 0; i < word.length; i++) out[pos++] = word[i];
            break;
          }
          case 'timestamp':
            pos = this.timestamp(buf, at, end, pos);
            break;
          case 'float':
            pos += out.write(JSON.stringify(Number(buf.toString('latin1', at, end))), pos, 'latin1');
            break;
          default:
            pos = this.text(buf, at, end, pos);
        }
      }
      if (c === this.lastUpdatedIndex) stamp = out.toString('latin1', valueStart + 1, pos - 1);
      if (this.isKey[c]) {
        this.keyStart[c] = valueStart;
        this.keyEnd[c] = pos;
      }
      at = end + 1;
    }
    out[pos++] = 0x7d; // }
    out[pos++] = NL;
    this.starts.push(lineStart);
    this.stamps.push(stamp);
    this.keys.push(this.keyText(out));
    this.pos = pos;
    return at;
  }

  /** The key text of the row just written (ports.ts RawLinePage.keys) from its JSON values. */
  private keyText(out: Buffer): string {
    if (this.keyIndexes.length === 1) {
      const k = this.keyIndexes[0];
      if (this.kinds[k] === 'int') return out.toString('latin1', this.keyStart[k], this.keyEnd[k]);
      return String(JSON.parse(out.toString('utf8', this.keyStart[k], this.keyEnd[k])));
    }
    return `[${this.keyIndexes.map((k) => out.toString('utf8', this.keyStart[k], this.keyEnd[k])).join(',')}]`;
  }

  /** Writes a timestamp field as `"yyyy-mm-ddThh:mm:ss.mmm"`; returns the new position. */
  private timestamp(buf: Buffer, at: number, end: number, pos: number): number {
    const out = this.out;
    const length = end - at;
    if (length >= 19 && buf[at + 10] === SPACE && (length === 19 || (buf[at + 19] === DOT && length <= 26 && length >= 21))) {
      let plain = true;
      for (let i = at + 20; i < end; i++) if (buf[i] < ZERO || buf[i] > ZERO + 9) plain = false;
      if (plain) {
        out[pos++] = QUOTE;
        for (let i = at; i < at + 10; i++) out[pos++] = buf[i];
        out[pos++] = 0x54; // T
        for (let i = at + 11; i < at + 19; i++) out[pos++] = buf[i];
        out[pos++] = DOT;
        for (let d = 0; d < 3; d++) out[pos++] = at + 20 + d < end ? buf[at + 20 + d] : ZERO;
        out[pos++] = QUOTE;
        return pos;
      }
    }
    // Anything unusual (infinity, BC, a year past 9999): the string path.
    return pos + out.write(JSON.stringify(isoMillis(buf.toString('utf8', at, end))), pos, 'utf8');
  }

  /** Writes a text field as a JSON string, undoing COPY escapes and applying JSON's; returns the new position. */
  private text(buf: Buffer, at: number, end: number, pos: number): number {
    const out = this.out;
    out[pos++] = QUOTE;
    for (let i = at; i < end; i++) {
      let b = buf[i];
      if (b === BACKSLASH && i + 1 < end) {
        const next = buf[++i];
        b = COPY_ESCAPE[next] ?? next;
      }
      if (b === QUOTE || b === BACKSLASH) {
        out[pos++] = BACKSLASH;
        out[pos++] = b;
      } else if (b < 0x20) {
        out[pos++] = BACKSLASH;
        const short = JSON_SHORT[b];
        if (short !== undefined) {
          out[pos++] = short;
        } else {
          out[pos++] = 0x75; // u
          out[pos++] = ZERO;
          out[pos++] = ZERO;
          out[pos++] = HEX.charCodeAt(b >> 4);
          out[pos++] = HEX.charCodeAt(b & 15);
        }
      } else {
        out[pos++] = b;
      }
    }
    out[pos++] = QUOTE;
    return pos;
  }
}
