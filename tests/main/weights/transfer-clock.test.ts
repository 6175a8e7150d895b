import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TransferClock } from '../../../src-main/weights/transfer-clock';

function fakeTime(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

test('no time left is promised before a second of data; then it is the bytes left at the measured pace', () => {
  const time = fakeTime();
  const clock = new TransferClock(100e6, 0, time.now);
  time.advance(500);
  assert.deepEqual(clock.progress(1e6), { done: 1e6, total: 100e6, bytesPerSecond: null, etaSeconds: null });
  time.advance(500);
  const steady = clock.progress(2e6); // 2 MB in 1 s
  assert.equal(steady.bytesPerSecond, 2e6);
  assert.equal(steady.etaSeconds, 49);
});

test('the pace is that of the last seconds: a slow start does not inflate the time left for ever', () => {
  const time = fakeTime();
  const clock = new TransferClock(100e6, 0, time.now);
  let done = 0;
  for (let s = 0; s < 10; s += 1) {
    time.advance(1000);
    done += 0.1e6; // 0.1 MB/s for 10 s
    clock.progress(done);
  }
  for (let s = 0; s < 10; s += 1) {
    time.advance(1000);
    done += 5e6; // then 5 MB/s
    clock.progress(done);
  }
  const now = clock.progress(done);
  assert.ok(Math.abs(now.bytesPerSecond! - 5e6) < 1, `pace ${now.bytesPerSecond}`);
  assert.ok(Math.abs(now.etaSeconds! - (100e6 - done) / 5e6) < 1e-6);
});

test('bytes resumed from disk are not counted as received; a stall gives no time left; the end gives 0', () => {
  const time = fakeTime();
  const clock = new TransferClock(10e6, 6e6, time.now);
  time.advance(2000);
  const resumed = clock.progress(7e6);
  assert.equal(resumed.bytesPerSecond, 0.5e6, '1 MB in 2 s, not 7 MB');
  assert.equal(resumed.etaSeconds, 6);
  time.advance(9000);
  clock.progress(7e6);
  time.advance(1000);
  assert.equal(clock.progress(7e6).etaSeconds, null, 'nothing arrived in the window');
  assert.equal(clock.progress(10e6).etaSeconds, 0);
});
