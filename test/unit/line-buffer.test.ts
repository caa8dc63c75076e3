import { describe, expect, it } from 'vitest';
import { LineBuffer } from '../../activities/copy/read-lines.js';

describe('LineBuffer', () => {
  it('joins lines, each ended by LF, growing past the size it was reset for', () => {
    const buffer = new LineBuffer();
    buffer.reset(8);
    const lines = Array.from({ length: 5_000 }, (_, i) => Buffer.from(`row ${i}\twith\\ttab`));
    for (const line of lines) buffer.append(line);
    expect(buffer.bytes().toString()).toBe(lines.map((l) => `${l}\n`).join(''));
  });

  it('starts empty after a reset, keeping no byte of the chunk before', () => {
    const buffer = new LineBuffer();
    buffer.reset(1024);
    buffer.append(Buffer.alloc(100_000, 'a'));
    buffer.reset(16);
    buffer.append(Buffer.from('b'));
    expect(buffer.bytes().toString()).toBe('b\n');
  });
});
