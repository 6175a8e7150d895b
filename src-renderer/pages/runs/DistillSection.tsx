import { configBounds } from '../../../src-shared/config-reference';
import { classMatrixProblem, externalTeacherSizeProblem, rowSumTolerance } from '../../../src-shared/distill';
import type { Distill } from '../../../src-shared/distill';
import { groupDefaults } from '../../../src-shared/run-config';
import type { RunSummary } from '../../../src-shared/runs';
import { useApiQuery } from '../../hooks/useApiQuery';

type DistillInput = Pick<Distill, 'teacherRunId'> & Partial<Pick<Distill, 'alpha' | 'temperature' | 'matrix'>>;

/**
 * Knowledge distillation in the launch form: a finished run teaches; alpha and T; and the
 * teacher-to-student class matrix, identity by name unless the user edits it. Rows that do not
 * sum to 1 are marked here and refused by main.
 */
export function DistillSection({
  value,
  studentClasses,
  inputSize,
  onChange,
}: {
  value: DistillInput | null;
  studentClasses: string[];
  inputSize: number;
  onChange: (next: DistillInput | null) => void;
}) {
  const runs = useApiQuery('runs:list', {}, ['run:update']);
  // A trained run with a best checkpoint, or an imported ONNX model (imported masks cannot teach).
  const teachers = (runs.data ?? []).filter(
    (r: RunSummary) => (r.bestEpoch !== null || r.external !== null) && r.status !== 'running' && r.status !== 'queued',
  );
  return (
    <div className="distill" data-testid="form-distill">
      <div className="row">
        <label className="check">
          <input
            type="checkbox"
            checked={value !== null}
            disabled={teachers.length === 0}
            onChange={(e) => onChange(e.target.checked && teachers[0] ? { teacherRunId: teachers[0].id, ...groupDefaults.distill } : null)}
            data-testid="form-distill-on"
          />{' '}
          Learn from a teacher run
        </label>
        {teachers.length === 0 ? <span className="muted small">(needs a run with a best checkpoint)</span> : null}
        {value ? (
          <>
            <select
              value={value.teacherRunId}
              onChange={(e) => onChange({ teacherRunId: e.target.value, alpha: value.alpha, temperature: value.temperature })}
              data-testid="form-distill-teacher"
            >
              {teachers.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name} (mIoU {r.bestMiou?.toFixed(3) ?? '-'})
                </option>
              ))}
            </select>
            <label className="field inline small">
              <span>alpha</span>
              <input
                type="number"
                {...configBounds('distill.alpha')}
                step={0.05}
                value={value.alpha ?? groupDefaults.distill.alpha}
                onChange={(e) => onChange({ ...value, alpha: Number(e.target.value) })}
                data-testid="form-distill-alpha"
              />
            </label>
            <label className="field inline small">
              <span>T</span>
              <input
                type="number"
                {...configBounds('distill.temperature')}
                step={0.5}
                value={value.temperature ?? groupDefaults.distill.temperature}
                onChange={(e) => onChange({ ...value, temperature: Number(e.target.value) })}
                data-testid="form-distill-temperature"
              />
            </label>
          </>
        ) : null}
      </div>
      {value ? <ClassMatrix value={value} studentClasses={studentClasses} inputSize={inputSize} onChange={onChange} /> : null}
    </div>
  );
}

function ClassMatrix({
  value,
  studentClasses,
  inputSize,
  onChange,
}: {
  value: DistillInput;
  studentClasses: string[];
  inputSize: number;
  onChange: (next: DistillInput) => void;
}) {
  const teacher = useApiQuery('runs:get', { runId: value.teacherRunId }, []);
  const teacherClasses = teacher.data?.classNames ?? [];
  if (!teacher.data) return null;
  const byName = teacherClasses.map((name) => studentClasses.map((s) => (s === name ? 1 : 0)));
  const matrix = value.matrix ?? byName;
  const namesMatch = teacherClasses.every((name) => studentClasses.includes(name));
  const problem = classMatrixProblem(matrix, teacherClasses, studentClasses);
  const set = (t: number, s: number, v: number): void =>
    onChange({ ...value, matrix: matrix.map((row, i) => (i === t ? row.map((x, j) => (j === s ? v : x)) : row)) });
  // An imported ONNX teacher takes any multiple of its stride (or only its fixed size), whatever its window.
  const external = teacher.data.external;
  const sizeProblem = external
    ? externalTeacherSizeProblem(external, inputSize, teacher.data.name)
    : teacher.data.config.inputSize !== inputSize
      ? `The teacher was trained at ${teacher.data.config.inputSize}px; set this run's input size to match.`
      : null;
  return (
    <>
      {/* Outside the (often closed) matrix: a size mismatch is the first thing to fix. */}
      {sizeProblem ? (
        <p className="error-text small" data-testid="form-distill-size">
          {sizeProblem}
        </p>
      ) : null}
      <details className="class-matrix" open={!namesMatch || value.matrix !== undefined} data-testid="form-distill-matrix">
        <summary className="small">
          Class matrix: teacher classes (rows) to this run's classes; each row sums to 1.{' '}
          {value.matrix === undefined ? (namesMatch ? 'Identity by name.' : 'Some teacher classes have no namesake here: fill their rows.') : 'Edited.'}
        </summary>
        <table className="table compact matrix-editor">
          <thead>
            <tr>
              <th>Teacher \ student</th>
              {studentClasses.map((s) => (
                <th key={s} className="num">
                  {s}
                </th>
              ))}
              <th className="num">Sum</th>
            </tr>
          </thead>
          <tbody>
            {teacherClasses.map((t, i) => {
              const row = matrix[i] ?? [];
              const sum = row.reduce((a, b) => a + b, 0);
              return (
                <tr key={t}>
                  <td>{t}</td>
                  {studentClasses.map((s, j) => (
                    <td key={s} className="num">
                      <input
                        type="number"
                        {...configBounds('distill.matrix[][]')}
                        step={0.05}
                        value={row[j] ?? 0}
                        onChange={(e) => set(i, j, Number(e.target.value))}
                        aria-label={`${t} to ${s}`}
                      />
                    </td>
                  ))}
                  <td className={`num ${Math.abs(sum - 1) > rowSumTolerance ? 'error-text' : ''}`}>{Number(sum.toFixed(4))}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {problem ? <p className="error-text small">{problem}</p> : null}
      </details>
    </>
  );
}
