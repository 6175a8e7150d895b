import * as tf from '@tensorflow/tfjs-core';
import { ignoreLabel } from '../../../src-shared/class-weights';

/**
 * Soft targets from the teacher: softmax(teacher logits / T) carried to the student's classes by
 * the class matrix ([teacher classes, student classes], rows summing to 1). No gradient flows
 * here: the caller computes it outside the student's gradient tape.
 */
export function teacherTargets(teacherLogits: tf.Tensor, matrix: tf.Tensor2D, temperature: number): tf.Tensor {
  return tf.tidy(() => {
    const classes = teacherLogits.shape[teacherLogits.rank - 1]!;
    const probs = tf.softmax(tf.div(teacherLogits, temperature));
    const flat = tf.reshape(probs, [-1, classes]);
    const mapped = tf.matMul(flat, matrix);
    return tf.reshape(mapped, [...teacherLogits.shape.slice(0, -1), matrix.shape[1]]);
  });
}

/**
 * KL(teacher_T || student_T) per pixel, averaged over pixels whose label is not ignored (the
 * ignore class counts in no loss), scaled by T^2 so its gradients keep their size as T changes.
 */
export function distillationKl(studentLogits: tf.Tensor, targets: tf.Tensor, labels: tf.Tensor, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const logStudent = tf.logSoftmax(tf.div(studentLogits, temperature));
    // q log q is a constant of the student; with q = 0 the term is 0 (clamped log keeps it finite).
    const logTargets = tf.log(tf.maximum(targets, 1e-12));
    const perPixel = tf.sum(tf.mul(targets, tf.sub(logTargets, logStudent)), -1);
    const valid = tf.cast(tf.notEqual(labels, ignoreLabel), 'float32');
    const mean = tf.div(tf.sum(tf.mul(perPixel, valid)), tf.maximum(tf.sum(valid), 1));
    return tf.mul(mean, temperature * temperature) as tf.Scalar;
  });
}

/** alpha * T^2 * KL + (1 - alpha) * hard. */
export function distillationLoss(
  hard: tf.Scalar,
  studentLogits: tf.Tensor,
  targets: tf.Tensor,
  labels: tf.Tensor,
  alpha: number,
  temperature: number,
): tf.Scalar {
  return tf.tidy(() => {
    const soft = distillationKl(studentLogits, targets, labels, temperature);
    return tf.add(tf.mul(soft, alpha), tf.mul(hard, 1 - alpha)) as tf.Scalar;
  });
}
