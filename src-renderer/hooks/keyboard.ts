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
