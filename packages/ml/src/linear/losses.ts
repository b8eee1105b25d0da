import type { LinearLearnerConfig, LossName } from './hyperparameters.js';

/**
 * A per-example loss on one score (binary and regression losses). `value` is the loss, `grad` its
 * derivative with respect to the score. Labels are 0/1 for binary losses, real for regression.
 */
export interface ScalarLoss {
  value(score: number, y: number): number;
  grad(score: number, y: number): number;
}

/** The name SageMaker prints in `… train <name>_objective <loss>=…` lines. */
export const OBJECTIVE_NAME: Record<LossName, string> = {
  logistic: 'binary_classification_cross_entropy',
  hinge_loss: 'binary_classification_hinge_loss',
  softmax_loss: 'softmax_cross_entropy',
  squared_loss: 'square_loss',
  absolute_loss: 'absolute_loss',
  eps_insensitive_squared_loss: 'eps_insensitive_square_loss',
  eps_insensitive_absolute_loss: 'eps_insensitive_absolute_loss',
  quantile_loss: 'quantile_loss',
  huber_loss: 'huber_loss',
};

const log1pExp = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** The scalar loss for a binary or regression config (softmax is handled by the trainer directly). */
export function scalarLoss(c: Pick<LinearLearnerConfig, 'loss' | 'margin' | 'quantile' | 'lossInsensitivity' | 'huberDelta'>): ScalarLoss {
  switch (c.loss) {
    case 'logistic':
      // Cross-entropy written on the logit, stable for large |score|.
      return { value: (s, y) => log1pExp(s) - y * s, grad: (s, y) => sigmoid(s) - y };
    case 'hinge_loss': {
      const m = c.margin;
      return {
        value: (s, y) => Math.max(0, m - (2 * y - 1) * s),
        grad: (s, y) => ((2 * y - 1) * s < m ? -(2 * y - 1) : 0),
      };
    }
    case 'squared_loss':
      return { value: (s, y) => (s - y) * (s - y), grad: (s, y) => 2 * (s - y) };
    case 'absolute_loss':
      return { value: (s, y) => Math.abs(s - y), grad: (s, y) => Math.sign(s - y) };
    case 'eps_insensitive_squared_loss': {
      const e = c.lossInsensitivity;
      return {
        value: (s, y) => Math.max(0, Math.abs(s - y) - e) ** 2,
        grad: (s, y) => 2 * Math.max(0, Math.abs(s - y) - e) * Math.sign(s - y),
      };
    }
    case 'eps_insensitive_absolute_loss': {
      const e = c.lossInsensitivity;
      return { value: (s, y) => Math.max(0, Math.abs(s - y) - e), grad: (s, y) => (Math.abs(s - y) > e ? Math.sign(s - y) : 0) };
    }
    case 'quantile_loss': {
      const q = c.quantile;
      return {
        value: (s, y) => (y - s >= 0 ? q * (y - s) : (q - 1) * (y - s)),
        grad: (s, y) => (y - s > 0 ? -q : 1 - q),
      };
    }
    case 'huber_loss': {
      const d = c.huberDelta;
      return {
        value: (s, y) => (Math.abs(s - y) <= d ? 0.5 * (s - y) * (s - y) : d * (Math.abs(s - y) - 0.5 * d)),
        grad: (s, y) => Math.max(-d, Math.min(d, s - y)),
      };
    }
    case 'softmax_loss':
      throw new Error('softmax_loss has no scalar form');
  }
}
