import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { mulberry32 } from '../../src-shared/random';
import { clipEchoes, cut, echoLimit, longStrings } from '../../src-shared/request-errors';

// Issue 27 F9: an error message repeats at most `echoLimit` characters of any value a client sent.

const letters = (count: number, seed: number): string => {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join('');
};
/** The longest run of `message` copied from `value`, by brute force. */
function longestCopy(message: string, value: string): number {
  let longest = 0;
  for (let i = 0; i < message.length; i += 1) {
    for (let j = 0; j < value.length; j += 1) {
      let n = 0;
      while (message[i + n] !== undefined && message[i + n] === value[j + n]) n += 1;
      longest = Math.max(longest, n);
    }
  }
  return longest;
}

test('cut keeps a short text whole and cuts a long one to echoLimit characters with its length', () => {
  assert.equal(cut('abc'), 'abc');
  assert.equal(cut('x'.repeat(echoLimit)), 'x'.repeat(echoLimit));
  assert.equal(cut('x'.repeat(200)), `${'x'.repeat(echoLimit)}… (200 characters)`);
});

test('a long value copied into a message, as it is, resolved, trimmed or quoted by an fs error, is cut to echoLimit characters', () => {
  const value = `/data/${letters(3_000, 1)}`;
  const messages = [
    `No dataset with id ${value}.`,
    `The images folder ${resolve(`${value}/`)} does not exist.`,
    `Cannot read the folder ${value.trim()}: ENOENT: no such file or directory, scandir '${value}'`,
    `Run "${value.slice(10, 500)}" and "${value.slice(1_000)}"`,
  ];
  for (const message of messages) {
    const clipped = clipEchoes(message, longStrings({ datasetId: value }));
    assert.ok(clipped.length < 400, `${clipped.length} characters`);
    assert.ok(longestCopy(clipped, value) <= echoLimit + 1, clipped);
    assert.match(clipped, /… \(3006 characters\)/);
  }
});

test('short values and the words around a long one stay whole; two long values are both cut', () => {
  const a = letters(500, 2);
  const b = letters(500, 3);
  const clipped = clipEchoes(`first ${a}, then ${b}; name "tiles"`, longStrings({ a, list: [b], tiles: 'tiles' }));
  assert.equal(clipped, `first ${a.slice(0, echoLimit)}… (500 characters), then ${b.slice(0, echoLimit)}… (500 characters); name "tiles"`);
  assert.equal(clipEchoes('No dataset with id d1.', longStrings({ datasetId: 'd1' })), 'No dataset with id d1.');
});

test('longStrings finds long keys and values at any depth, each once, and stops at the request limit', () => {
  const long = 'k'.repeat(100);
  assert.deepEqual(longStrings({ a: [{ [long]: long }], b: long, c: 'short' }).sort(), [long]);
  assert.ok(longStrings(Array.from({ length: 300_000 }, (_, i) => `${i}`.padEnd(90, '-'))).length < 300_000);
});
