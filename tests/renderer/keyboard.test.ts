import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromFormControl } from '../../src-renderer/hooks/keyboard';

test('key events from sliders, fields, lists, buttons and editable text are form-control events; the page is not', () => {
  for (const tagName of ['INPUT', 'select', 'TEXTAREA', 'BUTTON']) assert.equal(fromFormControl({ target: { tagName } as unknown as EventTarget }), true, tagName);
  assert.equal(fromFormControl({ target: { tagName: 'DIV', isContentEditable: true } as unknown as EventTarget }), true);
  assert.equal(fromFormControl({ target: { tagName: 'BODY' } as unknown as EventTarget }), false);
  assert.equal(fromFormControl({ target: null }), false);
});
