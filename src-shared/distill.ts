import { z } from './zod';

/**
 * Knowledge distillation: a finished run (the teacher) guides a new one (the student). The
 * teacher's classes reach the student's through a class matrix whose rows sum to 1, so a teacher
 * class may split (70% Grassland, 30% SemiNatural) or several may merge. The loss is
 *   alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * hard loss
 * where _T is the softmax at temperature T (Hinton et al. 2015).
 */
export const distillSchema = z.strictObject({
  teacherRunId: z.string().min(1).describe('A finished run whose best checkpoint teaches; it must have the input size and bands of this run.'),
  alpha: z.number().min(0).max(1).default(0.7).describe("Weight of the teacher's soft targets in the loss; the hard loss gets 1 - alpha."),
  temperature: z.number().min(0.5).max(20).default(2).describe('Softmax temperature T of teacher and student in the distillation term.'),
  matrix: z
    .array(z.array(z.number().min(0).max(1)).min(1).max(254))
    .min(1)
    .max(254)
    .optional()
    .describe(
      'Teacher classes x student classes (training classes, ignore left out); rows sum to 1. Left out, each teacher class goes to the student class of the same name.',
    ),
  teacher: z
    .strictObject({
      runDir: z.string().describe("The teacher run's folder."),
      config: z.unknown().describe("The teacher run's config."),
      classNames: z.array(z.string()).describe("The teacher's training classes, in label order."),
      external: z
        .unknown()
        .optional()
        .describe(
          'Set when the teacher is an imported ONNX model: its ExternalModel record (as stored with the run); the engine runs it on ONNX Runtime instead of loading a checkpoint.',
        ),
    })
    .optional()
    .describe("Resolved by main when the run starts: the teacher's model. Leave it out."),
});
export type Distill = z.output<typeof distillSchema>;

export const rowSumTolerance = 1e-4;

/** Identity by class name; throws with the teacher classes that have no student class of that name. */
export function defaultClassMatrix(teacher: readonly string[], student: readonly string[]): number[][] {
  const missing = teacher.filter((name) => !student.includes(name));
  if (missing.length > 0) {
    throw new Error(
      `teacher class${missing.length > 1 ? 'es' : ''} ${missing.map((m) => `"${m}"`).join(', ')} ha${missing.length > 1 ? 've' : 's'} no student class of that name (student classes: ${student.join(', ')}); give a class matrix`,
    );
  }
  return teacher.map((name) => student.map((s) => (s === name ? 1 : 0)));
}

/** What is wrong with a class matrix, in words naming the valid shape and row sums; null when fine. */
export function classMatrixProblem(matrix: readonly (readonly number[])[], teacher: readonly string[], student: readonly string[]): string | null {
  if (matrix.length !== teacher.length) {
    return `the class matrix has ${matrix.length} rows; it needs one per teacher class (${teacher.length}: ${teacher.join(', ')})`;
  }
  const problems: string[] = [];
  matrix.forEach((row, t) => {
    if (row.length !== student.length) {
      problems.push(`row "${teacher[t]}" has ${row.length} columns; it needs one per student class (${student.length}: ${student.join(', ')})`);
      return;
    }
    if (row.some((v) => !Number.isFinite(v) || v < 0)) {
      problems.push(`row "${teacher[t]}" has a negative or non-numeric entry`);
      return;
    }
    const sum = row.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > rowSumTolerance) problems.push(`row "${teacher[t]}" sums to ${Number(sum.toFixed(6))}`);
  });
  if (problems.length === 0) return null;
  return `${problems.join('; ')}. Each row must sum to 1 (the share of that teacher class each student class gets).`;
}

/**
 * What is wrong with a student input size for an imported ONNX teacher, which takes any size that
 * is a multiple of its stride (or exactly its fixed size); null when it fits.
 */
export function externalTeacherSizeProblem(teacher: { stride: number; fixedSize: number | null }, inputSize: number, name: string): string | null {
  if (teacher.fixedSize !== null) {
    return inputSize === teacher.fixedSize
      ? null
      : `The teacher "${name}" is an imported ONNX model that takes only ${teacher.fixedSize} px inputs; set this run's input size to ${teacher.fixedSize}.`;
  }
  if (inputSize % teacher.stride === 0) return null;
  const below = Math.floor(inputSize / teacher.stride) * teacher.stride;
  const valid = [below, below + teacher.stride].filter((v) => v > 0);
  return `The teacher "${name}" is an imported ONNX model that takes sizes that are multiples of ${teacher.stride}; this run's input size ${inputSize} is not. Use ${valid.join(' or ')} (any multiple of ${teacher.stride}).`;
}

/** Softmax of logits / T (a plain reference for tests and previews; the engine uses tensors). */
export function softmaxAt(logits: readonly number[], temperature: number): number[] {
  const scaled = logits.map((l) => l / temperature);
  const max = Math.max(...scaled);
  const exps = scaled.map((s) => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Teacher probabilities carried to student classes: p_student[s] = sum_t p_teacher[t] * M[t][s]. */
export function mapProbabilities(teacherProbs: readonly number[], matrix: readonly (readonly number[])[]): number[] {
  const student = matrix[0]?.length ?? 0;
  const out = new Array<number>(student).fill(0);
  teacherProbs.forEach((p, t) => matrix[t]!.forEach((m, s) => (out[s]! += p * m)));
  return out;
}

/**
 * The engine's input shape check: the teacher must take the student's crop size and band count.
 * Shapes are [batch, height, width, bands] as tfjs reports them (batch may be null).
 */
export function teacherInputProblem(teacher: readonly (number | null)[], student: readonly (number | null)[]): string | null {
  const [, th, tw, tb] = teacher;
  const [, sh, sw, sb] = student;
  const parts: string[] = [];
  if (th !== sh || tw !== sw) parts.push(`its input size is ${th}x${tw}, the student's ${sh}x${sw}`);
  if (tb !== sb) parts.push(`it takes ${tb} bands, the student ${sb}`);
  if (parts.length === 0) return null;
  return `The teacher does not fit this run: ${parts.join('; ')}. Pick a teacher trained at input size ${sh} on ${sb}-band images, or set this run's size to the teacher's.`;
}
