import { describe, expect, it } from 'vitest';
import { LineBuffer } from '../../activities/copy/read-lines.js';

/** A text-protocol row as the server sends it: each value length-encoded, NULL as 0xfb. */
function rowPacket(values: (string | Buffer | null)[]): Buffer {
  return Buffer.concat(
    values.map((value) => {
      if (value === null) return Buffer.from([0xfb]);
      const bytes = Buffer.from(value);
      if (bytes.length < 0xfb) return Buffer.concat([Buffer.from([bytes.length]), bytes]);
      const length = Buffer.alloc(3);
      length.writeUInt16LE(bytes.length, 1);
      length[0] = 0xfc;
      return Buffer.concat([length, bytes]);
    }),
  );
}

/** Appends `values` (then a key column the line leaves out) at an offset inside a larger buffer. */
function appendRow(buffer: LineBuffer, values: (string | Buffer | null)[], plain = values.map(() => false)): void {
  const packet = Buffer.concat([Buffer.from('header'), rowPacket([...values, 'key'])]);
  buffer.appendRow(packet, 6, plain);
}

describe('LineBuffer', () => {
  it("escapes the bytes LOAD DATA's default format reserves, and writes NULL as \\N", () => {
    const buffer = new LineBuffer();
    buffer.reset(8);
    appendRow(buffer, ['a\tb', 'line\nend', 'back\\slash', null, '\\N', '']);
    appendRow(buffer, [Buffer.from([0x00, 0xff, 0x0a]), 'é']);
    appendRow(buffer, ['12', '2024-01-01 00:00:00', 'plain text'], [true, true, false]);
    expect(buffer.bytes()).toEqual(
      Buffer.concat([
        Buffer.from(String.raw`a\tb	line\nend	back\\slash	\N	\\N	` + '\n'),
        Buffer.from([0x00, 0xff, 0x5c, 0x6e, 0x09]),
        Buffer.from('é\n12\t2024-01-01 00:00:00\tplain text\n'),
      ]),
    );
  });

  it('writes values of 251 bytes or more, whose length takes more than one byte', () => {
    const buffer = new LineBuffer();
    buffer.reset(8);
    const long = 'x'.repeat(300);
    appendRow(buffer, ['1', long, 'b']);
    appendRow(buffer, [long + '\t', '2']);
    expect(buffer.bytes().toString()).toBe(`1\t${long}\tb\n${long}\\t\t2\n`);
  });

  it('joins rows, growing past the size it was reset for, an escaped value taking up to twice its bytes', () => {
    const buffer = new LineBuffer();
    buffer.reset(8);
    for (let i = 0; i < 5_000; i++) appendRow(buffer, [`row ${i}`, '\\'.repeat(i % 7)]);
    const expected = Array.from({ length: 5_000 }, (_, i) => `row ${i}\t${'\\\\'.repeat(i % 7)}\n`).join('');
    expect(buffer.bytes().toString()).toBe(expected);
  });

  it('starts empty after a reset, keeping no byte of the chunk before', () => {
    const buffer = new LineBuffer();
    buffer.reset(1024);
    appendRow(buffer, [Buffer.alloc(10_000, 'a')]);
    buffer.reset(16);
    appendRow(buffer, ['b']);
    expect(buffer.bytes().toString()).toBe('b\n');
  });
});
