/**
 * Whether a key event comes from a form control (a slider, a field, a list): arrow keys there move
 * the control, so page-level shortcuts (next image, previous image) must not act on them too.
 */
export function fromFormControl(event: { target: EventTarget | null }): boolean {
  const target = event.target as { tagName?: unknown; isContentEditable?: unknown } | null;
  if (!target) return false;
  if (target.isContentEditable === true) return true;
  return typeof target.tagName === 'string' && ['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON'].includes(target.tagName.toUpperCase());
}

/** Input types where Ctrl+Z undoes typing: the page's own undo must leave them alone. */
const textInputTypes = new Set(['text', 'number', 'search', 'email', 'url', 'tel', 'password', '']);

/**
 * Whether a key event comes from a control that edits text (a text or number field, a text area,
 * editable text): Ctrl+Z there undoes the typing. Buttons, sliders and lists do not count.
 */
export function fromTextField(event: { target: EventTarget | null }): boolean {
  const target = event.target as { tagName?: unknown; isContentEditable?: unknown; type?: unknown } | null;
  if (!target) return false;
  if (target.isContentEditable === true) return true;
  const tag = typeof target.tagName === 'string' ? target.tagName.toUpperCase() : '';
  if (tag === 'TEXTAREA') return true;
  return tag === 'INPUT' && textInputTypes.has(typeof target.type === 'string' ? target.type.toLowerCase() : '');
}

/** Ctrl+Z (Cmd+Z) is undo, with Shift (or Ctrl+Y) redo; null for any other key. */
export function undoRedoKey(event: { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }): 'undo' | 'redo' | null {
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return null;
  const key = event.key.toLowerCase();
  if (key === 'z') return event.shiftKey ? 'redo' : 'undo';
  if (key === 'y' && !event.shiftKey) return 'redo';
  return null;
}
