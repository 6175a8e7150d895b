/** A collapsible list of file names under a count, e.g. "Images without a mask: 3". */
export function FileNameList({ title, names, limit = 200 }: { title: string; names: readonly string[]; limit?: number }) {
  if (names.length === 0) return null;
  return (
    <details>
      <summary>
        {title}: {names.length}
      </summary>
      <ul className="file-list">
        {names.slice(0, limit).map((n) => (
          <li key={n}>{n}</li>
        ))}
        {names.length > limit ? <li>… and {names.length - limit} more</li> : null}
      </ul>
    </details>
  );
}
