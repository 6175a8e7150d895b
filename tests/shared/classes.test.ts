import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classListSchema, classesFromPreset, classesFromValues, findPreset, matchPreset, packRgb, valueToClassMap, valueToHex } from '../../src-shared/classes';

test('RGB values pack and print as the colour they are', () => {
  assert.equal(packRgb(60, 16, 152), 0x3c1098);
  assert.equal(valueToHex(0x3c1098), '#3c1098');
  assert.equal(valueToHex(0), '#000000');
});

test('the preset that explains the masks is found; a stray colour under 5% does not stop it', () => {
  const dubai = new Map([
    [0x8429f6, 5000],
    [0x3c1098, 1300],
    [0x6ec1e4, 900],
    [0xfedd3a, 1000],
    [0xe2a929, 1300],
    [0x9b9b9b, 50],
    [0x000000, 55],
  ]);
  assert.equal(matchPreset('rgb', dubai)?.id, 'dubai-aerial');
  assert.equal(matchPreset('index', dubai), undefined);
  const unknown = new Map([
    [0x123456, 10],
    [0x654321, 10],
  ]);
  assert.equal(matchPreset('rgb', unknown), undefined);
});

test('index masks 0..4 fit LandCover.ai more tightly than LoveDA; 0..7 only fit LoveDA', () => {
  const small = new Map([0, 1, 2, 3, 4].map((v) => [v, 100]));
  assert.equal(matchPreset('index', small)?.id, 'landcover-ai');
  const loveda = new Map([0, 1, 2, 3, 4, 5, 6, 7].map((v) => [v, 100]));
  assert.equal(matchPreset('index', loveda)?.id, 'loveda');
  // The multispectral sample's Water/Land/Kelp (0..2) is chosen by name only, never guessed.
  const three = new Map([0, 1, 2].map((v) => [v, 100]));
  assert.equal(matchPreset('index', three)?.id, 'landcover-ai');
});

test('DeepGlobe marks unknown black as the ignore class; LoveDA its no-data 0', () => {
  const deepglobe = classesFromPreset(findPreset('deepglobe')!);
  assert.deepEqual(
    deepglobe.filter((c) => c.ignore).map((c) => [c.name, c.values]),
    [['Unknown', [0]]],
  );
  const loveda = classesFromPreset(findPreset('loveda')!);
  assert.deepEqual(
    loveda.filter((c) => c.ignore).map((c) => [c.name, c.values]),
    [['No data', [0]]],
  );
});

test('without a preset every found value becomes a class to name, in value order', () => {
  const classes = classesFromValues(
    'rgb',
    new Map([
      [0xff0000, 5],
      [0x0000ff, 9],
    ]),
  );
  assert.deepEqual(classes, [
    { name: 'Class #0000ff', color: '#0000ff', values: [0x0000ff], ignore: false },
    { name: 'Class #ff0000', color: '#ff0000', values: [0xff0000], ignore: false },
  ]);
  assert.deepEqual(
    [...valueToClassMap(classes)],
    [
      [0x0000ff, 0],
      [0xff0000, 1],
    ],
  );
});

test('a class list with two ignore classes or a value owned twice is refused', () => {
  const base = { color: '#112233', ignore: false };
  const twoIgnores = classListSchema.safeParse([
    { ...base, name: 'a', values: [1], ignore: true },
    { ...base, name: 'b', values: [2], ignore: true },
  ]);
  assert.equal(twoIgnores.success, false);
  assert.match(twoIgnores.error?.issues[0]?.message ?? '', /at most one class can be the ignore class/);
  const shared = classListSchema.safeParse([
    { ...base, name: 'a', values: [1] },
    { ...base, name: 'b', values: [1, 2] },
  ]);
  assert.match(shared.error?.issues[0]?.message ?? '', /mask value 1 belongs to both "a" and "b"/);
});

test('a class named like no-data is offered as the ignore class, unless one is set', async () => {
  const { ignoreCandidate } = await import('../../src-shared/classes');
  const named = (...names: string[]) => names.map((name) => ({ name, ignore: false }));
  assert.equal(ignoreCandidate(named('Building', 'Land', 'Unlabeled')), 2);
  for (const name of ['No data', 'nodata', 'void', 'Ignore', 'unlabelled', 'Unknown', 'no_data']) assert.equal(ignoreCandidate(named('Road', name)), 1, name);
  assert.equal(ignoreCandidate(named('Background', 'Road')), null, 'background is a class in LoveDA, not no-data');
  assert.equal(
    ignoreCandidate([
      { name: 'Unlabeled', ignore: false },
      { name: 'Void', ignore: true },
    ]),
    null,
  );
});
