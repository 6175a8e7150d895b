/** An error from main, shown where it happened, in the words main chose. */
export function ErrorNote({ message, testId = 'error-note' }: { message: string | null; testId?: string }) {
  if (!message) return null;
  return (
    <p className="error-note" role="alert" data-testid={testId}>
      {message}
    </p>
  );
}
