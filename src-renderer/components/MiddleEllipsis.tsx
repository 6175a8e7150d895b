/**
 * A file name cut in the middle when it does not fit: the end (the part that tells tiles apart,
 * `part_003`) always stays visible. The whole name is in the title.
 */
export function MiddleEllipsis({ text, keep = 8, className = '' }: { text: string; keep?: number; className?: string }) {
  const head = text.length > keep ? text.slice(0, -keep) : '';
  const tail = text.length > keep ? text.slice(-keep) : text;
  return (
    <span className={`middle-ellipsis ${className}`} title={text} data-testid="middle-ellipsis">
      <span className="middle-ellipsis-head">{head}</span>
      <span className="middle-ellipsis-tail">{tail}</span>
    </span>
  );
}
