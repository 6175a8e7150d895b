import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromFormControl, fromTextField, undoRedoKey } from '../../src-renderer/hooks/keyboard';

test('key events from sliders, fields, lists, buttons and editable text are form-control events; the page is not', () => {
  for (const tagName of ['INPUT', 'select', 'TEXTAREA', 'BUTTON'])
    assert.equal(fromFormControl({ target: { tagName } as unknown as EventTarget }), true, tagName);
  assert.equal(fromFormControl({ target: { tagName: 'DIV', isContentEditable: true } as unknown as EventTarget }), true);
  assert.equal(fromFormControl({ target: { tagName: 'BODY' } as unknown as EventTarget }), false);
  assert.equal(fromFormControl({ target: null }), false);
});

test('Ctrl+Z undoes and Ctrl+Shift+Z redoes, except while typing in a text field', () => {
  const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {}) => ({
    key: k,
    ctrlKey: false,
    metaKey: false,
    shiftKey: false,
    altKey: false,
    ...mods,
  });
  assert.equal(undoRedoKey(key('z', { ctrlKey: true })), 'undo');
  assert.equal(undoRedoKey(key('Z', { ctrlKey: true, shiftKey: true })), 'redo');
  assert.equal(undoRedoKey(key('z', { metaKey: true })), 'undo');
  assert.equal(undoRedoKey(key('y', { ctrlKey: true })), 'redo');
  assert.equal(undoRedoKey(key('z')), null);
  assert.equal(undoRedoKey(key('z', { ctrlKey: true, altKey: true })), null);
  const target = (t: object) => ({ target: t as unknown as EventTarget });
  assert.equal(fromTextField(target({ tagName: 'INPUT', type: 'number' })), true);
  assert.equal(fromTextField(target({ tagName: 'TEXTAREA' })), true);
  assert.equal(fromTextField(target({ tagName: 'INPUT', type: 'range' })), false, 'a slider has no typing to undo');
  assert.equal(fromTextField(target({ tagName: 'BUTTON' })), false, 'after clicking Accept, Ctrl+Z undoes the revision');
});
